-- grain: batch_id, unit_id, kpi_id
-- columns: batch_id, unit_id, kpi_id, period, value, numerator, denominator, evidence_ref, note
--
-- Staging: the KPI values of every report batch, every version kept (rename and cast only).
with kpi_values as (
    select * from kpi_values
),

final as (
    select batch_id, unit_id, kpi_id, period, value, numerator, denominator, evidence_ref, note
    from kpi_values
)

select * from final
