-- grain: unit_id, item_type, item_id, rule, due_date
-- columns: unit_id, unit_name, unit_kind, item_type, item_id, item_name, rule, rule_label, reason,
--   due_date, period, plan_id, task_group, lead_office, is_demo, as_of, is_commune_level
-- accepted: rule = rule, unit_kind = unit_kind
--
-- Contract view. One row per red flag, with the rule and a sentence that says why.
-- Rules (Bình Long plan, section III.2.3, plus reporting): 1 past its deadline and not done;
-- 2 below 50% (setting behind_schedule_ratio) of what the schedule expects by now; 3 evidence
-- judged insufficient in review; 4 the unit's report for a period not received by its deadline;
-- 5 a difficulty or request the unit raised has waited for an answer more than request_answer_days
-- (30) days (decided once, per row, in requests.breaks_rule_5).
-- The rules are decided once, per row, in task_progress, kpi_progress (breaks_rule_1..3) and
-- reporting_compliance (breaks_rule_4); this view lists those rows, one per rule broken, and
-- says why. Scope: every accountable unit but the province itself — communes/wards and the
-- departments that answer for tasks (is_commune_level tells them apart).
with ctx as (
    select * from as_of_context
),

-- in_unit_scope: a materialized CTE stops the caller's unit filter, so a commit's recompute of a
-- few units (nq57/snapshot_units.py) would list every unit's broken rows before keeping theirs
tasks as materialized (
    select * from task_progress
    where (breaks_rule_1 or breaks_rule_2 or breaks_rule_3) and in_unit_scope(unit_id)
),

kpis as materialized (
    select * from kpi_progress
    where (breaks_rule_1 or breaks_rule_2 or breaks_rule_3) and in_unit_scope(unit_id)
),

reports as (
    select * from reporting_compliance where breaks_rule_4
),

task_rules as (
    select t.*, unnest(broken_rules(breaks_rule_1, breaks_rule_2, breaks_rule_3)) as rule
    from tasks t
),

task_flags as (
    select
        unit_id, unit_name, 'task' as item_type, task_id as item_id,
        'Nhiệm vụ ' || task_no || ': ' || content as item_name,
        plan_id, group_title as task_group, lead_office,
        rule, due_date,
        case when rule = 1 then judged_period else last_report_period end as period,
        is_demo,
        case rule
            when 1 then
                case
                    when deadline_kind = 'recurring' then
                        'Nhiệm vụ thường xuyên chưa có báo cáo tiến độ kỳ ' || vn_period(judged_period) || '.'
                    else
                        'Quá hạn ' || date_diff('day', due_date, as_of) || ' ngày (hạn ' || vn_date(due_date) || ') nhưng '
                        || case status
                               when 'chua_bao_cao' then 'chưa có báo cáo tiến độ.'
                               when 'cho_hoan_thien' then 'báo cáo hoàn thành chưa có minh chứng hợp lệ (Chờ hoàn thiện).'
                               else 'chưa hoàn thành (mới đạt ' || vn_num_auto(coalesce(percent_complete, 0)) || '%).'
                           end
                end
            when 2 then
                'Chậm tiến độ: mới đạt ' || vn_num_auto(coalesce(percent_complete, 0))
                || '%, dưới ' || vn_num_auto(100 * behind_ratio()) || '% mức ' || vn_num_auto(expected_percent)
                || '% mà lộ trình đến hạn ' || vn_date(due_date) || ' yêu cầu tại ngày ' || vn_date(as_of) || '.'
            else
                'Minh chứng "' || coalesce(evidence_ref, '') || '" bị thẩm định là thiếu chất lượng'
                || coalesce(' (' || nullif(review_comment, '') || ')', '') || '.'
        end as reason
    from task_rules
),

-- The tasks behind a red KPI (task_kpis) that are lagging themselves, named in its reason.
kpi_lagging_tasks as (
    select t.unit_id, tk.kpi_id, count(*) as lagging_count,
           string_agg(t.task_no, ', ' order by t.sort_order) as lagging_task_nos
    from stg_task_kpis tk
    join tasks t on t.task_id = tk.task_id
    where task_is_lagging(t.breaks_rule_1, t.breaks_rule_2)
    group by t.unit_id, tk.kpi_id
),

