-- grain: unit_id, period
-- columns: unit_id, unit_name, report_cycle, period, period_label, deadline, received_at, is_received,
--   is_on_time, is_due, status, status_label, is_demo, as_of, breaks_rule_4
-- accepted: status = report_status
--
-- Contract view. Per commune/ward and reporting period: was a report received, when, and
-- was it on time. The first accepted upload for the period decides timeliness.
with ctx as (
    select * from as_of_context
),

periods as (
    select * from reporting_periods where is_commune_level(kind)
),

batches as (
    select * from stg_visible_batches
),

first_received as (
    select p.unit_id, p.period, min(b.uploaded_at) as received_at, bool_or(b.is_demo) as is_demo
    from periods p
    join batches b on b.unit_id = p.unit_id and b.period = p.period
    group by all
),

final as (
    select
        p.unit_id,
        p.unit_name,
        p.report_cycle,
        p.period,
        case when p.report_cycle = 'quarterly' then vn_quarter(p.period)
             else vn_period(p.period) end       as period_label,
        p.deadline,
        r.received_at,
        r.received_at is not null               as is_received,
        case
            when r.received_at is null then null
            else r.received_at < (p.deadline + 1)::timestamp
        end                                     as is_on_time,
        p.deadline < ctx.as_of                  as is_due,
        case
            when r.received_at is not null and r.received_at < (p.deadline + 1)::timestamp then 'dung_han'
            when r.received_at is not null then 'tre_han'
            when p.deadline < ctx.as_of then 'chua_nop'
            else 'chua_den_han'
        end                                     as status,
        coalesce(r.is_demo, false)              as is_demo,
        ctx.as_of
    from periods p
    cross join ctx
    left join first_received r using (unit_id, period)
)

select
    final.* exclude (is_demo, as_of),
    l.label as status_label,
    is_demo,
    as_of,
    -- red-flag rule 4, once, per row: the report for a period not received by its deadline
    status = 'chua_nop' as breaks_rule_4
from final
left join labels_of('report_status') l on l.code = final.status
