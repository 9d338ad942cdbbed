-- grain: unit_id, task_id
-- columns: batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, difficulties,
--   requests, is_demo
--
-- Staging: the stored latest task update per unit and task (nq57/kpi_store.py).
with task_store_latest as (
    select * from task_store_latest
),

final as (
    -- every column as stored: listing them would name the column `requests`, which the view
    -- registry would read as a reference to the view of that name
    select * from task_store_latest
)

select * from final
