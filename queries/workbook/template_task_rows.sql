-- Rows of the task sheet of a report template: the tasks a unit answers for, in plan order,
-- with the status last reported before the period. Parameters: $period, $units.
with units as (
    select unit_id, unit_name, sort_order from stg_units where list_contains($units, unit_id)
),

previous as (
    select unit_id, task_id, arg_max(status, (period, uploaded_at)) as previous_status
    from current_task_updates
    where period < $period::date
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
        p.previous_status
    from task_units tu
    join units u using (unit_id)
    join tasks t using (task_id)
    left join previous p using (unit_id, task_id)
    order by u.sort_order, t.plan_id, t.sort_order
)

select * from final
