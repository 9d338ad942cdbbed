-- grain: unit_id, kpi_id, period
-- columns: unit_id, kpi_id, period, value, numerator, denominator, is_demo, units_reporting, kpi_name,
--   unit_of_measure
--
-- Every reported value of a unit's KPI over time (the version in force for each period), for
-- trajectories. The province row adds numerators and denominators of the communes/wards.
with vals as (
    select * from current_kpi_values where value is not null
),

kpis as (
    select kpi_id, kpi_name, unit_of_measure, is_ratio from stg_kpis
),

per_unit as (
    select
        v.unit_id,
        v.kpi_id,
        v.period,
        arg_max(v.value, v.uploaded_at)       as value,
        arg_max(v.numerator, v.uploaded_at)   as numerator,
        arg_max(v.denominator, v.uploaded_at) as denominator,
        bool_or(v.is_demo)                    as is_demo
    from vals v
    group by all
),

province as (
    select
        'dong-nai' as unit_id,
        p.kpi_id,
        p.period,
        case when k.is_ratio and sum(p.denominator) > 0 then 100.0 * sum(p.numerator) / sum(p.denominator) end as value,
        sum(p.numerator)   as numerator,
        sum(p.denominator) as denominator,
        bool_or(p.is_demo) as is_demo,
        count(*)           as units_reporting
    from per_unit p
    join kpis k using (kpi_id)
    join stg_units u on u.unit_id = p.unit_id and u.is_commune_level
    group by p.kpi_id, p.period, k.is_ratio
),

final as (
    select h.*, k.kpi_name, k.unit_of_measure
    from (
        select *, null::bigint as units_reporting from per_unit
        union all by name
        select * from province where value is not null
    ) h
    join kpis k using (kpi_id)
)

select * from final
