-- grain: task_id, unit_id
-- columns: task_id, unit_id, lead_office_id
--
-- Staging: which units carry which task (a province task is carried by every unit it names).
with task_units as (
    select * from task_units
),

final as (
    select task_id, unit_id, lead_office_id
    from task_units
)

select * from final
