-- grain: unit_id
-- columns: unit_id
--
-- The units whose stored rows (kpi_store_values, kpi_store_year_sums, task_store_latest,
-- evidence_store) are what the facts give on the as-of date: stored from the batches, KPI
-- definitions, verdicts and evidence files there are now, and nothing uploaded, rolled back or
-- judged after the end of the as-of day. For the others the views compute from the facts
-- (kpi_value_facts, task_update_facts, evidence_verdict_facts). When the reader has checked that
-- every unit's stores hold (stores_trusted), every stored unit, with no hash compared.
with ctx as (
    select * from as_of_context
),

stored as (
    select * from stg_kpi_store_units
),

now_hashes as (
    select * from kpi_store_hashes
),

checked as (
    select s.unit_id
    from stored s
    join now_hashes h using (unit_id)
    cross join ctx
    where s.batches_hash = h.batches_hash
      and s.kpis_hash = h.kpis_hash
      and s.evidence_hash = h.evidence_hash
      and h.changed_at < ctx.as_of_end
),

final as (
    -- a reader that found every store holding (kpi_stores_hold) needs no hashes compared again
    select unit_id from stored where stores_trusted()
    union all
    select unit_id from checked where not stores_trusted()
)

select * from final
