-- grain: one row
-- columns: units_count, wards_count, communes_count, tasks_due, tasks_done, tasks_overdue,
--   completion_rate, kpis_evaluated, kpis_on_track, kpi_on_track_rate, red_flag_count,
--   periods_due, periods_on_time, timeliness_rate, average_score, grade_a, grade_b, grade_c,
--   grade_d, grade_e, as_of, commune_red_flag_count
--
-- The headline figures of the overview page, one row, all from the contract views.
-- Scope: the 95 communes/wards (unit_scorecard), except red_flag_count, which counts every row
-- of red_flags (departments too) so the overview and the red-flags page say the same number;
-- commune_red_flag_count is the communes'/wards' share (the sum of unit_scorecard.red_flag_count).
with scorecard as (
    select * from unit_scorecard
),

flags as (
    select count(*) as red_flag_count from red_flags
),

ctx as (
    select * from as_of_context
),

final as (
    select
        count(*)                                                        as units_count,
        count(*) filter (where unit_kind = 'ward')                      as wards_count,
        count(*) filter (where unit_kind = 'commune')                   as communes_count,
        sum(tasks_due)                                                  as tasks_due,
        sum(tasks_done)                                                 as tasks_done,
        sum(tasks_overdue)                                              as tasks_overdue,
        round(sum(tasks_done) / nullif(sum(tasks_due), 0), 4)           as completion_rate,
        sum(kpis_evaluated)                                             as kpis_evaluated,
        sum(kpis_on_track)                                              as kpis_on_track,
        round(sum(kpis_on_track) / nullif(sum(kpis_evaluated), 0), 4)   as kpi_on_track_rate,
        any_value(flags.red_flag_count)::hugeint                        as red_flag_count,
        sum(periods_due)                                                as periods_due,
        sum(periods_on_time)                                            as periods_on_time,
        round(sum(periods_on_time) / nullif(sum(periods_due), 0), 4)    as timeliness_rate,
        round(avg(score), 1)                                            as average_score,
        count(*) filter (where grade = 'A')                             as grade_a,
        count(*) filter (where grade = 'B')                             as grade_b,
        count(*) filter (where grade = 'C')                             as grade_c,
        count(*) filter (where grade = 'D')                             as grade_d,
        count(*) filter (where grade = 'E')                             as grade_e,
        any_value(ctx.as_of)                                            as as_of,
        sum(scorecard.red_flag_count)                                   as commune_red_flag_count
    from scorecard, ctx, flags
)

select * from final
