-- grain: unit_id
-- columns: unit_id, unit_name, unit_kind, unit_kind_label, is_commune_level, rank, previous_rank,
--   rank_change, rank_change_text, grade, grade_label, score, completion_rate, kpi_on_track_rate,
--   red_flag_count, timeliness_rate, tasks_due, tasks_done, tasks_overdue, as_of, previous_as_of
-- accepted: grade = grade, unit_kind = unit_kind
--
-- The league table every reader sees (overview, compare page, meeting mode, the meeting pack):
-- unit_scorecard with the unit kind and grade labels and the change in rank since a previous
-- date. The previous date is a second as-of: db.query_view(…, previous=day) reads
-- unit_scorecard on that day and hands its ranks to this view as the connection variables
-- `previous_ranks` (a map unit_id → rank) and `previous_as_of`; unset, previous_rank is NULL and
-- the change reads '—'. A smaller rank number is better: from 12th to 9th is '↑ 3'.
with scorecard as (
    select * from unit_scorecard
),

units as (
    select unit_id, unit_kind_label, is_commune_level from stg_units
),

grades as (
    select code, label from labels_of('grade')
),

previous as (
    select
        coalesce(getvariable('previous_ranks'), map([]::varchar[], []::bigint[])) as ranks,
        getvariable('previous_as_of')::date                                       as as_of
),

ranked as (
    select
        s.*,
        u.unit_kind_label,
        u.is_commune_level,
        g.label                                                      as grade_label,
        map_extract_value(p.ranks, s.unit_id)::integer               as previous_rank,
        p.as_of                                                      as previous_as_of
    from scorecard s
    left join units u using (unit_id)
    left join grades g on g.code = s.grade
    cross join previous p
),

final as (
    select
        unit_id,
        unit_name,
        unit_kind,
        unit_kind_label,
        is_commune_level,
        rank,
        previous_rank,
        previous_rank - rank                                         as rank_change,
        case
            when previous_rank is null then '—'
            when previous_rank > rank then '↑ ' || (previous_rank - rank)
            when previous_rank < rank then '↓ ' || (rank - previous_rank)
            else '='
        end                                                          as rank_change_text,
        grade,
        grade_label,
        score,
        completion_rate,
        kpi_on_track_rate,
        red_flag_count,
        timeliness_rate,
        tasks_due,
        tasks_done,
        tasks_overdue,
        as_of,
        previous_as_of
    from ranked
)

select * from final order by rank, unit_name
