-- grain: task_id
-- columns: task_id, plan_id, task_no, sort_order, group_no, group_title, content, detail, lead_office,
--   lead_units, coord_offices, coord_units, expected_output, deadline_text, deadline_kind,
--   due_date, start_date, recurrence, deadline_note, is_key_task
--
-- Staging: plan tasks, renamed for the views (rename and cast only).
with tasks as (
    select * from tasks
),

final as (
    select
        task_id, plan_id, task_no, sort_order, group_no, group_title, content, detail,
        lead_text   as lead_office,
        lead_units,
        coord_text  as coord_offices,
        coord_units,
        expected_output, deadline_text, deadline_kind, due_date, start_date, recurrence,
        deadline_note, is_key_task
    from tasks
)

select * from final
