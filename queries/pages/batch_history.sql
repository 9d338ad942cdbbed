-- grain: batch_id
-- columns: batch_id, unit_id, unit_name, period, period_label, file_name, sha256, uploaded_by,
--   uploaded_at, source, is_demo, row_count, rolled_back_at, rolled_back_by, state, state_label,
--   uploaded_by_label, rolled_back_by_label, file_label
-- accepted: state = batch_state
--
-- Every upload with its state today: in force, superseded by a newer file for the same unit
-- and period, or rolled back. Nothing is ever deleted, so this is the full history. The
-- *_by_label columns name the command-line system actor in words (labels domain actor), an
-- account by its name. file_label is what a reader sees for the file: the plan's name for what a
-- plan itself records as done (its batch keeps the plan's transcribed file, '003_7becd….txt').
with batches as (
    select * from stg_report_batches
),

units as (
    select unit_id, unit_name from stg_units
),

plan_files as (
    select d.source_file, min(l.plan_label) as plan_label
    from stg_documents d
    join plan_labels l using (plan_id)
    where d.source_file is not null
    group by d.source_file
),

ranked as (
    select
        b.*,
        row_number() over (
            partition by b.unit_id, b.period
            order by (b.rolled_back_at is null) desc, b.uploaded_at desc, b.batch_id desc
        ) as version_rank
    from batches b
),

final as (
    select
        r.batch_id,
        r.unit_id,
        u.unit_name,
        r.period,
        strftime(r.period, '%m/%Y')                  as period_label,
        r.file_name,
        r.sha256,
        r.uploaded_by,
        r.uploaded_at,
        r.source,
        r.is_demo,
        r.row_count,
        r.rolled_back_at,
        r.rolled_back_by,
        case
            when r.rolled_back_at is not null then 'rolled_back'
            when r.version_rank = 1 then 'current'
            else 'superseded'
        end                                          as state,
        null::varchar                                as state_label,  -- labels, below
        null::varchar                                as uploaded_by_label,
        null::varchar                                as rolled_back_by_label,
        case when r.source = 'seed' then coalesce(pf.plan_label, r.file_name) else r.file_name end
                                                     as file_label
    from ranked r
    left join units u using (unit_id)
    left join plan_files pf on r.source = 'seed' and pf.source_file = r.file_name
)

select f.* replace (
    l.label                          as state_label,
    actor_label(f.uploaded_by)       as uploaded_by_label,
    actor_label(f.rolled_back_by)    as rolled_back_by_label
)
from final f
left join labels_of('batch_state') l on l.code = f.state
order by uploaded_at desc, batch_id desc
