-- grain: task_id, kpi_id
-- columns: task_id, kpi_id, basis
--
-- Staging: the tasks that move a KPI, with the plan's words that tie them.
with task_kpis as (
    select * from task_kpis
),

final as (
    select task_id, kpi_id, basis
    from task_kpis
)

select * from final
