-- grain: unit_id
-- columns: unit_id
--
-- The units whose stored rows (nq57/kpi_store.py) are missing or differ from their reports now,
-- whatever the as-of date: their batches, KPI definitions or verdicts and evidence files hash
-- otherwise than when stored, or they have stored rows but no reports any more. kpi_store.refresh
-- stores these units again; kpi_stores_hold is false while there is any.
with now_hashes as (
    select * from kpi_store_hashes
),

stored as (
    select * from stg_kpi_store_units
),

final as (
    select coalesce(h.unit_id, s.unit_id) as unit_id
    from now_hashes h
    full join stored s using (unit_id)
    where h.batches_hash is distinct from s.batches_hash
       or h.kpis_hash is distinct from s.kpis_hash
       or h.evidence_hash is distinct from s.evidence_hash
)

select * from final
