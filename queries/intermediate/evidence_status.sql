-- grain: batch_id, unit_id, item_type, item_id
-- columns: batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at,
--   judged_batch_id, needs_review, previous_decision, previous_comment, previous_reviewed_at
--
-- The verdict that applies, as of the as-of date, to each item of the batches in force (the rule:
-- evidence_verdict_facts). A unit that changed nothing after the as-of day has its rows read from
-- evidence_store (kept after every write by nq57/kpi_store.py); the others' are computed.
with computed as (
    -- none when every unit's stores hold (stores_trusted): then pruned from the plan
    select * from evidence_verdict_facts where not stores_trusted()
),

stored as (
    select e.*
    from stg_evidence_store e
    where e.unit_id in (select unit_id from kpi_store_fresh_units) and in_unit_scope(e.unit_id)
),

final as (
    select * from computed
    union all by name
    select * from stored
)

select * from final
