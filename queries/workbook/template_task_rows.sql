-- Rows of the task sheet of a report template: the tasks a unit answers for, in plan order,
-- with the status last reported before the period and the unit's difficulties and requests still
-- open (one per line, as the importer reads them back: a kept line is the same item). Parameters:
-- $period, $units.
with units as (
    select unit_id, unit_name, sort_order from stg_units where list_contains($units, unit_id)
),

previous as (
    select unit_id, task_id, arg_max(status, (period, uploaded_at)) as previous_status
    from current_task_updates
    where period < $period::date
    group by unit_id, task_id
),

open_requests as (
    select
        unit_id, task_id,
        string_agg(text, chr(10) order by request_id) filter (where kind = 'kho_khan')  as difficulties,
        string_agg(text, chr(10) order by request_id) filter (where kind = 'kien_nghi') as requests
    from requests
    where is_open and task_id is not null and list_contains($units, unit_id)
    group by unit_id, task_id
),

final as (
    select
        u.unit_id,
        u.unit_name,
        t.task_id,
        t.content,
        t.lead_text as lead_office,
        t.deadline_text as deadline,
        p.previous_status,
        r.difficulties,
        r.requests
    from task_units tu
    join units u using (unit_id)
    join tasks t using (task_id)
    left join previous p using (unit_id, task_id)
    left join open_requests r using (unit_id, task_id)
    order by u.sort_order, t.plan_id, t.sort_order
)

select * from final
