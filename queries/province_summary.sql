-- The headline figures of the overview page, one row, all from the contract views.
with scorecard as (
    select * from unit_scorecard
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
        sum(red_flag_count)                                             as red_flag_count,
        sum(periods_due)                                                as periods_due,
        sum(periods_on_time)                                            as periods_on_time,
        round(sum(periods_on_time) / nullif(sum(periods_due), 0), 4)    as timeliness_rate,
        round(avg(score), 1)                                            as average_score,
        count(*) filter (where grade = 'A')                             as grade_a,
        count(*) filter (where grade = 'B')                             as grade_b,
        count(*) filter (where grade = 'C')                             as grade_c,
        count(*) filter (where grade = 'D')                             as grade_d,
        count(*) filter (where grade = 'E')                             as grade_e,
        any_value(ctx.as_of)                                            as as_of
    from scorecard, ctx
)

select * from final
