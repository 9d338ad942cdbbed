-- grain: unit_id
-- columns: unit_id
--
-- The units whose stored KPI values (kpi_store_values, kpi_store_year_sums) are what the facts
-- give on the as-of date: stored from the batches and KPI definitions there are now, and nothing
-- uploaded or rolled back after the end of the as-of day. For the others the views aggregate the
-- facts (kpi_value_facts).
with ctx as (
    select * from as_of_context
),

stored as (
    select * from stg_kpi_store_units
),

now_hashes as (
    select * from kpi_store_hashes
),

final as (
    select s.unit_id
    from stored s
    join now_hashes h using (unit_id)
    cross join ctx
    where s.batches_hash = h.batches_hash
      and s.kpis_hash = h.kpis_hash
      and h.changed_at < ctx.as_of_end
)

select * from final
