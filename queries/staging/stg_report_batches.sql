-- grain: batch_id
-- columns: batch_id, unit_id, period, file_name, sha256, uploaded_by, uploaded_at, source, is_demo, row_count, rolled_back_at, rolled_back_by
--
-- Staging: every report batch ever committed, rolled back or not (stg_visible_batches says which are in force on a date).
with report_batches as (
    select * from report_batches
),

final as (
    select batch_id, unit_id, period, file_name, sha256, uploaded_by, uploaded_at, source, is_demo, row_count, rolled_back_at, rolled_back_by
    from report_batches
)

select * from final
