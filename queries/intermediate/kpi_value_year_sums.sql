-- grain: unit_id, kpi_id, year
-- columns: unit_id, kpi_id, year, value, numerator, denominator
--
-- The sums of the KPI values in force per unit, KPI and calendar year: what nq57/kpi_store.py
-- stores for kpi_unit_latest_values to take the as-of year's sums from (flow KPIs add up over
-- the current year, as kpi_value_facts sums them for the units not read from the store).
-- Flow KPIs only: no other KPI reads its sums, and they were nine rows in ten of the store (a
-- national read joined 416.000 of them per as-of year). kpi_store_hashes hashes each KPI's kind.
with flows as (
    select kpi_id from stg_kpis where kpi_kind = 'flow'
),

vals as (
    select * from current_kpi_values where value is not null and kpi_id in (select kpi_id from flows)
),

final as (
    select unit_id, kpi_id, year(period) as year, sum(value) as value, sum(numerator) as numerator,
           sum(denominator) as denominator
    from vals
    group by unit_id, kpi_id, year(period)
)

select * from final
