-- grain: unit_id, kpi_id, horizon
-- columns: unit_id, unit_name, unit_kind, kpi_id, kpi_name, unit_of_measure, direction, kpi_kind,
--   is_ratio, horizon, comparator, target_value, per_year, due_date, target_text, plan_id,
--   target_source, target_source_label, lead_office, actual_value, actual_period, numerator,
--   denominator, evidence_ref, baseline_value, baseline_period, is_demo, review_decision, as_of,
--   expected_value, progress_ratio, evidence_state, flag_rule, status, is_current_horizon,
--   status_label, is_met, is_on_track, is_commune_level, breaks_rule_1, breaks_rule_2,
--   breaks_rule_3, is_lower_better
-- accepted: status = kpi_status, evidence_state = evidence_state, unit_kind = unit_kind,
--   direction = kpi_direction, kpi_kind = kpi_kind, comparator = comparator
--
-- Contract view. One row per unit, KPI and horizon: the target, the latest actual, the baseline,
-- the value a linear schedule from baseline to target expects by the as-of date, the ratio of
-- actual to expected, and a status: đạt / đúng tiến độ / chậm / cảnh báo đỏ.
-- A KPI reported as met needs evidence; missing, invalid or insufficient evidence makes it
-- "Chờ hoàn thiện" and it does not count as on track; so does evidence changed since a verdict.
with ctx as (
    select * from as_of_context
),

targets as (
    select * from effective_targets
),

kpis as (
    select * from stg_kpis
),

units as (
    select unit_id, unit_name, unit_kind from stg_units
),

actuals as (
    select * from kpi_latest_values
),

reviews as (
    select * from evidence_status where item_type = 'kpi'
),

files as (
    select * from evidence_file_labels where item_type = 'kpi'
),

joined as (
    select
        t.unit_id,
        u.unit_name,
        u.unit_kind,
        t.kpi_id,
        k.kpi_name,
        k.unit_of_measure,
        k.direction,
        k.kpi_kind,
        k.is_ratio,
        t.horizon,
        t.comparator,
        t.target_value,
        t.per_year,
        t.due_date,
        t.target_text,
        t.plan_id,
        t.target_source,
        t.target_source_label,
        t.lead_office,
        a.actual_value,
        a.actual_period,
        a.numerator,
        a.denominator,
        coalesce(nullif(trim(a.evidence_ref), ''), fl.file_label) as evidence_ref,
        a.baseline_value,
        a.baseline_period,
        coalesce(a.is_demo, false)                  as is_demo,
        r.decision                                  as review_decision,
        coalesce(r.needs_review, false)             as needs_review,
        ctx.as_of
    from targets t
    join kpis k using (kpi_id)
    join units u on u.unit_id = t.unit_id
    left join actuals a on a.unit_id = t.unit_id and a.kpi_id = t.kpi_id
    left join reviews r on r.batch_id = a.batch_id and r.unit_id = a.unit_id and r.item_id = a.kpi_id
    left join files fl on fl.batch_id = a.batch_id and fl.unit_id = a.unit_id and fl.item_id = a.kpi_id
    cross join ctx
),

scheduled as (
    select
        *,
        case
            when comparator is null then null
            when due_date <= as_of then target_value
            when baseline_value is null then null
            when as_of <= last_day(baseline_period) then baseline_value
            else baseline_value + (target_value - baseline_value)
                 * date_diff('day', last_day(baseline_period), as_of)
                 / greatest(date_diff('day', last_day(baseline_period), due_date), 1)
        end                                         as expected_value,
        -- never null (a qualitative KPI has no comparator): the KPI page reads it as a yes or no
        coalesce(comparator in ('<', '<=', 'rank<=') or direction in ('lower', 'rank'), false) as is_lower_better,
        case comparator
            when '>=' then actual_value >= target_value
            when '>' then actual_value > target_value
            when '<=' then actual_value <= target_value
            when '<' then actual_value < target_value
            when 'rank<=' then actual_value <= target_value
            when '=' then case when is_lower_better then actual_value <= target_value
                               else actual_value >= target_value end
        end                                         as is_met_raw
    from joined
),

