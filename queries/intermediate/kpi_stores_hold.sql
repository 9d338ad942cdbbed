-- grain: one row
-- columns: holds
--
-- Whether every store nq57/kpi_store.py keeps holds on the as-of date: every unit's stored rows
-- (kpi_store_fresh_units: no unit has reports that differ from what was stored, or stored rows but
-- no reports any more, and none changed anything after the end of that day) and the stored
-- targets (target_store_fresh: the catalogue is unchanged since). nq57/kpi_store.trusted reads it
-- before a view that reads the stores and, when true, lets the views skip their paths from the
-- facts and the catalogue's hash (stores_trusted).
with ctx as (
    select * from as_of_context
),

now_hashes as (
    select * from kpi_store_hashes
),

stored as (
    select * from stg_kpi_store_units
),

unusable as (
    select unit_id
    from now_hashes h
    full join stored s using (unit_id)
    cross join ctx
    where h.batches_hash is distinct from s.batches_hash
       or h.kpis_hash is distinct from s.kpis_hash
       or h.evidence_hash is distinct from s.evidence_hash
       or h.changed_at >= ctx.as_of_end
),

targets as (
    select * from target_store_fresh
),

final as (
    select not exists (select 1 from unusable) and (select is_fresh from targets) as holds
)

select * from final
