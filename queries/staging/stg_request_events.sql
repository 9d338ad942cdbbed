-- grain: event_id
-- columns: event_id, request_id, action, office_id, body, document_ref, acted_by, acted_at, is_demo
--
-- Staging: what happened to a request after it was raised (assign, answer, close, reopen).
with request_events as (
    select * from request_events
),

final as (
    select event_id, request_id, action, office_id, body, document_ref, acted_by, acted_at, is_demo
    from request_events
)

select * from final
