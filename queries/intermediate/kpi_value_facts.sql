-- grain: unit_id, kpi_id
-- columns: unit_id, kpi_id, actual_period, batch_id, value, numerator, denominator, evidence_ref,
--   is_demo, baseline_value, baseline_period, ytd_value, ytd_numerator, ytd_denominator
--
-- Per unit and KPI, from the KPI values in force on the as-of date: the latest row, the first row
-- (the baseline) and the sums over the as-of year. Only for the units whose stored values do not
-- hold on that date (kpi_store_fresh_units): after a unit's last change its rows are read from
-- kpi_store_values instead of aggregating its values again. nq57/kpi_store.py stores these rows.
with ctx as (
    select * from as_of_context
),

stale_batches as (
    -- the batches in force of the units not read from the store: none on a date after every
    -- unit's last change, and then the 13 million values below are not scanned at all
    select batch_id
    from current_batches
    where unit_id not in (select unit_id from kpi_store_fresh_units)
),

vals as (
    select *
    from current_kpi_values
    where value is not null and batch_id in (select batch_id from stale_batches)
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

final as (
    select
        unit_id, kpi_id,
        l.period       as actual_period,
        l.batch_id,
        l.value,
        l.numerator,
        l.denominator,
        l.evidence_ref,
        l.is_demo,
        f.value        as baseline_value,
        f.period       as baseline_period,
        ytd_value, ytd_numerator, ytd_denominator
    from latest
)

select * from final
