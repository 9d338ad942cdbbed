-- Task updates from the batches in force.
with updates as (
    select * from task_updates
),

batches as (
    select batch_id, uploaded_at, is_demo from current_batches
),

final as (
    select u.*, b.uploaded_at, b.is_demo
    from updates u
    join batches b using (batch_id)
)

select * from final
