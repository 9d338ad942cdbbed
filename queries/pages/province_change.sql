-- grain: one row
-- columns: as_of, previous_as_of, completion_rate_change, kpi_on_track_rate_change,
--   red_flag_count_change, timeliness_rate_change
--
-- The overview's "since last month" arrows: each headline figure of province_summary against
-- the same figure on a previous date, as the text Streamlit's metric delta shows ('+1,2 điểm %',
-- '-3'; NULL when there is no previous figure or it did not change at one decimal, so a '-0,0'
-- never shows a red arrow for no change at all). The previous date is a second as-of:
-- db.query_view(…, previous=day) reads province_summary on that day and hands it to this view
-- as the connection variable `previous_summary` (a struct of those four figures) and `previous_as_of`.
with now as (
    select * from province_summary
),

previous as (
    select
        coalesce(getvariable('previous_summary'),
                 {'completion_rate': null::double, 'kpi_on_track_rate': null::double,
                  'red_flag_count': null::double, 'timeliness_rate': null::double}) as figures,
        getvariable('previous_as_of')::date      as as_of
),

changes as (
    select
        n.as_of,
        p.as_of                                                                      as previous_as_of,
        round(100 * (n.completion_rate - p.figures.completion_rate::double), 1)      as completion_points,
        round(100 * (n.kpi_on_track_rate - p.figures.kpi_on_track_rate::double), 1)  as kpi_points,
        n.red_flag_count - p.figures.red_flag_count::double                          as flags,
        round(100 * (n.timeliness_rate - p.figures.timeliness_rate::double), 1)      as timeliness_points
    from now n
    cross join previous p
),

final as (
    select
        as_of,
        previous_as_of,
        case when completion_points <> 0
             then (case when completion_points > 0 then '+' else '' end) || vn_num(completion_points, 1) || ' điểm %'
        end                                                                          as completion_rate_change,
        case when kpi_points <> 0
             then (case when kpi_points > 0 then '+' else '' end) || vn_num(kpi_points, 1) || ' điểm %'
        end                                                                          as kpi_on_track_rate_change,
        case when flags <> 0
             then (case when flags > 0 then '+' else '' end) || vn_num(flags, 0)
        end                                                                          as red_flag_count_change,
        case when timeliness_points <> 0
             then (case when timeliness_points > 0 then '+' else '' end) || vn_num(timeliness_points, 1) || ' điểm %'
        end                                                                          as timeliness_rate_change
    from changes
)

select * from final
