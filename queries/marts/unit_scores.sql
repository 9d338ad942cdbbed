-- grain: unit_id
-- columns: unit_id, unit_name, unit_kind, tasks_total, tasks_due, tasks_done, tasks_overdue,
--   completion_rate, kpis_evaluated, kpis_on_track, kpis_unreported, kpi_on_track_rate,
--   red_flag_count, flags_rule_1, flags_rule_2, flags_rule_3, flags_rule_4, periods_due,
--   periods_on_time, periods_received, timeliness_rate, score, grade, as_of, flags_rule_5
-- accepted: grade = grade, unit_kind = unit_kind
--
-- unit_scorecard without the rank: each commune/ward's figures depend on its own rows only, so a
-- commit recomputes the units it changed (nq57/snapshot_units.py) and unit_scorecard ranks them all.
-- Per commune/ward: completion rate (tasks done / due), KPI on-track rate,
-- red flags, reporting timeliness, a composite score (weights in the settings table; a
-- component with nothing to measure is left out and the others re-weighted) and a grade A–E
-- (≥90, ≥80, ≥70, ≥50, below: the grade_*_min_score settings).
-- red_flag_count counts every rule; the score's flag-free share counts rules 1–4 only: rule 5 (a
-- request unanswered) measures the level above, not the unit that asked.
-- Under unit_scope only those units (a materialized CTE stops the caller's filter).
with ctx as (
    select * from as_of_context
),

units as (
    select unit_id, unit_name, unit_kind, sort_order from stg_units where is_commune_level and in_unit_scope(unit_id)
),

-- Each underlying view is evaluated once here and shared (materialized): reading red_flags
-- would evaluate task_progress and kpi_progress a second time. The flags counted are the rows
-- red_flags lists: the rules are decided once, per row, in breaks_rule_1..4.
task_rows as materialized (
    select unit_id, is_due, is_done, is_overdue, breaks_rule_1, breaks_rule_2, breaks_rule_3
    from task_progress
    where in_unit_scope(unit_id)
),

kpi_rows as materialized (
    select unit_id, comparator, is_on_track, status, breaks_rule_1, breaks_rule_2, breaks_rule_3
    from kpi_progress
    where in_unit_scope(unit_id)
),

report_rows as materialized (
    select unit_id, is_due, is_on_time, is_received, breaks_rule_4
    from reporting_compliance
    where in_unit_scope(unit_id)
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

flag_rows as (
    select unit_id,
           breaks_rule_1::integer as rule_1, breaks_rule_2::integer as rule_2,
           breaks_rule_3::integer as rule_3, 0 as rule_4
    from task_rows where breaks_rule_1 or breaks_rule_2 or breaks_rule_3
    union all
    select unit_id, breaks_rule_1::integer, breaks_rule_2::integer, breaks_rule_3::integer, 0
    from kpi_rows where breaks_rule_1 or breaks_rule_2 or breaks_rule_3
    union all
    select unit_id, 0, 0, 0, 1 from report_rows where breaks_rule_4
),

request_flags as (
    select unit_id, count(*) as flags_rule_5 from requests where breaks_rule_5 group by unit_id
),

flags as (
    select
        unit_id,
        sum(rule_1 + rule_2 + rule_3 + rule_4)::bigint as red_flag_count,
        sum(rule_1)::bigint                            as flags_rule_1,
        sum(rule_2)::bigint                            as flags_rule_2,
        sum(rule_3)::bigint                            as flags_rule_3,
        sum(rule_4)::bigint                            as flags_rule_4
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
        coalesce(f.red_flag_count, 0) + coalesce(q.flags_rule_5, 0) as red_flag_count,
        coalesce(q.flags_rule_5, 0)       as flags_rule_5,
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
    left join request_flags q using (unit_id)
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
        grade_of(score)             as grade,
        ctx.as_of,
        flags_rule_5
    from scored, ctx
)

select * from final
