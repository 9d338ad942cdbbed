-- What an upload changes in the tasks: each staged task status against the status in force for
-- the same unit and task (the same period if it is a correction, else the latest earlier one).
-- A step back (Hoàn thành → Đang thực hiện, Đang thực hiện → Chưa thực hiện, or a lower percentage
-- for the same status) is worth a look before the file is committed: a copied row or an old
-- template sends finished work back without a word.
with staged as (
    -- typed: a file without task rows stages empty columns of no type
    select unit_id::varchar as unit_id, task_id::varchar as task_id, period::date as period,
           status::varchar as status, percent_complete::double as percent_complete
    from staged_task_updates
),

-- how far along each status a report may carry is (the statuses of nq57/reports.py)
steps(status, step) as (
    values ('chua_thuc_hien', 0), ('dang_thuc_hien', 1), ('hoan_thanh', 2)
),

-- the status in force for each row's own month: the stored row of that month (a correction) or
-- the latest before it; a file of several months compares each month with what was stored up to it
stored as (
    select unit_id, task_id, period,
           arg_max(status, uploaded_at)           as previous_status,
           arg_max(percent_complete, uploaded_at) as previous_percent
    from current_task_updates
    where unit_id in (select unit_id from staged)
      and period <= (select max(period) from staged)
    group by unit_id, task_id, period
),

in_force as (
    select s.unit_id, s.task_id, s.period, h.previous_status, h.previous_percent, h.period as previous_period
    from staged s
    asof left join stored h on h.unit_id = s.unit_id and h.task_id = s.task_id and h.period <= s.period
),

final as (
    select
        s.unit_id,
        u.unit_name,
        s.period,
        s.task_id,
        t.task_no,
        t.content,
        f.previous_period,
        f.previous_status,
        pl.label                                            as previous_status_label,
        f.previous_percent,
        s.status                                            as new_status,
        nl.label                                            as new_status_label,
        s.percent_complete                                  as new_percent,
        case
            when f.previous_status is null then 'Mới'
            when f.previous_status = s.status
                 and coalesce(f.previous_percent, -1) = coalesce(s.percent_complete, -1) then 'Không đổi'
            else 'Thay đổi'
        end                                                 as change,
        coalesce(ns.step < ps.step
                 or (ns.step = ps.step and s.percent_complete < f.previous_percent), false) as is_step_back
    from staged s
    left join in_force f using (unit_id, task_id, period)
    left join steps ps on ps.status = f.previous_status
    left join steps ns on ns.status = s.status
    left join labels_of('task_status') pl on pl.code = f.previous_status
    left join labels_of('task_status') nl on nl.code = s.status
    left join stg_units u on u.unit_id = s.unit_id
    left join stg_tasks t on t.task_id = s.task_id
    order by is_step_back desc, case change when 'Thay đổi' then 1 when 'Mới' then 2 else 3 end, s.unit_id,
             t.sort_order, s.period
)

select * from final
