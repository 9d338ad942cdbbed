-- grain: request_id
-- columns: request_id, unit_id, task_id, kpi_id, kind, text, text_key, period, raised_by, raised_at, source, batch_id, is_demo
--
-- Staging: difficulties and requests as raised (by a report line or directly).
with request_items as (
    select * from request_items
),

final as (
    select request_id, unit_id, task_id, kpi_id, kind, text, text_key, period, raised_by, raised_at, source, batch_id, is_demo
    from request_items
)

select * from final
