-- grain: batch_id, task_id
-- columns: batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, difficulties,
--   requests, note, uploaded_at, is_demo
--
-- Task updates from the batches in force.
with updates as (
    select * from stg_task_updates
),

batches as (
    select batch_id, uploaded_at, is_demo from current_batches
),

final as (
    select u.*, b.uploaded_at, b.is_demo
    from updates u
    join batches b using (batch_id)
)

select * from final
