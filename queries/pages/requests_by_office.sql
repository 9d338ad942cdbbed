-- grain: office_id
-- columns: office_id, office_name, open_count, unanswered_count, overdue_count, oldest_days, as_of
--
-- Open requests by the office they wait on (the Kiến nghị page's "offices with the most
-- unanswered", the pack's section); office_id '' gathers those not assigned yet. From the
-- requests view.
with ctx as (
    select * from as_of_context
),

open_requests as (
    select * from requests where is_open
),

final as (
    select
        coalesce(office_id, '')                         as office_id,
        coalesce(any_value(office_name), 'Chưa giao cơ quan xử lý') as office_name,
        count(*)                                        as open_count,
        count(*) filter (where is_unanswered)           as unanswered_count,
        count(*) filter (where breaks_rule_5)           as overdue_count,
        max(days_waiting)                               as oldest_days,
        any_value(ctx.as_of)                            as as_of
    from open_requests, ctx
    group by coalesce(office_id, '')
    order by unanswered_count desc, overdue_count desc, office_name
)

select * from final
