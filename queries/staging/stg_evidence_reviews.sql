-- grain: review_id
-- columns: review_id, batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at, is_demo
--
-- Staging: every verdict on a report item's evidence, every one kept.
with evidence_reviews as (
    select * from evidence_reviews
),

final as (
    select review_id, batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at, is_demo
    from evidence_reviews
)

select * from final
