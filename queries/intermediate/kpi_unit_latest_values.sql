-- grain: unit_id, kpi_id
-- columns: unit_id, kpi_id, actual_period, batch_id, actual_value, numerator, denominator,
--   evidence_ref, is_demo, baseline_value, baseline_period
--
-- Per unit and KPI (no roll-up rows): the actual in force on the as-of date and the baseline
-- (first report). Flow KPIs (counted within a period) add up over the current year; ratio flows
-- add numerators and denominators. A unit's rows depend only on its own batches, so the stored
-- answers (nq57/snapshots.py) recompute one unit's rows after its commit; kpi_latest_values adds
-- the province roll-up on top of these rows.
with ctx as (
    select * from as_of_context
),

kpis as (
    select * from stg_kpis
),

computed as (
    -- none when every unit's stores hold (stores_trusted): then pruned from the plan
    select * from kpi_value_facts where not stores_trusted()
),

year_sums as (
    select y.*
    from stg_kpi_store_year_sums y, ctx
    where y.year = year(ctx.as_of)
),

stored as (
    -- the units whose values changed nothing after the as-of day: their stored rows, with the
    -- as-of year's sums
    select v.*, y.value as ytd_value, y.numerator as ytd_numerator, y.denominator as ytd_denominator
    from stg_kpi_store_values v
    join kpi_store_fresh_units f using (unit_id)
    left join year_sums y on y.unit_id = v.unit_id and y.kpi_id = v.kpi_id
),

x as (
    select * from computed
    union all by name
    select * from stored
),

units_latest as (
    select
        x.unit_id,
        x.kpi_id,
        x.actual_period,
        x.batch_id,
        case
            -- a flow counted in people, enterprises, events adds up; a flow share does not
            when k.kpi_kind = 'flow' and not k.is_ratio and coalesce(k.unit_of_measure, '') <> '%' then x.ytd_value
            when k.kpi_kind = 'flow' and x.ytd_denominator > 0 then 100.0 * x.ytd_numerator / x.ytd_denominator
            else x.value
        end                                                        as actual_value,
        x.numerator,
        x.denominator,
        x.evidence_ref,
        x.is_demo,
        x.baseline_value,
        x.baseline_period
    from x
    join kpis k using (kpi_id)
)

select * from units_latest
