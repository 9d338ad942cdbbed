-- grain: batch_id
-- columns: batch_id, unit_id, period, file_name, sha256, uploaded_by, uploaded_at, source, is_demo,
--   row_count, rolled_back_at, rolled_back_by
--
-- Staging: the one definition of a report batch visible on the as-of date: uploaded by the end
-- of that day and not rolled back by then. current_batches keeps the newest per unit and
-- period (the batch in force); reporting_compliance takes the first for timeliness. Only the
-- units of unit_scope when it is set (macro in_unit_scope).
with batches as (
    select * from stg_report_batches
),

ctx as (
    select * from as_of_context
),

final as (
    select b.*
    from batches b, ctx
    where b.uploaded_at < ctx.as_of_end
      and (b.rolled_back_at is null or b.rolled_back_at >= ctx.as_of_end)
      and in_unit_scope(b.unit_id)
)

select * from final
