-- grain: unit_id, period
-- columns: batch_id, unit_id, period, file_name, sha256, uploaded_by, uploaded_at, source, is_demo,
--   row_count, rolled_back_at, rolled_back_by
--
-- Batches in force on the as-of date: uploaded by then, not rolled back by then, and the
-- newest for their unit and period (a later upload supersedes an earlier one).
with visible as (
    select * from stg_visible_batches
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
