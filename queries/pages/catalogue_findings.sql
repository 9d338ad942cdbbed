-- grain: check_code, plan_id, item
-- columns: severity, severity_label, check_code, check_label, plan_id, doc_label, item, message
-- accepted: severity = severity, check_code = catalogue_check
--
-- The catalogue checks (`python -m nq57 check-catalogue`, run at init and on every plan import,
-- listed on the page Chuỗi kế hoạch): one row per finding naming the plan, the item and the
-- problem. Only a cycle in the chain is an error; the rest are warnings a person must review:
-- targets whose path goes backwards across horizons, deadlines before the plan's own date,
-- targets without the unit of measure their KPI has, KPIs shared by plans and not reviewed as
-- meaning the same (kpi_merges), document numbers that resolve to nothing or to several nodes.
with nodes as (
    -- a plan named as the pages name it ("KH xã Nha Bích"), not by its internal id when it has no number
    select d.* replace (coalesce(pl.plan_label, d.doc_label) as doc_label)
    from stg_documents d
    left join plan_labels pl on pl.plan_id = d.plan_id
),

targets as (
    select t.*, k.kpi_name, k.unit_of_measure, k.direction
    from effective_targets t
    join stg_kpis k using (kpi_id)
),

units as (
    select unit_id, unit_name from stg_units
),

backwards as (
    select
        'backwards_path' as check_code, b.plan_id,
        b.kpi_id || ' ' || a.horizon || '→' || b.horizon as item,
        'Mục tiêu "' || b.kpi_name || '" của ' || u.unit_name || ' đi lùi: '
            || target_label(a.comparator, a.target_value, a.unit_of_measure) || ' năm ' || a.horizon
            || ' (' || a.target_source_label || ') nhưng '
            || target_label(b.comparator, b.target_value, b.unit_of_measure) || ' năm ' || b.horizon
            || ' (' || b.target_source_label || ').' as message
    from targets a
    join targets b on b.unit_id = a.unit_id and b.kpi_id = a.kpi_id and b.horizon > a.horizon
    join units u on u.unit_id = a.unit_id
    where a.comparator is not null and b.comparator is not null
      and not a.per_year and not b.per_year
      and case when a.direction in ('rank', 'lower') then b.target_value > a.target_value
               else b.target_value < a.target_value end
),

plan_dates as (
    select
        n.node_id as plan_id, n.doc_label, n.issued_on, n.issued_not_before,
        max(p.issued_on) as parent_issued_on, arg_max(p.doc_label, p.issued_on) as latest_parent
    from nodes n
    left join plan_links l on l.child_id = n.node_id
    left join nodes p on p.node_id = l.parent_id
    where n.plan_id is not null
    group by all
),

early as (
    select
        'early_deadline' as check_code, t.plan_id, 'Nhiệm vụ ' || t.task_no as item,
        'Nhiệm vụ ' || t.task_no || ': thời hạn "' || t.deadline_text || '" (' || vn_date(t.due_date) || ') trước '
            || case when d.issued_on is not null then 'ngày ban hành kế hoạch ' || vn_date(d.issued_on)
                    when d.issued_not_before is not null
                        then 'ngày sớm nhất kế hoạch có thể ban hành (' || vn_date(d.issued_not_before) || ', theo văn bản kế hoạch dẫn)'
                    else 'ngày ban hành ' || vn_date(d.parent_issued_on) || ' của văn bản ' || d.latest_parent
                         || ' mà kế hoạch triển khai' end
            || '.' as message
    from stg_tasks t
    join plan_dates d using (plan_id)
    where t.deadline_kind = 'date'
      and t.due_date < coalesce(d.issued_on, d.issued_not_before, d.parent_issued_on)
),

missing_unit as (
    select
        'missing_unit' as check_code, t.plan_id, t.kpi_id || ' ' || t.horizon as item,
        'Mục tiêu "' || coalesce(t.target_text, '') || '" của chỉ tiêu "' || k.kpi_name
            || '" không ghi đơn vị tính (chỉ tiêu tính bằng ' || k.unit_of_measure || ').' as message
    from stg_targets t
    join stg_kpis k using (kpi_id)
    where t.comparator is not null and t.target_unit is null and k.unit_of_measure is not null
),

shared as (
    select kpi_id, count(distinct plan_id) as plan_count
    from stg_targets t
    left join stg_target_assumptions a using (assumption_id)
    where a.kind is distinct from 'copy'
    group by kpi_id
    having count(distinct plan_id) > 1
),

merged as (
    select distinct on (t.kpi_id, t.plan_id)
        'merged_kpi' as check_code, t.plan_id, t.kpi_id as item,
        'Chỉ tiêu "' || k.kpi_name || '" dùng chung cho ' || s.plan_count || ' kế hoạch; kế hoạch này ghi "'
            || coalesce(t.item_text, t.target_text, '') || '" — chưa được rà soát là cùng nghĩa (kpi_merges).' as message
    from stg_targets t
    join shared s using (kpi_id)
    join stg_kpis k using (kpi_id)
    left join stg_target_assumptions a using (assumption_id)
    where a.kind is distinct from 'copy'
      and not exists (select 1 from stg_kpi_merges m where m.kpi_id = t.kpi_id and m.plan_id = t.plan_id)
    order by t.kpi_id, t.plan_id, t.target_id
),

numbers as (
    select
        case when l.match_count = 0 then 'unresolved_number' else 'ambiguous_number' end as check_code,
        l.child_id as plan_id, l.parent_ref as item,
        case when l.match_count = 0
             then 'Văn bản "' || l.parent_ref || '" mà ' || n.doc_label || ' triển khai không khớp văn bản nào trong danh mục; chưa nối vào chuỗi.'
             else 'Văn bản "' || l.parent_ref || '" mà ' || n.doc_label || ' triển khai khớp ' || l.match_count
                  || ' văn bản; chưa nối vào chuỗi.' end as message
    from plan_links l
    join nodes n on n.node_id = l.child_id
    where l.parent_id is null
),

cycles as (
    select
        'link_cycle' as check_code, a.node_id as plan_id, a.node_id as item,
        n.doc_label || ' triển khai chính nó qua chuỗi văn bản cấp trên.' as message
    from plan_ancestors a
    join nodes n on n.node_id = a.node_id
    where a.ancestor_id = a.node_id
),

findings as (
    select * from backwards
    union all by name select * from early
    union all by name select * from missing_unit
    union all by name select * from merged
    union all by name select * from numbers
    union all by name select * from cycles
),

final as (
    select
        case when f.check_code = 'link_cycle' then 'error' else 'warning' end as severity,
        sl.label as severity_label,
        f.check_code,
        cl.label as check_label,
        f.plan_id,
        n.doc_label,
        f.item,
        f.message
    from findings f
    left join nodes n on n.node_id = f.plan_id
    left join labels_of('catalogue_check') cl on cl.code = f.check_code
    left join labels_of('severity') sl
      on sl.code = case when f.check_code = 'link_cycle' then 'error' else 'warning' end
    order by severity, cl.sort_order, f.plan_id, f.item
)

select * from final
