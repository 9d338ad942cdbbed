-- grain: unit_id, kpi_id, task_id
-- columns: unit_id, kpi_id, task_id, plan_id, task_no, sort_order, content, deadline_text,
--   due_date, status, status_label, percent_complete, is_lagging, lag_label, basis, as_of
-- accepted: status = task_status
--
-- The tasks that move a KPI (task_kpis), for every unit answering for them, with their state:
-- what a leader asks of a red KPI ("which tasks are behind on it?"). is_lagging: the task breaks
-- red-flag rule 1 or 2; lag_label words it (labels domain task_lag), null when it does not.
with links as (
    select * from stg_task_kpis
),

tasks as (
    select * from task_progress
),

final as (
    select
        t.unit_id, l.kpi_id, t.task_id, t.plan_id, t.task_no, t.sort_order, t.content, t.deadline_text,
        t.due_date, t.status, t.status_label, t.percent_complete,
        task_is_lagging(t.breaks_rule_1, t.breaks_rule_2) as is_lagging,
        case when task_is_lagging(t.breaks_rule_1, t.breaks_rule_2) then g.label end as lag_label,
        l.basis, t.as_of
    from links l
    join tasks t on t.task_id = l.task_id
    left join labels_of('task_lag') g on g.code = 'lagging'
)

select * from final
