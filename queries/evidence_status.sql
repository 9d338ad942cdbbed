-- The latest review decision, as of the as-of date, for each reported item of a batch.
with reviews as (
    select * from evidence_reviews
),

ctx as (
    select * from as_of_context
),

ranked as (
    select
        r.*,
        row_number() over (
            partition by batch_id, unit_id, item_type, item_id
            order by reviewed_at desc, review_id desc
        ) as review_rank
    from reviews r, ctx
    where r.reviewed_at < ctx.as_of_end
),

final as (
    select batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at
    from ranked
    where review_rank = 1
)

select * from final
