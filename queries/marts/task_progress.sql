-- grain: unit_id, task_id
-- columns: unit_id, unit_name, unit_kind, task_id, plan_id, plan_doc_number, task_no, sort_order,
--   group_no, group_title, content, lead_office, lead_units, coord_offices, expected_output,
--   deadline_text, deadline_kind, due_date, start_date, recurrence, is_key_task, judged_period,
--   last_report_period, last_batch_id, reported_status, percent_complete, evidence_ref,
--   difficulties, requests, is_demo, review_decision, review_comment, period_status, as_of,
--   evidence_state, expected_percent, status, status_label, is_due, is_done, is_overdue,
--   is_behind_schedule, progress_ratio, evidence_label, is_commune_level, breaks_rule_1,
--   breaks_rule_2, breaks_rule_3
-- accepted: status = task_status, evidence_state = evidence_state, unit_kind = unit_kind,
--   deadline_kind = deadline_kind, reported_status = task_status, period_status = task_status
--
-- Contract view. One row per accountable unit and task, as of the as-of date.
-- Dated tasks are judged against their deadline and a linear schedule; recurring tasks per
-- reporting period (was progress reported for the last period that is due?); conditional
-- tasks wait for guidance and are never overdue. A task reported done whose evidence is
-- missing, invalid or judged insufficient is "Chờ hoàn thiện" and does not count as done; so is
-- one judged before whose evidence changed since (awaiting review again, evidence_status).
with ctx as (
    select * from as_of_context
),

tasks as (
    select * from stg_tasks
),

assignments as (
    select * from stg_task_units
),

units as (
    select unit_id, unit_name, unit_kind from stg_units
),

plans as (
    select plan_id, issued_on, doc_number from stg_plans
),

reviews as (
    select * from evidence_status where item_type = 'task'
),

files as (
    select * from evidence_file_labels where item_type = 'task'
),

judged_periods as (
    -- the latest period whose report deadline has passed: what recurring tasks are judged on
    select unit_id, max(period) as judged_period
    from reporting_periods, ctx
    where deadline < ctx.as_of
    group by unit_id
),

latest_update as (
    select * from task_latest_updates
),

judged_batches as (
    -- the batch in force of each unit's judged period: only its updates are read for period_status
    select c.batch_id, c.unit_id, c.period
    from current_batches c
    join judged_periods j on j.unit_id = c.unit_id and j.judged_period = c.period
),

period_update as (
    select u.unit_id, u.task_id, u.status as period_status
    from stg_task_updates u
    join judged_batches b on b.batch_id = u.batch_id and b.unit_id = u.unit_id and b.period = u.period
),

joined as (
    select
        a.unit_id,
        un.unit_name,
        un.unit_kind,
        t.task_id,
        t.plan_id,
        p.doc_number                                         as plan_doc_number,
        t.task_no,
        t.sort_order,
        t.group_no,
        t.group_title,
        t.content,
        t.lead_office,
        t.lead_units,
        t.coord_offices,
        t.expected_output,
        t.deadline_text,
        t.deadline_kind,
        t.due_date,
        coalesce(t.start_date, p.issued_on, ctx.first_period) as start_date,
        t.recurrence,
        t.is_key_task,
        j.judged_period,
        lu.period                                            as last_report_period,
        lu.batch_id                                          as last_batch_id,
        lu.status                                            as reported_status,
        lu.percent_complete,
        coalesce(nullif(trim(lu.evidence_ref), ''), fl.file_label) as evidence_ref,
        lu.difficulties,
        lu.requests,
        lu.is_demo,
        r.decision                                           as review_decision,
        r.comment                                            as review_comment,
        coalesce(r.needs_review, false)                      as needs_review,
        pu.period_status,
        ctx.as_of
    from assignments a
    join tasks t using (task_id)
    join units un on un.unit_id = a.unit_id
    left join plans p on p.plan_id = t.plan_id
    left join judged_periods j on j.unit_id = a.unit_id
    left join latest_update lu on lu.unit_id = a.unit_id and lu.task_id = a.task_id
    left join reviews r
           on r.batch_id = lu.batch_id and r.unit_id = lu.unit_id and r.item_id = lu.task_id
    left join period_update pu on pu.unit_id = a.unit_id and pu.task_id = a.task_id
    left join files fl on fl.batch_id = lu.batch_id and fl.unit_id = lu.unit_id and fl.item_id = lu.task_id
    cross join ctx
),

