-- grain: unit_id
-- columns: unit_id, batches_hash, kpis_hash, changed_at
--
-- Per unit with a report, what its KPI values in force depend on, whatever the as-of date: a hash
-- of its batches (ids, upload times, demo flags, rollbacks; values are written and removed only
-- with their batch), a hash of the KPI definitions that turn a numerator and denominator into a
-- value, and the moment of its last upload or rollback. nq57/kpi_store.py stores these beside the
-- rows it keeps; kpi_store_fresh_units compares them.
with batches as (
    select * from stg_report_batches
),

kpis as (
    select md5(string_agg(kpi_id || ':' || coalesce(is_ratio::varchar, ''), '|' order by kpi_id)) as kpis_hash
    from stg_kpis
),

per_unit as (
    select
        unit_id,
        md5(count(*) || ':' || bit_xor(hash(batch_id, uploaded_at, is_demo, rolled_back_at))) as batches_hash,
        max(greatest(uploaded_at, coalesce(rolled_back_at, uploaded_at)))                    as changed_at
    from batches
    group by unit_id
),

final as (
    select p.unit_id, p.batches_hash, k.kpis_hash, p.changed_at
    from per_unit p, kpis k
)

select * from final
