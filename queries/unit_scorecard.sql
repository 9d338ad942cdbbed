-- Contract view. Per commune/ward: completion rate (tasks done / due), KPI on-track rate,
-- red flags, reporting timeliness, a composite score (weights in the settings table; a
-- component with nothing to measure is left out and the others re-weighted), rank among the
-- 95 and a grade A–E (≥90, ≥80, ≥70, ≥50, below).
with ctx as (
    select * from as_of_context
),

units as (
    select unit_id, name as unit_name, kind as unit_kind, sort_order from units where kind in ('ward', 'commune')
),

-- Each underlying view is evaluated once here and shared (materialized): reading red_flags
-- would evaluate task_progress and kpi_progress a second time. The flag counts below therefore
-- apply red_flags' rules to the same rows; tests/test_scale.py checks they equal red_flags.
task_rows as materialized (
    select unit_id, unit_kind, is_due, is_done, is_overdue, is_behind_schedule, evidence_state
    from task_progress
),

kpi_rows as materialized (
    select unit_id, unit_kind, kpi_id, comparator, is_on_track, status, flag_rule, due_date, as_of, evidence_state
    from kpi_progress
),

report_rows as materialized (
    select unit_id, is_due, is_on_time, is_received, status
    from reporting_compliance
),

tasks as (
    select
        unit_id,
        count(*)                                     as tasks_total,
        count(*) filter (where is_due)               as tasks_due,
        count(*) filter (where is_due and is_done)   as tasks_done,
        count(*) filter (where is_overdue)           as tasks_overdue
    from task_rows
    group by unit_id
),

kpis as (
    select
        unit_id,
        count(*) filter (where comparator is not null)                  as kpis_evaluated,
        count(*) filter (where comparator is not null and is_on_track)  as kpis_on_track,
        count(*) filter (where status = 'chua_co_so_lieu')              as kpis_unreported
    from kpi_rows
    group by unit_id
),

next_horizon as (
    select unit_id, kpi_id, min(due_date) as next_due
    from kpi_rows
    where unit_kind <> 'province' and due_date >= as_of
    group by all
),

flag_rows as (
    -- red_flags' rules 1–4, one row per flag
    select unit_id, 1 as rule from task_rows where unit_kind <> 'province' and is_overdue
    union all
    select unit_id, 2 from task_rows where unit_kind <> 'province' and is_behind_schedule
    union all
    select unit_id, 3 from task_rows where unit_kind <> 'province' and evidence_state = 'thieu_chat_luong'
    union all
    select k.unit_id, k.flag_rule
    from kpi_rows k
    left join next_horizon n on n.unit_id = k.unit_id and n.kpi_id = k.kpi_id
    where k.unit_kind <> 'province' and (k.flag_rule = 1 or (k.flag_rule = 2 and k.due_date = n.next_due))
    union all
    select unit_id, 3
    from (select distinct unit_id, kpi_id from kpi_rows
          where unit_kind <> 'province' and evidence_state = 'thieu_chat_luong')
    union all
    select unit_id, 4 from report_rows where status = 'chua_nop'
),

flags as (
    select
        unit_id,
        count(*)                         as red_flag_count,
        count(*) filter (where rule = 1) as flags_rule_1,
        count(*) filter (where rule = 2) as flags_rule_2,
        count(*) filter (where rule = 3) as flags_rule_3,
        count(*) filter (where rule = 4) as flags_rule_4
    from flag_rows
    group by unit_id
),

reports as (
    select
        unit_id,
        count(*) filter (where is_due)                  as periods_due,
        count(*) filter (where is_due and is_on_time)   as periods_on_time,
        count(*) filter (where is_due and is_received)  as periods_received
    from report_rows
    group by unit_id
),

weights as (
    select
        setting('weight_completion')::double as w_completion,
        setting('weight_kpi')::double        as w_kpi,
        setting('weight_timeliness')::double as w_timeliness,
        setting('weight_flags')::double      as w_flags
),

measured as (
    select
        u.*,
        coalesce(t.tasks_total, 0)        as tasks_total,
        coalesce(t.tasks_due, 0)          as tasks_due,
        coalesce(t.tasks_done, 0)         as tasks_done,
        coalesce(t.tasks_overdue, 0)      as tasks_overdue,
        coalesce(k.kpis_evaluated, 0)     as kpis_evaluated,
        coalesce(k.kpis_on_track, 0)      as kpis_on_track,
        coalesce(k.kpis_unreported, 0)    as kpis_unreported,
        coalesce(f.red_flag_count, 0)     as red_flag_count,
        coalesce(f.flags_rule_1, 0)       as flags_rule_1,
        coalesce(f.flags_rule_2, 0)       as flags_rule_2,
        coalesce(f.flags_rule_3, 0)       as flags_rule_3,
        coalesce(f.flags_rule_4, 0)       as flags_rule_4,
        coalesce(r.periods_due, 0)        as periods_due,
        coalesce(r.periods_on_time, 0)    as periods_on_time,
        coalesce(r.periods_received, 0)   as periods_received,
        t.tasks_done / nullif(t.tasks_due, 0)::double               as completion_rate,
        k.kpis_on_track / nullif(k.kpis_evaluated, 0)::double       as kpi_on_track_rate,
        r.periods_on_time / nullif(r.periods_due, 0)::double        as timeliness_rate,
        1 - least(1, coalesce(f.red_flag_count, 0)
            / greatest(coalesce(t.tasks_total, 0) + coalesce(k.kpis_evaluated, 0) + coalesce(r.periods_due, 0), 1)::double)
                                                                    as flag_free_rate
    from units u
    left join tasks t using (unit_id)
    left join kpis k using (unit_id)
    left join flags f using (unit_id)
    left join reports r using (unit_id)
),

scored as (
    select
        m.*,
        round(100 * (
            coalesce(w.w_completion * m.completion_rate, 0)
            + coalesce(w.w_kpi * m.kpi_on_track_rate, 0)
            + coalesce(w.w_timeliness * m.timeliness_rate, 0)
            + w.w_flags * m.flag_free_rate
        ) / (
            case when m.completion_rate is null then 0 else w.w_completion end
            + case when m.kpi_on_track_rate is null then 0 else w.w_kpi end
            + case when m.timeliness_rate is null then 0 else w.w_timeliness end
            + w.w_flags
        ), 1) as score
    from measured m, weights w
),

final as (
    select
        unit_id,
        unit_name,
        unit_kind,
        tasks_total, tasks_due, tasks_done, tasks_overdue,
        round(completion_rate, 4)   as completion_rate,
        kpis_evaluated, kpis_on_track, kpis_unreported,
        round(kpi_on_track_rate, 4) as kpi_on_track_rate,
        red_flag_count, flags_rule_1, flags_rule_2, flags_rule_3, flags_rule_4,
        periods_due, periods_on_time, periods_received,
        round(timeliness_rate, 4)   as timeliness_rate,
        score,
        rank() over (order by score desc)                      as rank,
        case
            when score >= 90 then 'A'
            when score >= 80 then 'B'
            when score >= 70 then 'C'
            when score >= 50 then 'D'
            else 'E'
        end                                                    as grade,
        ctx.as_of
    from scored, ctx
)

select * from final order by rank, unit_name
