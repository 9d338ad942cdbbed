-- grain: request_id
-- columns: request_id, unit_id, unit_name, unit_kind, task_id, task_no, task_content, task_group,
--   plan_id, kpi_id, kind, kind_label, text, period, last_period, times_reported, raised_by,
--   raised_at, source, suggested_office_id, office_id, office_name, assigned_at, answer,
--   answered_by, answered_at, document_ref, closed_at, reopen_count, state, state_label,
--   is_open, is_unanswered, waiting_since, days_waiting, age_days, answer_days, breaks_rule_5,
--   is_demo, as_of, is_commune_level
-- accepted: kind = request_kind, state = request_state, unit_kind = unit_kind
--
-- Contract view. One row per difficulty or request (khó khăn, vướng mắc; kiến nghị) raised by the
-- as-of date, with its state then and how long it has waited. A report item lives while one of the
-- batches that carried it (request_sightings) is in force: a rollback or a correction without the
-- text withdraws it (da_rut) and keeps its history. The state follows the last event by then:
-- none → moi, assign → da_giao, answer → da_tra_loi, close → da_dong, reopen → mo_lai.
-- Unanswered (moi, da_giao, mo_lai) waits from when it was raised (or last reopened); rule 5 of
-- red_flags: waiting more than the setting request_answer_days (30).
with ctx as (
    select * from as_of_context
),

items as (
    -- only the units of unit_scope when it is set (the stored answers recompute a few units)
    select i.* from stg_request_items i, ctx where i.raised_at < ctx.as_of_end and in_unit_scope(i.unit_id)
),

-- the batches in force that carry an item, and the latest period it was reported for
carried as (
    select s.request_id, count(*) as times_reported, max(b.period) as last_period
    from stg_request_sightings s
    join current_batches b using (batch_id)
    group by s.request_id
),

events as (
    select e.* from stg_request_events e, ctx where e.acted_at < ctx.as_of_end
),

history as (
    select
        request_id,
        arg_max(action, (acted_at, event_id))                                            as last_action,
        arg_max(office_id, (acted_at, event_id)) filter (where action = 'assign')         as office_id,
        max(acted_at) filter (where action = 'assign')                                    as assigned_at,
        arg_max(body, (acted_at, event_id)) filter (where action = 'answer')              as answer,
        arg_max(acted_by, (acted_at, event_id)) filter (where action = 'answer')          as answered_by,
        max(acted_at) filter (where action = 'answer')                                    as answered_at,
        arg_max(document_ref, (acted_at, event_id)) filter (where action = 'answer')      as document_ref,
        max(acted_at) filter (where action = 'close')                                     as closed_at,
        count(*) filter (where action = 'reopen')                                         as reopen_count,
        max(acted_at) filter (where action = 'reopen')                                    as reopened_at
    from events
    group by request_id
),

-- the office that leads the task: the commune's own office, else the province department named lead
suggested as (
    select tu.task_id, tu.unit_id,
           coalesce(tu.lead_office_id,
                    (select min(d.unit_id) from stg_units d
                     where d.unit_kind = 'department' and list_contains(t.lead_units, d.office_code))) as suggested_office_id
    from stg_task_units tu
    join stg_tasks t using (task_id)
),

-- the KPI a task moves (task_kpis, issue #14) when it moves exactly one: a request on that task is
-- about that KPI
task_kpi as (
    select task_id, any_value(kpi_id) as kpi_id
    from stg_task_kpis
    group by task_id
    having count(*) = 1
),

stated as (
    select
        i.*,
        c.times_reported,
        c.last_period,
        h.office_id, h.assigned_at, h.answer, h.answered_by, h.answered_at, h.document_ref,
        case when h.last_action = 'close' then h.closed_at end as closed_at,
        coalesce(h.reopen_count, 0) as reopen_count,
        case
            when i.source = 'report' and c.request_id is null then 'da_rut'
            when h.last_action is null then 'moi'
            when h.last_action = 'assign' then 'da_giao'
            when h.last_action = 'answer' then 'da_tra_loi'
            when h.last_action = 'close' then 'da_dong'
            else 'mo_lai'
        end as state,
        coalesce(h.reopened_at, i.raised_at) as waiting_from
    from items i
    left join carried c using (request_id)
    left join history h using (request_id)
),

final as (
    select
        s.request_id,
        s.unit_id,
        u.unit_name,
        u.unit_kind,
        s.task_id,
        t.task_no,
        t.content                                                     as task_content,
        t.group_title                                                 as task_group,
        t.plan_id,
        coalesce(s.kpi_id, tk.kpi_id)                                 as kpi_id,
        s.kind,
        k.label                                                       as kind_label,
        s.text,
        s.period,
        coalesce(s.last_period, s.period)                             as last_period,
        coalesce(s.times_reported, 0)                                 as times_reported,
        s.raised_by,
        s.raised_at,
        s.source,
        g.suggested_office_id,
        s.office_id,
        o.unit_name                                                   as office_name,
        s.assigned_at,
        s.answer,
        s.answered_by,
        s.answered_at,
        s.document_ref,
        s.closed_at,
        s.reopen_count,
        s.state,
        l.label                                                       as state_label,
        s.state not in ('da_dong', 'da_rut')                          as is_open,
        s.state in ('moi', 'da_giao', 'mo_lai')                       as is_unanswered,
        case when s.state in ('moi', 'da_giao', 'mo_lai') then s.waiting_from end as waiting_since,
        case when s.state in ('moi', 'da_giao', 'mo_lai')
             then date_diff('day', s.waiting_from::date, ctx.as_of) end          as days_waiting,
        date_diff('day', s.raised_at::date, ctx.as_of)                as age_days,
        setting('request_answer_days')::integer                       as answer_days,
        coalesce(s.state in ('moi', 'da_giao', 'mo_lai')
                 and date_diff('day', s.waiting_from::date, ctx.as_of) > setting('request_answer_days')::integer,
                 false)                                               as breaks_rule_5,
        s.is_demo,
        ctx.as_of,
        u.is_commune_level
    from stated s
    cross join ctx
    join stg_units u on u.unit_id = s.unit_id
    left join stg_tasks t on t.task_id = s.task_id
    left join task_kpi tk on tk.task_id = s.task_id
    left join suggested g on g.task_id = s.task_id and g.unit_id = s.unit_id
    left join stg_units o on o.unit_id = s.office_id
    left join labels_of('request_kind') k on k.code = s.kind
    left join labels_of('request_state') l on l.code = s.state
)

select * from final