kpi_rules as (
    select k.*, lt.lagging_count, lt.lagging_task_nos,
           unnest(broken_rules(k.breaks_rule_1, k.breaks_rule_2, k.breaks_rule_3)) as rule
    from kpis k
    left join kpi_lagging_tasks lt on lt.unit_id = k.unit_id and lt.kpi_id = k.kpi_id
),

kpi_flags as (
    select
        unit_id, unit_name, 'kpi' as item_type, kpi_id as item_id,
        case when rule = 3 then 'Chỉ tiêu: ' || kpi_name
             else 'Chỉ tiêu: ' || kpi_name || ' (' || horizon || ')' end as item_name,
        plan_id, null as task_group, lead_office,
        rule, due_date, actual_period as period, is_demo,
        case rule
            when 1 then
                'Quá hạn ' || vn_date(due_date) || ' chưa đạt: thực tế '
                || with_unit(vn_num_auto(round(actual_value, 1)), unit_of_measure)
                || ' so với mục tiêu ' || target_label(comparator, target_value, unit_of_measure) || '.'
            when 2 then
                'Chậm tiến độ: thực tế ' || with_unit(vn_num_auto(round(actual_value, 1)), unit_of_measure)
                -- the schedule's level with its unit: "26,5% … 27% mức lộ trình (98,1)" read as two rates of one thing
                || ', mới bằng ' || vn_num_auto(round(100 * progress_ratio)) || '% mức cần có theo lộ trình ('
                || with_unit(vn_num_auto(round(expected_value, 1)), unit_of_measure) || ') để đạt '
                || target_label(comparator, target_value, unit_of_measure) || ' vào ' || vn_date(due_date) || '.'
            else
                'Minh chứng "' || coalesce(evidence_ref, '') || '" của số liệu kỳ ' || vn_period(actual_period)
                || ' bị thẩm định là thiếu chất lượng.'
        end
        || coalesce(' Chỉ tiêu đỏ, ' || lagging_count || ' nhiệm vụ liên quan '
                    || (select lower(label) from labels_of('task_lag') where code = 'lagging') || ' ('
                    || lagging_task_nos || ').', '') as reason
    from kpi_rules
),

report_flags as (
    select
        unit_id, unit_name, 'report' as item_type, strftime(period, '%Y-%m') as item_id,
        'Báo cáo kỳ ' || period_label as item_name,
        null as plan_id, null as task_group, null as lead_office,
        4 as rule, deadline as due_date, period, is_demo,
        'Chưa nhận báo cáo kỳ ' || period_label || ' (hạn ' || vn_date(deadline) || ').' as reason
    from reports
),

-- Rule 5: the flag is the unit's (it raised the request), the office it waits on is lead_office;
-- due_date is the day the answer was due.
request_flags as (
    select
        unit_id, unit_name, 'request' as item_type, request_id::varchar as item_id,
        kind_label || ': ' || text as item_name,
        plan_id, task_group, office_name as lead_office,
        5 as rule, (waiting_since::date + answer_days)::date as due_date, period, is_demo,
        kind_label || ' nêu ngày ' || vn_date(waiting_since) || ' đã chờ ' || days_waiting
        || ' ngày (quá ' || answer_days || ' ngày) mà chưa được trả lời'
        || coalesce(' (đang giao ' || office_name || ')', '') || '.' as reason
    from requests
    where breaks_rule_5
),

all_flags as (
    select * from task_flags
    union all by name select * from kpi_flags
    union all by name select * from report_flags
    union all by name select * from request_flags
),

final as (
    select
        f.unit_id,
        f.unit_name,
        u.unit_kind,
        f.item_type,
        f.item_id,
        f.item_name,
        f.rule,
        l.label as rule_label,
        f.reason,
        f.due_date,
        f.period,
        f.plan_id,
        f.task_group,
        f.lead_office,
        coalesce(f.is_demo, false) as is_demo,
        ctx.as_of,
        u.is_commune_level
    from all_flags f
    join stg_units u on u.unit_id = f.unit_id
    left join labels_of('rule') l on l.code = f.rule::varchar
    cross join ctx
)

select * from final
