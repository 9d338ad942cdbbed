-- grain: unit_id, kpi_id, horizon
-- columns: target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit,
--   per_year, due_date, target_text, item_no, item_text, lead_office, lead_units, target_source,
--   target_source_label, via_plan_id, assumption_id
-- accepted: target_source = target_source
--
-- The targets each unit is held to. Its own plans' targets, and — by lineage, never merely
-- because it is a commune — the targets of the plans its own plans implement, directly or up
-- the chain (plan_ancestors), for any KPI and horizon it sets no target for itself; the nearest
-- plan up the chain wins. target_source says where each came from: 'own', 'province' (a
-- province-level plan), 'inherited' (another level) or 'assumption' (a target held only by a
-- labelled assumption, target_assumptions kind 'copy'); target_source_label names the plan and,
-- for an assumption (also a date the plan does not state), its reason.
-- Computed only while the stored targets (target_store) do not hold: effective_targets reads those
-- while the catalogue hashes as it did when they were stored; nq57/kpi_store.py stores this view.
with targets as (
    -- none read when the stored targets hold (the catalogue is unchanged since they were stored)
    select t.*
    from stg_targets t
    where not (select is_fresh from target_store_fresh)
),

nodes as (
    select * from stg_documents
),

assumptions as (
    select * from stg_target_assumptions
),

-- While the stored answers recompute a few units (unit_scope), only their targets: the window
-- below would otherwise run over every unit's before a filter on the output could apply.
unit_plans as (
    select issuer_unit_id as unit_id, node_id as plan_id
    from nodes
    where plan_id is not null and issuer_unit_id <> 'dong-nai' and in_unit_scope(issuer_unit_id)
),

own as (
    select t.*, null::varchar as via_plan_id, 0 as depth
    from targets t
    where in_unit_scope(t.unit_id)
),

reachable as (
    select t.* replace (up.unit_id as unit_id), up.plan_id as via_plan_id, a.depth
    from unit_plans up
    join plan_ancestors a on a.node_id = up.plan_id
    join targets t on t.plan_id = a.ancestor_id
    where not exists (
        select 1 from targets o
        where o.unit_id = up.unit_id and o.kpi_id = t.kpi_id and o.horizon = t.horizon
    )
),

inherited as (
    select * exclude (pick)
    from (
        select r.*, row_number() over (partition by unit_id, kpi_id, horizon order by depth, plan_id, target_id) as pick
        from reachable r
    )
    where pick = 1
),

targets_held as (
    select * exclude (depth) from own
    union all by name
    select * exclude (depth) from inherited
),

-- Where a target came from depends only on its plan, the plan it was reached through and its
-- assumption: said once per combination (a few dozen), not once per target (half a million
-- nationally), then joined back.
sources as (
    select distinct plan_id, via_plan_id, assumption_id from targets_held
),

sourced as (
    select
        x.plan_id, x.via_plan_id, x.assumption_id,
        case
            when a.kind = 'copy' then 'assumption'
            when x.via_plan_id is null then 'own'
            when p.tier = 2 then 'province'
            else 'inherited'
        end as target_source,
        pl.plan_label, p.issuer_name, vl.plan_label as via_label, a.reason as assumption_reason
    from sources x
    left join nodes p on p.node_id = x.plan_id
    left join plan_labels pl on pl.plan_id = x.plan_id
    left join plan_labels vl on vl.plan_id = x.via_plan_id
    left join assumptions a on a.assumption_id = x.assumption_id
),

source_labels as (
    select
        s.plan_id, s.via_plan_id, s.assumption_id, s.target_source,
        l.label || ': ' || s.plan_label || ' (' || s.issuer_name || ')'
            || coalesce(', qua ' || s.via_label || ' của đơn vị', '')
            || coalesce(case when s.target_source = 'assumption' then ' — ' else ' — giả định: ' end
                        || s.assumption_reason, '')
            || '.' as target_source_label
    from sourced s
    left join labels_of('target_source') l on l.code = s.target_source
),

final as (
    select
        t.target_id, t.plan_id, t.unit_id, t.kpi_id, t.horizon, t.comparator, t.target_value, t.target_unit,
        t.per_year, t.due_date, t.target_text, t.item_no, t.item_text, t.lead_office, t.lead_units,
        s.target_source,
        s.target_source_label,
        t.via_plan_id,
        t.assumption_id
    from targets_held t
    left join source_labels s
      on s.plan_id is not distinct from t.plan_id
     and s.via_plan_id is not distinct from t.via_plan_id
     and s.assumption_id is not distinct from t.assumption_id
)

select * from final