evidence as (
    select
        *,
        -- judged before, evidence changed since: awaits review again and does not count
        evidence_state(reported_status = 'hoan_thanh', true, evidence_ref, needs_review, review_decision)
            as evidence_state
    from joined
),

judged as (
    select
        *,
        reported_status = 'hoan_thanh'
            and evidence_state in ('cho_tham_dinh', 'hop_le')                 as is_reported_done_valid,
        deadline_kind = 'recurring'
            and judged_period is not null
            and start_date <= last_day(judged_period)                         as is_recurring_due,
        case
            when deadline_kind <> 'date' then null
            when as_of >= due_date then 100.0
            when as_of <= start_date or due_date <= start_date then 0.0
            else round(100.0 * date_diff('day', start_date, as_of) / date_diff('day', start_date, due_date), 1)
        end                                                                   as expected_percent
    from evidence
),

final as (
    select
        * exclude (is_reported_done_valid, is_recurring_due, needs_review),
        case
            when is_reported_done_valid then 'hoan_thanh'
            when reported_status = 'hoan_thanh' then 'cho_hoan_thien'
            when deadline_kind = 'conditional' then 'cho_huong_dan'
            when reported_status is null then 'chua_bao_cao'
            else reported_status
        end                                                                   as status,
        null::varchar                                                         as status_label,  -- labels, below
        case
            when deadline_kind = 'date' then due_date <= as_of
            when deadline_kind = 'recurring' then is_recurring_due
            else false
        end                                                                   as is_due,
        case
            when deadline_kind = 'date' then is_reported_done_valid
            when deadline_kind = 'recurring' then is_recurring_due and coalesce(period_status in ('dang_thuc_hien', 'hoan_thanh'), false)
            else is_reported_done_valid
        end                                                                   as is_done,
        case
            when deadline_kind = 'date' then due_date < as_of and not is_reported_done_valid
            when deadline_kind = 'recurring' then is_recurring_due and not coalesce(period_status in ('dang_thuc_hien', 'hoan_thanh'), false)
            else false
        end                                                                   as is_overdue,
        case
            -- needs a report: an unreported task is not "0% done" (rule 4 covers the silence)
            when deadline_kind = 'date' and reported_status is not null
                 and not is_reported_done_valid and due_date >= as_of
                 and expected_percent >= setting('behind_schedule_min_expected')::double
                 and coalesce(percent_complete, 0) < behind_ratio() * expected_percent
            then true else false
        end                                                                   as is_behind_schedule,
        case
            when is_reported_done_valid then 1.0
            when expected_percent > 0 then round(coalesce(percent_complete, 0) / expected_percent, 3)
        end                                                                   as progress_ratio,
        null::varchar                                                         as evidence_label  -- labels, below
    from judged
)

-- The red-flag rules, once, per row (red_flags lists these rows; unit_scorecard, flags_by_rule
-- and province_summary count them): 1 overdue, 2 behind schedule, 3 evidence judged insufficient.
-- The province itself is never flagged; departments are (is_commune_level tells them apart).
-- Every *_label is the labels table's text for the code (data/seed/labels.csv).
select
    f.* replace (sl.label as status_label, el.label as evidence_label),
    is_commune_level(f.unit_kind)                                             as is_commune_level,
    f.unit_kind <> 'province' and f.is_overdue                                as breaks_rule_1,
    f.unit_kind <> 'province' and f.is_behind_schedule                        as breaks_rule_2,
    f.unit_kind <> 'province' and f.evidence_state = 'thieu_chat_luong'       as breaks_rule_3
from final f
left join labels_of('task_status') sl on sl.code = f.status
left join labels_of('evidence_state') el on el.code = f.evidence_state
