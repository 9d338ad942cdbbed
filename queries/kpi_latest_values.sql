-- Per unit and KPI: the actual in force on the as-of date and the baseline (first report).
-- Flow KPIs (counted within a period) add up over the current year; ratio flows add
-- numerators and denominators. The province row ('dong-nai') rolls the communes up by
-- adding numerators and denominators, never by averaging percentages.
with ctx as (
    select * from as_of_context
),

kpis as (
    select * from kpis
),

vals as (
    select v.*, k.kind as kpi_kind, k.is_ratio, k.unit_of_measure
    from current_kpi_values v
    join kpis k using (kpi_id)
    where v.value is not null
),

ranked as (
    select
        *,
        row_number() over (partition by unit_id, kpi_id order by period desc, uploaded_at desc) as latest_rank,
        row_number() over (partition by unit_id, kpi_id order by period asc, uploaded_at desc)  as first_rank
    from vals
),

year_to_date as (
    select unit_id, kpi_id, sum(value) as ytd_value, sum(numerator) as ytd_numerator, sum(denominator) as ytd_denominator
    from vals, ctx
    where kpi_kind = 'flow' and year(period) = year(ctx.as_of)
    group by all
),

units_latest as (
    select
        l.unit_id,
        l.kpi_id,
        l.period                                                   as actual_period,
        l.batch_id,
        case
            -- a flow counted in people, enterprises, events adds up; a flow share does not
            when l.kpi_kind = 'flow' and not l.is_ratio and coalesce(l.unit_of_measure, '') <> '%' then y.ytd_value
            when l.kpi_kind = 'flow' and y.ytd_denominator > 0 then 100.0 * y.ytd_numerator / y.ytd_denominator
            else l.value
        end                                                        as actual_value,
        l.numerator,
        l.denominator,
        l.evidence_ref,
        l.is_demo,
        f.value                                                    as baseline_value,
        f.period                                                   as baseline_period
    from ranked l
    join ranked f on f.unit_id = l.unit_id and f.kpi_id = l.kpi_id and f.first_rank = 1
    left join year_to_date y on y.unit_id = l.unit_id and y.kpi_id = l.kpi_id
    where l.latest_rank = 1
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
    join units un on un.unit_id = u.unit_id and un.kind in ('ward', 'commune')
    group by u.kpi_id, k.is_ratio, k.unit_of_measure, k.direction
),

final as (
    select * from units_latest
    union all by name
    select * from province where actual_value is not null
)

select * from final
