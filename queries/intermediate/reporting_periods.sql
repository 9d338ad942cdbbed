-- grain: unit_id, period
-- columns: unit_id, unit_name, kind, report_cycle, period, deadline
--
-- Every reporting period each accountable unit owes, from the first period to the as-of month,
-- with its deadline. Communes/wards and any unit that answers for a task report.
with ctx as (
    select * from as_of_context
),

reporters as (
    select unit_id, unit_name, unit_kind as kind, report_cycle
    from stg_units
    where is_commune_level
       or unit_id in (select unit_id from stg_task_units)
),

months as (
    select unnest(generate_series(ctx.first_period, ctx.as_of_month, interval 1 month))::date as month_start
    from ctx
),

periods as (
    select
        r.unit_id,
        r.unit_name,
        r.kind,
        r.report_cycle,
        m.month_start as period
    from reporters r
    join months m
      on r.report_cycle = 'monthly'
      or (r.report_cycle = 'quarterly' and month(m.month_start) in (1, 4, 7, 10))
),

final as (
    select
        *,
        report_deadline(period, report_cycle) as deadline
    from periods
)

select * from final
