-- grain: batch_id, unit_id, task_id
-- columns: batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, difficulties, requests, note
--
-- Staging: the task statuses of every report batch, every version kept (rename and cast only).
with task_updates as (
    select * from task_updates
),

final as (
    -- every column as stored: listing them would name the column `requests`, which the view
    -- registry would read as a reference to the view of that name
    select * from task_updates
)

select * from final
