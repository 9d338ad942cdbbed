-- grain: rule
-- columns: rule, rule_label, flag_count, units_flagged, commune_flag_count
-- accepted: rule = rule
--
-- Red flags counted by rule, every rule listed even when it has none (an empty bar says
-- "none", a missing bar says nothing). The same rows as red_flags, so the same total: every
-- accountable unit (communes/wards and departments); commune_flag_count is the share of the
-- communes/wards, the sum of unit_scorecard's flags_rule_N.
with rules as (
    -- every rule of the labels seed, in its order
    select code::integer as rule, label as rule_label from labels_of('rule')
),

flags as (
    select
        rule,
        count(*)                                                     as flag_count,
        count(distinct unit_id)                                      as units_flagged,
        count(*) filter (where is_commune_level)                     as commune_flag_count
    from red_flags
    group by rule
),

final as (
    select
        r.rule,
        r.rule_label,
        coalesce(f.flag_count, 0)         as flag_count,
        coalesce(f.units_flagged, 0)      as units_flagged,
        coalesce(f.commune_flag_count, 0) as commune_flag_count
    from rules r
    left join flags f using (rule)
    order by r.rule
)

select * from final
