-- The difficulties and requests carried by some batches, one row per line of a task's cell
-- (nq57/request_items.py), with the open item each repeats: same unit, task, kind and text
-- (request_text_key), not closed. Parameter: $batches (a list of batch ids).
with updates as (
    select tu.*, b.uploaded_by, b.uploaded_at, b.is_demo
    from task_updates tu
    join report_batches b using (batch_id)
    where list_contains($batches, tu.batch_id)
),

cells as (
    select batch_id, unit_id, task_id, period, uploaded_by, uploaded_at, is_demo,
           'kho_khan' as kind, difficulties as cell from updates where nullif(trim(difficulties), '') is not null
    union all
    select batch_id, unit_id, task_id, period, uploaded_by, uploaded_at, is_demo,
           'kien_nghi', requests from updates where nullif(trim(requests), '') is not null
),

lines as (
    select * exclude (cell, line), trim(line) as text, request_text_key(line) as text_key
    from (select *, unnest(string_split(replace(cell, chr(13), ''), chr(10))) as line from cells)
),

-- an item still open for the key: the latest one whose last event is not a close
last_events as (
    select request_id, arg_max(action, (acted_at, event_id)) as last_action
    from request_events group by request_id
),

open_items as (
    select i.unit_id, i.task_id, i.kind, i.text_key, max(i.request_id) as request_id
    from request_items i
    left join last_events e using (request_id)
    where e.last_action is distinct from 'close'
    group by all
),

final as (
    select l.*, o.request_id
    from lines l
    left join open_items o
      on o.unit_id = l.unit_id and o.task_id is not distinct from l.task_id and o.kind = l.kind
     and o.text_key = l.text_key
    where l.text_key <> ''
    order by l.unit_id, l.task_id, l.kind, l.text_key, l.period, l.uploaded_at, l.batch_id
)

select * from final
