-- grain: unit_id, kpi_id, year
-- columns: unit_id, kpi_id, year, value, numerator, denominator
--
-- Staging: the stored sums of each unit's KPI values per calendar year (nq57/kpi_store.py).
with kpi_store_year_sums as (
    select * from kpi_store_year_sums
),

final as (
    select unit_id, kpi_id, year, value, numerator, denominator
    from kpi_store_year_sums
)

select * from final
