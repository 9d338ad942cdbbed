-- grain: batch_id, unit_id, item_type, item_id
-- columns: batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at,
--   judged_batch_id, needs_review, previous_decision, previous_comment, previous_reviewed_at
--
-- Staging: the stored verdicts that apply to the items in force (nq57/kpi_store.py).
with evidence_store as (
    select * from evidence_store
),

final as (
    select batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at,
           judged_batch_id, needs_review, previous_decision, previous_comment, previous_reviewed_at
    from evidence_store
)

select * from final
