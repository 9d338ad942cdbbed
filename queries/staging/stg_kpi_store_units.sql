-- grain: unit_id
-- columns: unit_id, batches_hash, kpis_hash, evidence_hash
--
-- Staging: per unit, the hashes its stored KPI values, task updates and verdicts were computed from
-- (nq57/kpi_store.py).
with kpi_store_units as (
    select * from kpi_store_units
),

final as (
    select unit_id, batches_hash, kpis_hash, evidence_hash
    from kpi_store_units
)

select * from final
