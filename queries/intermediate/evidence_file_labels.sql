-- grain: batch_id, unit_id, item_type, item_id
-- columns: batch_id, unit_id, item_type, item_id, file_label
--
-- Evidence files attached to a reported item by the as-of date, as one label per item: an
-- attached file counts as evidence even when no reference was typed.
with files as (
    select * from stg_evidence_files
),

ctx as (
    select * from as_of_context
),

final as (
    select
        f.batch_id,
        f.unit_id,
        f.item_type,
        f.item_id,
        'Tệp: ' || string_agg(f.original_name, '; ' order by f.evidence_id) as file_label
    from files f, ctx
    where f.uploaded_at < ctx.as_of_end
    group by all
)

select * from final
