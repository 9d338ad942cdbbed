-- grain: grade
-- columns: grade, grade_order, min_score, next_min_score, band_label, grade_label
--
-- The score band of each grade, worded from the same settings that grade_of() grades by, so a
-- chart axis or a PDF note never types '≥ 90' itself: changing a setting moves every caption.
with floors as (
    select 'A' as grade, 1 as grade_order, setting('grade_a_min_score')::double as min_score
    union all select 'B', 2, setting('grade_b_min_score')::double
    union all select 'C', 3, setting('grade_c_min_score')::double
    union all select 'D', 4, setting('grade_d_min_score')::double
    union all select 'E', 5, null
),

bands as (
    select
        grade,
        grade_order,
        min_score,
        -- the floor of the grade above: this grade's scores stay below it
        lag(min_score) over (order by grade_order) as next_min_score,
        -- the last grade is everything under the lowest floor
        min(min_score) over () as lowest_floor
    from floors
),

worded as (
    select
        *,
        case
            when min_score is null then '< ' || vn_num(lowest_floor, 0)
            when next_min_score is null then '≥ ' || vn_num(min_score, 0)
            else vn_num(min_score, 0) || '–' || vn_num(next_min_score - 1, 0)
        end as band_label
    from bands
),

final as (
    select
        grade,
        grade_order,
        min_score,
        next_min_score,
        band_label,
        -- the top band names its unit once, for the axis of the grade chart
        grade || ' (' || band_label || case when grade_order = 1 then ' điểm' else '' end || ')' as grade_label
    from worded
)

select * from final
