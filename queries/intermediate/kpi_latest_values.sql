-- grain: unit_id, kpi_id
-- columns: unit_id, kpi_id, actual_period, batch_id, actual_value, numerator, denominator,
--   evidence_ref, is_demo, baseline_value, baseline_period
--
-- Per unit and KPI (kpi_unit_latest_values) and the province roll-up on top of them.
-- The province row ('dong-nai') rolls the communes up by
-- adding numerators and denominators, never by averaging percentages.
with kpis as (
    select * from stg_kpis
),

-- The units' own rows, computed once (read by the rows and, on a full read, by the roll-up).
-- Under unit_scope (a commit's recompute of a few units) only theirs: the roll-up then reads the
-- numbers of every unit narrowly below instead of holding every unit's wide rows in memory.
units_latest as materialized (
    select * from kpi_unit_latest_values where in_unit_scope(unit_id)
),

rolled_up as (
    select unit_id, kpi_id, actual_period, actual_value, numerator, denominator, is_demo
    from units_latest
    where not is_unit_scoped()
    union all
    select unit_id, kpi_id, actual_period, actual_value, numerator, denominator, is_demo
    from kpi_unit_latest_values
    where is_unit_scoped() and in_unit_scope('dong-nai')
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
    from rolled_up u
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
