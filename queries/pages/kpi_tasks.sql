-- grain: unit_id, kpi_id, task_id
-- columns: unit_id, kpi_id, task_id, plan_id, task_no, sort_order, content, deadline_text,
--   due_date, status, status_label, percent_complete, is_lagging, basis, as_of
-- accepted: status = task_status
--
-- The tasks that move a KPI (task_kpis), for every unit answering for them, with their state:
-- what a leader asks of a red KPI ("which tasks are behind on it?"). is_lagging: the task breaks
-- red-flag rule 1 or 2.
with links as (
    select * from task_kpis
),

tasks as (
    select * from task_progress
),

final as (
    select
        t.unit_id, l.kpi_id, t.task_id, t.plan_id, t.task_no, t.sort_order, t.content, t.deadline_text,
        t.due_date, t.status, t.status_label, t.percent_complete,
        task_is_lagging(t.breaks_rule_1, t.breaks_rule_2) as is_lagging,
        l.basis, t.as_of
    from links l
    join tasks t on t.task_id = l.task_id
)

select * from final
