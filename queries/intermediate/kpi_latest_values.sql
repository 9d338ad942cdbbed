-- grain: unit_id, kpi_id
-- columns: unit_id, kpi_id, actual_period, batch_id, actual_value, numerator, denominator,
--   evidence_ref, is_demo, baseline_value, baseline_period
--
-- Per unit and KPI: the actual in force on the as-of date and the baseline (first report).
-- Flow KPIs (counted within a period) add up over the current year; ratio flows add
-- numerators and denominators. The province row ('dong-nai') rolls the communes up by
-- adding numerators and denominators, never by averaging percentages.
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
),

province as (
    select
        'dong-nai'                                                 as unit_id,
        u.kpi_id,
        max(u.actual_period)                                       as actual_period,
        null::integer                                              as batch_id,
        case
            when k.is_ratio and sum(u.denominator) > 0 then 100.0 * sum(u.numerator) / sum(u.denominator)
            when k.unit_of_measure = '%' or k.direction = 'rank' then null
            else sum(u.actual_value)
        end                                                        as actual_value,
        sum(u.numerator)                                           as numerator,
        sum(u.denominator)                                         as denominator,
        null::varchar                                              as evidence_ref,
        bool_or(u.is_demo)                                         as is_demo,
        null::double                                               as baseline_value,
        null::date                                                 as baseline_period
    from units_latest u
    join kpis k using (kpi_id)
    join stg_units un on un.unit_id = u.unit_id and un.is_commune_level
    group by u.kpi_id, k.is_ratio, k.unit_of_measure, k.direction
),

final as (
    select * from units_latest
    union all by name
    select * from province where actual_value is not null
)

select * from final
