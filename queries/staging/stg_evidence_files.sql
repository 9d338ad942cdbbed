-- grain: evidence_id
-- columns: evidence_id, sha256, size, mime_type, original_name, stored_path, uploaded_by, uploaded_at, batch_id, unit_id, item_type, item_id
--
-- Staging: the evidence files attached to report items (their metadata; the files are on disk).
with evidence_files as (
    select * from evidence_files
),

final as (
    select evidence_id, sha256, size, mime_type, original_name, stored_path, uploaded_by, uploaded_at, batch_id, unit_id, item_type, item_id
    from evidence_files
)

select * from final
