-- grain: unit_id
-- columns: unit_id, batches_hash, kpis_hash, changed_at, evidence_hash
--
-- Per unit with a report, what its stored rows depend on, whatever the as-of date: a hash of its
-- batches (ids, upload times, demo flags, rollbacks; values and task updates are written and
-- removed only with their batch), a hash of the KPI definitions that turn a numerator and
-- denominator into a value, a hash of its verdicts and evidence files, and the moment of its last
-- upload, rollback, verdict or evidence file. nq57/kpi_store.py stores these beside the rows it
-- keeps; kpi_store_fresh_units compares them.
with batches as (
    select * from stg_report_batches
),

reviews as (
    select unit_id,
           count(*) || ':' || bit_xor(hash(review_id, batch_id, item_type, item_id, decision, comment,
                                           reviewed_by, reviewed_at)) as part,
           max(reviewed_at) as changed_at
    from stg_evidence_reviews
    group by unit_id
),

files as (
    select unit_id,
           count(*) || ':' || bit_xor(hash(evidence_id, sha256, uploaded_at, batch_id, item_type, item_id)) as part,
           max(uploaded_at) as changed_at
    from stg_evidence_files
    group by unit_id
),

kpis as (
    -- the kind too: only flow KPIs have stored year sums (kpi_value_year_sums)
    select md5(string_agg(kpi_id || ':' || coalesce(is_ratio::varchar, '') || ':' || coalesce(kpi_kind, ''), '|'
                          order by kpi_id)) as kpis_hash
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
    select
        p.unit_id,
        p.batches_hash,
        k.kpis_hash,
        greatest(p.changed_at, r.changed_at, f.changed_at)                          as changed_at,
        md5(coalesce(r.part, '0') || '|' || coalesce(f.part, '0'))                   as evidence_hash
    from per_unit p
    cross join kpis k
    left join reviews r using (unit_id)
    left join files f using (unit_id)
)

select * from final