rated as (
    select
        *,
        case
            when actual_value is null or expected_value is null then null
            when is_lower_better then round(expected_value / nullif(actual_value, 0), 3)
            else round(actual_value / nullif(expected_value, 0), 3)
        end                                         as progress_ratio,
        -- the province roll-up needs no evidence of its own
        evidence_state(is_met_raw, unit_id <> 'dong-nai', evidence_ref, needs_review, review_decision)
                                                    as evidence_state
    from scheduled
),

final as materialized (
    select
        * exclude (is_met_raw, needs_review),
        case
            when comparator is null then 'dinh_tinh'
            when actual_value is null then 'chua_co_so_lieu'
            when is_met_raw and evidence_state in ('cho_tham_dinh', 'hop_le') then 'dat'
            when is_met_raw and unit_id = 'dong-nai' then 'dat'
            when is_met_raw then 'cho_hoan_thien'
            when due_date < as_of then 'canh_bao_do'
            when progress_ratio >= 1 then 'dung_tien_do'
            when progress_ratio >= behind_ratio() then 'cham'
            when progress_ratio is null then 'dung_tien_do'
            else 'canh_bao_do'
        end                                         as status,
        case
            when comparator is not null and actual_value is not null and not coalesce(is_met_raw, false)
                 and due_date < as_of then 1
            when comparator is not null and actual_value is not null and not coalesce(is_met_raw, false)
                 and progress_ratio < behind_ratio() then 2
        end                                         as flag_rule
    from rated
),

-- The two per-KPI facts below are computed on narrow rows and joined back, not as window
-- functions over the wide rows (two sorts of 550k wide rows cost most of this view nationally).
current_horizons as (
    -- the horizon a reader looks at first: the nearest one still ahead, else the last one
    -- (rule 2 looks at this one only, not at every later horizon)
    select unit_id, kpi_id,
           coalesce(min(due_date) filter (where due_date >= as_of), max(due_date)) as current_due_date
    from final
    group by unit_id, kpi_id
),

evidence_flag_rows as (
    -- the evidence is the same for every horizon: one rule-3 flag per KPI, on the nearest
    -- horizon whose evidence was judged insufficient
    select unit_id, kpi_id, horizon
    from (
        select unit_id, kpi_id, horizon,
               row_number() over (partition by unit_id, kpi_id order by due_date, horizon) as pick
        from final
        where evidence_state = 'thieu_chat_luong'
    )
    where pick = 1
),

horizons as (
    select
        f.*,
        f.due_date = c.current_due_date             as is_current_horizon_raw,
        e.horizon is not null                       as is_evidence_flag_row
    from final f
    join current_horizons c using (unit_id, kpi_id)
    left join evidence_flag_rows e using (unit_id, kpi_id, horizon)
)

select
    horizons.* exclude (status, is_current_horizon_raw, is_evidence_flag_row, is_lower_better),
    status,
    is_current_horizon_raw                          as is_current_horizon,
    l.label                                         as status_label,
    status = 'dat'                                  as is_met,
    status in ('dat', 'dung_tien_do')               as is_on_track,
    is_commune_level(unit_kind)                     as is_commune_level,
    -- the red-flag rules, once, per row (red_flags lists these rows): 1 past due and not met,
    -- 2 below behind_ratio() of the schedule on the current horizon, 3 evidence insufficient
    unit_kind <> 'province' and coalesce(flag_rule = 1, false)                          as breaks_rule_1,
    unit_kind <> 'province' and coalesce(flag_rule = 2 and is_current_horizon_raw, false) as breaks_rule_2,
    unit_kind <> 'province' and is_evidence_flag_row                                    as breaks_rule_3,
    -- decided above, once: charts draw such a KPI as a point and rank units ascending by it
    is_lower_better
from horizons
left join labels_of('kpi_status') l on l.code = horizons.status
