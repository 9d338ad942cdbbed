-- grain: one row
-- columns: open_count, unanswered_count, overdue_count, answered_count, units_waiting, answer_days, as_of
--
-- The counts of requests the overview shows (open, waiting for an answer, past the rule-5 days,
-- answered but not closed), from the requests view; answer_days is the setting of rule 5.
with ctx as (
    select * from as_of_context
),

final as (
    select
        count(r.request_id) filter (where r.is_open)                          as open_count,
        count(r.request_id) filter (where r.is_unanswered)                    as unanswered_count,
        count(r.request_id) filter (where r.breaks_rule_5)                    as overdue_count,
        count(r.request_id) filter (where r.state = 'da_tra_loi')             as answered_count,
        count(distinct r.unit_id) filter (where r.is_unanswered)              as units_waiting,
        setting('request_answer_days')::integer                               as answer_days,
        any_value(ctx.as_of)                                                  as as_of
    from ctx
    left join requests r on true
)

select * from final
