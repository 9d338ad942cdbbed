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

vals as (
    select * from current_kpi_values where value is not null
),

latest as (
    -- one aggregate pass: the latest row, the first row and this year's sums per unit and KPI
    -- (arg_max/arg_min, not two window functions and a self-join: 13M rows at national scale).
    -- Among the batches in force a unit has one batch per period, so period orders the rows.
    select
        unit_id,
        kpi_id,
        arg_max({'period': period, 'batch_id': batch_id, 'value': value, 'numerator': numerator,
                 'denominator': denominator, 'evidence_ref': evidence_ref, 'is_demo': is_demo}, period) as l,
        arg_min({'period': period, 'value': value}, period)                                         as f,
        sum(value) filter (where year(period) = year(ctx.as_of))                                    as ytd_value,
        sum(numerator) filter (where year(period) = year(ctx.as_of))                                as ytd_numerator,
        sum(denominator) filter (where year(period) = year(ctx.as_of))                              as ytd_denominator
    from vals, ctx
    group by unit_id, kpi_id
),

units_latest as (
    select
        x.unit_id,
        x.kpi_id,
        x.l.period                                                 as actual_period,
        x.l.batch_id,
        case
            -- a flow counted in people, enterprises, events adds up; a flow share does not
            when k.kpi_kind = 'flow' and not k.is_ratio and coalesce(k.unit_of_measure, '') <> '%' then x.ytd_value
            when k.kpi_kind = 'flow' and x.ytd_denominator > 0 then 100.0 * x.ytd_numerator / x.ytd_denominator
            else x.l.value
        end                                                        as actual_value,
        x.l.numerator,
        x.l.denominator,
        x.l.evidence_ref,
        x.l.is_demo,
        x.f.value                                                  as baseline_value,
        x.f.period                                                 as baseline_period
    from latest x
    join kpis k using (kpi_id)
)

select * from units_latest
