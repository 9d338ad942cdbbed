-- The demo's requests live (nq57/demo/rows.py, after the items exist): four in five assigned to the
-- office that leads the task three days after they were raised, three in five answered after
-- fifteen days, one in five closed after twenty-five; only what happened before $today.
-- Parameters: $today, $actor. Run with the as-of variable set to $today.
-- Ids follow the highest one (a store without sequences, nq57/lake.py); db.sync_ids moves the sequence after.
insert into request_events (event_id, request_id, action, office_id, body, document_ref, acted_by, acted_at, is_demo)
select (select coalesce(max(event_id), 0) from request_events) + row_number() over (order by request_id, acted_at, action),
       request_id, action, office_id, body, document_ref, $actor, acted_at, true
from (
    select request_id, 'assign' as action, suggested_office_id as office_id, null as body, null as document_ref,
           raised_at + interval 3 day as acted_at
    from requests
    where is_demo and suggested_office_id is not null and request_id % 5 <> 0
    union all
    select request_id, 'answer', null, 'Đã tiếp nhận, hướng dẫn đơn vị cách tháo gỡ; đề nghị tiếp tục báo cáo kết quả.',
           'Công văn số ' || request_id || '/UBND-VP', raised_at + interval 15 day
    from requests
    where is_demo and suggested_office_id is not null and request_id % 5 in (1, 2, 3)
    union all
    select request_id, 'close', null, null, null, raised_at + interval 25 day
    from requests
    where is_demo and suggested_office_id is not null and request_id % 5 = 1
)
where acted_at < $today::date
