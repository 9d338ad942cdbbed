-- Batches in force on the as-of date: uploaded by then, not rolled back by then, and the
-- newest for their unit and period (a later upload supersedes an earlier one).
with batches as (
    select * from report_batches
),

ctx as (
    select * from as_of_context
),

visible as (
    select b.*
    from batches b, ctx
    where b.uploaded_at < ctx.as_of_end
      and (b.rolled_back_at is null or b.rolled_back_at >= ctx.as_of_end)
),

ranked as (
    select
        *,
        row_number() over (partition by unit_id, period order by uploaded_at desc, batch_id desc) as version_rank
    from visible
),

final as (
    select * exclude (version_rank) from ranked where version_rank = 1
)

select * from final
