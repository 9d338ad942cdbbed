-- grain: unit_id, task_id
-- columns: batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, difficulties,
--   requests, is_demo
--
-- Per unit and task, the newest update in force on the as-of date (the latest period; within it
-- the latest upload). Only for the units whose stored updates do not hold on that date
-- (kpi_store_fresh_units): task_latest_updates reads the others' from task_store_latest, which
-- nq57/kpi_store.py fills with this view's rows.
with stale_batches as (
    -- the batches in force of the units not read from the store: none on a date after every
    -- unit's last change, and then the 1,3 million updates below are not ranked at all
    select batch_id
    from current_batches
    where unit_id not in (select unit_id from kpi_store_fresh_units) and in_unit_scope(unit_id)
),

updates as (
    select * from current_task_updates where batch_id in (select batch_id from stale_batches)
),

latest as (
    -- one aggregate pass (a window over every update with its text columns cost seconds
    -- nationally): the whole row of the newest update
    select arg_max(u, {'period': u.period, 'uploaded_at': u.uploaded_at}) as newest
    from updates u
    group by u.unit_id, u.task_id
),

final as (
    select unnest(newest) from latest
)

select * exclude (note, uploaded_at) from final
