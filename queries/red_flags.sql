-- Contract view. One row per red flag, with the rule and a sentence that says why.
-- Rules (Bình Long plan, section III.2.3, plus reporting): 1 past its deadline and not done;
-- 2 below 50% of what the schedule expects by now; 3 evidence judged insufficient in review;
-- 4 the unit's report for a period not received by its deadline.
with ctx as (
    select * from as_of_context
),

tasks as materialized (
    select * from task_progress where unit_kind <> 'province'
),

kpis as materialized (
    select * from kpi_progress where unit_kind <> 'province'
),

reports as (
    select * from reporting_compliance
),

task_flags as (
    select
        unit_id, unit_name, unit_kind, 'task' as item_type, task_id as item_id,
        'Nhiệm vụ ' || task_no || ': ' || content as item_name,
        plan_id, group_title as task_group, lead_office,
        1 as rule, due_date, judged_period as period, is_demo,
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
        end as reason
    from tasks
    where is_overdue

    union all

    select
        unit_id, unit_name, unit_kind, 'task', task_id,
        'Nhiệm vụ ' || task_no || ': ' || content,
        plan_id, group_title, lead_office,
        2, due_date, last_report_period, is_demo,
        'Chậm tiến độ: mới đạt ' || vn_num_auto(coalesce(percent_complete, 0))
        || '%, dưới 50% mức ' || vn_num_auto(expected_percent)
        || '% mà lộ trình đến hạn ' || vn_date(due_date) || ' yêu cầu tại ngày ' || vn_date(as_of) || '.'
    from tasks
    where is_behind_schedule

    union all

    select
        unit_id, unit_name, unit_kind, 'task', task_id,
        'Nhiệm vụ ' || task_no || ': ' || content,
        plan_id, group_title, lead_office,
        3, due_date, last_report_period, is_demo,
        'Minh chứng "' || coalesce(evidence_ref, '') || '" bị thẩm định là thiếu chất lượng'
        || coalesce(' (' || nullif(review_comment, '') || ')', '') || '.'
    from tasks
    where evidence_state = 'thieu_chat_luong'
),

next_horizon as (
    -- rule 2 looks at the nearest target still ahead, not at every later horizon
    select unit_id, kpi_id, min(due_date) as next_due
    from kpis
    where due_date >= as_of
    group by all
),

kpi_flags as (
    select
        k.unit_id, k.unit_name, k.unit_kind, 'kpi' as item_type, k.kpi_id as item_id,
        'Chỉ tiêu: ' || k.kpi_name || ' (' || k.horizon || ')' as item_name,
        k.plan_id, null as task_group, k.lead_office,
        k.flag_rule as rule, k.due_date, k.actual_period as period, k.is_demo,
        case k.flag_rule
            when 1 then
                'Quá hạn ' || vn_date(k.due_date) || ' chưa đạt: thực tế '
                || vn_num_auto(round(k.actual_value, 1)) || coalesce(case k.unit_of_measure when '%' then '%' when 'Thứ bậc' then '' else ' ' || k.unit_of_measure end, '')
                || ' so với mục tiêu ' || target_label(k.comparator, k.target_value, k.unit_of_measure) || '.'
            else
                'Chậm tiến độ: thực tế ' || vn_num_auto(round(k.actual_value, 1))
                || coalesce(case k.unit_of_measure when '%' then '%' when 'Thứ bậc' then '' else ' ' || k.unit_of_measure end, '')
                || ' mới bằng ' || vn_num_auto(round(100 * k.progress_ratio)) || '% mức lộ trình ('
                || vn_num_auto(round(k.expected_value, 1)) || ') để đạt '
                || target_label(k.comparator, k.target_value, k.unit_of_measure) || ' vào ' || vn_date(k.due_date) || '.'
        end as reason
    from kpis k
    left join next_horizon n on n.unit_id = k.unit_id and n.kpi_id = k.kpi_id
    where k.flag_rule = 1 or (k.flag_rule = 2 and k.due_date = n.next_due)

    union all

    select
        unit_id, unit_name, unit_kind, 'kpi', kpi_id,
        'Chỉ tiêu: ' || kpi_name,
        plan_id, null, lead_office,
        3, due_date, actual_period, is_demo,
        'Minh chứng "' || coalesce(evidence_ref, '') || '" của số liệu kỳ ' || vn_period(actual_period)
        || ' bị thẩm định là thiếu chất lượng.'
    from kpis
    where evidence_state = 'thieu_chat_luong'
    -- one flag per KPI (the evidence is the same for every horizon): the nearest horizon, so the
    -- row is the same on every run (DISTINCT ON inside a union did not keep its ORDER BY)
    qualify row_number() over (partition by unit_id, kpi_id order by due_date) = 1
),

report_flags as (
    select
        unit_id, unit_name, null as unit_kind, 'report' as item_type, strftime(period, '%Y-%m') as item_id,
        'Báo cáo kỳ ' || period_label as item_name,
        null as plan_id, null as task_group, null as lead_office,
        4 as rule, deadline as due_date, period, is_demo,
        'Chưa nhận báo cáo kỳ ' || period_label || ' (hạn ' || vn_date(deadline) || ').' as reason
    from reports
    where status = 'chua_nop'
),

all_flags as (
    select * from task_flags
    union all by name select * from kpi_flags
    union all by name select * from report_flags
),

final as (
    select
        f.unit_id,
        f.unit_name,
        u.kind as unit_kind,
        f.item_type,
        f.item_id,
        f.item_name,
        f.rule,
        case f.rule
            when 1 then 'Quá hạn, chưa hoàn thành'
            when 2 then 'Dưới 50% tiến độ'
            when 3 then 'Minh chứng thiếu chất lượng'
            else 'Chưa nộp báo cáo'
        end as rule_label,
        f.reason,
        f.due_date,
        f.period,
        f.plan_id,
        f.task_group,
        f.lead_office,
        coalesce(f.is_demo, false) as is_demo,
        ctx.as_of
    from all_flags f
    join units u on u.unit_id = f.unit_id
    cross join ctx
)

select * from final
