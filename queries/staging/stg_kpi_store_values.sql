-- grain: unit_id, kpi_id
-- columns: unit_id, kpi_id, actual_period, batch_id, value, numerator, denominator, evidence_ref,
--   is_demo, baseline_value, baseline_period
--
-- Staging: the stored latest and first KPI value per unit and KPI (nq57/kpi_store.py).
with kpi_store_values as (
    select * from kpi_store_values
),

final as (
    select unit_id, kpi_id, actual_period, batch_id, value, numerator, denominator, evidence_ref,
           is_demo, baseline_value, baseline_period
    from kpi_store_values
)

select * from final
