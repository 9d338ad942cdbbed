-- What an upload changes: each staged KPI value against the value in force for the same unit
-- and KPI (the same period if it is a correction, else the latest earlier one).
-- Parameters: $drop (a fall below this share of the old value is suspicious).
with staged as (
    -- typed: a file without KPI rows stages empty columns of no type
    select
        s.unit_id::varchar                                  as unit_id,
        s.kpi_id::varchar                                   as kpi_id,
        s.period::date                                      as period,
        coalesce(s.value::double,
                 case when s.denominator::double > 0 then 100.0 * s.numerator::double / s.denominator::double end) as new_value
    from staged_kpi_values s
),

-- the value in force for each row's own month: the stored value of that month (a correction) or
-- the latest before it; a file of several months compares each month with what was stored up to it
stored as (
    select unit_id, kpi_id, period, arg_max(value, uploaded_at) as previous_value
    from current_kpi_values
    where unit_id in (select unit_id from staged)
      and period <= (select max(period) from staged)
    group by unit_id, kpi_id, period
),

in_force as (
    select s.unit_id, s.kpi_id, s.period, h.previous_value, h.period as previous_period
    from staged s
    asof left join stored h on h.unit_id = s.unit_id and h.kpi_id = s.kpi_id and h.period <= s.period
),

final as (
    select
        s.unit_id,
        u.unit_name,
        s.period,
        s.kpi_id,
        k.name as kpi_name,
        f.previous_period,
        f.previous_value,
        s.new_value,
        case
            when f.previous_value is null then 'Mới'
            when abs(f.previous_value - s.new_value) < 1e-9 then 'Không đổi'
            else 'Thay đổi'
        end as change,
        -- a level (a rate, a count of what exists) rising from 0 is a jump too: 0% to 85% of
        -- households in a month is a typo or a wrong unit; a flow counted within the year
        -- (enterprises founded) may well start from 0
        coalesce(
            (f.previous_value > 0 or (f.previous_value = 0 and k.kind = 'level'))
            and (s.new_value < $drop * f.previous_value or s.new_value > f.previous_value / $drop)
            and abs(s.new_value - f.previous_value) >= 5,
            false
        ) as is_suspicious
    from staged s
    left join in_force f using (unit_id, kpi_id, period)
    left join stg_units u on u.unit_id = s.unit_id
    left join kpis k on k.kpi_id = s.kpi_id
    order by is_suspicious desc, case change when 'Thay đổi' then 1 when 'Mới' then 2 else 3 end, s.unit_id,
             s.kpi_id, s.period
)

select * from final
