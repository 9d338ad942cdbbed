-- grain: unit_id
-- columns: unit_id, unit_name, unit_kind, tasks_total, tasks_due, tasks_done, tasks_overdue,
--   completion_rate, kpis_evaluated, kpis_on_track, kpis_unreported, kpi_on_track_rate,
--   red_flag_count, flags_rule_1, flags_rule_2, flags_rule_3, flags_rule_4, periods_due,
--   periods_on_time, periods_received, timeliness_rate, score, rank, grade, as_of, flags_rule_5
-- accepted: grade = grade, unit_kind = unit_kind
--
-- Contract view. Per commune/ward: completion rate (tasks done / due), KPI on-track rate,
-- red flags, reporting timeliness, a composite score (weights in the settings table; a
-- component with nothing to measure is left out and the others re-weighted), rank among the
-- 95 and a grade A–E (≥90, ≥80, ≥70, ≥50, below: the grade_*_min_score settings). The figures
-- are unit_scores'; the rank, the one column that depends on every unit, is added here.
with scores as (
    select * from unit_scores
),

final as (
    select
        * exclude (grade, as_of, flags_rule_5),
        rank() over (order by score desc)           as rank,
        grade,
        as_of,
        flags_rule_5
    from scores
)

select * from final order by rank, unit_name
