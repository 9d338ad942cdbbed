-- grain: batch_id, unit_id, item_type, item_id
-- columns: batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by, reviewed_at,
--   judged_batch_id, needs_review, previous_decision, previous_comment, previous_reviewed_at
--
-- The verdict that applies, as of the as-of date, to each item of the batches in force.
-- A verdict follows the evidence, not the batch: an item (unit, task or KPI, period) keeps the
-- latest verdict given, in any batch of that unit and period, to the same evidence — the same
-- reference (evidence_text) and the same attached files (sha256; a file added after a verdict
-- was not part of what it judged). Uploading the same rows again therefore washes nothing away.
-- An item judged before whose evidence has changed has no applicable verdict: needs_review is
-- true, it awaits review again and, unlike an item never judged, does not count as done.
-- Items never judged in their period have no row here.
-- Computed only for the units whose stored verdicts do not hold on the as-of date
-- (kpi_store_fresh_units); evidence_status reads the others' from evidence_store, which
-- nq57/kpi_store.py fills with this view's rows.
with ctx as (
    select * from as_of_context
),

versions as (
    -- every batch with the batch now in force for its unit and period
    select b.batch_id, b.period, c.batch_id as current_batch_id
    from stg_report_batches b
    join current_batches c on c.unit_id = b.unit_id and c.period = b.period
),

pairs as (
    -- every verdict given by the as-of date, with the batch now in force for its unit and period
    select r.review_id, r.batch_id, r.unit_id, r.item_type, r.item_id, r.decision, r.comment,
           r.reviewed_by, r.reviewed_at, v.current_batch_id
    from stg_evidence_reviews r
    join versions v on v.batch_id = r.batch_id
    cross join ctx
    where r.reviewed_at < ctx.as_of_end and in_unit_scope(r.unit_id)
      and r.unit_id not in (select unit_id from kpi_store_fresh_units)
),

files as (
    select f.batch_id, f.unit_id, f.item_type, f.item_id, f.sha256, f.uploaded_at
    from stg_evidence_files f, ctx
    where f.uploaded_at < ctx.as_of_end and in_unit_scope(f.unit_id)
      and f.unit_id not in (select unit_id from kpi_store_fresh_units)
),

judged_files as (
    -- files of the judged item attached by the verdict (one added later was not judged)
    select p.review_id, string_agg(distinct f.sha256, ',' order by f.sha256) as hashes
    from pairs p
    join files f on f.batch_id = p.batch_id and f.unit_id = p.unit_id and f.item_type = p.item_type
                and f.item_id = p.item_id and f.uploaded_at <= p.reviewed_at
    group by p.review_id
),

current_files as (
    select p.review_id, string_agg(distinct f.sha256, ',' order by f.sha256) as hashes
    from pairs p
    join files f on f.batch_id = p.current_batch_id and f.unit_id = p.unit_id and f.item_type = p.item_type
                and f.item_id = p.item_id
    group by p.review_id
),

moved as (
    -- verdicts given in another batch than the one in force: only these need the typed
    -- references compared, so report rows are read for those few batches only
    select * from pairs where batch_id <> current_batch_id
),

refs as (
    select batch_id, unit_id, 'task' as item_type, task_id as item_id, evidence_text(evidence_ref) as ref
    from stg_task_updates
    where batch_id in (select batch_id from moved union select current_batch_id from moved)
    union all
    select batch_id, unit_id, 'kpi', kpi_id, evidence_text(evidence_ref)
    from stg_kpi_values
    where batch_id in (select batch_id from moved union select current_batch_id from moved)
),

changed as (
    -- verdicts whose evidence is not the evidence in force: other files, or another reference
    select coalesce(j.review_id, c.review_id) as review_id
    from judged_files j
    full join current_files c on c.review_id = j.review_id
    where j.hashes is distinct from c.hashes
    union
    select m.review_id
    from moved m
    left join refs rj on rj.batch_id = m.batch_id and rj.unit_id = m.unit_id
                     and rj.item_type = m.item_type and rj.item_id = m.item_id
    left join refs rc on rc.batch_id = m.current_batch_id and rc.unit_id = m.unit_id
                     and rc.item_type = m.item_type and rc.item_id = m.item_id
    where rj.ref is distinct from rc.ref
),

picked as (
    -- per item in force: the latest verdict on the same evidence, else the latest verdict
    -- (a grouped arg_max on narrow rows: a window over every verdict sorts them all nationally)
    select arg_max(p.review_id, (ch.review_id is null, p.reviewed_at, p.review_id)) as review_id
    from pairs p
    left join changed ch on ch.review_id = p.review_id
    group by p.current_batch_id, p.unit_id, p.item_type, p.item_id
),

ranked as (
    select p.*, ch.review_id is null as is_same_evidence
    from picked k
    join pairs p on p.review_id = k.review_id
    left join changed ch on ch.review_id = p.review_id
),

final as (
    select
        current_batch_id                                       as batch_id,
        unit_id,
        item_type,
        item_id,
        case when is_same_evidence then decision end           as decision,
        case when is_same_evidence then comment end            as comment,
        case when is_same_evidence then reviewed_by end        as reviewed_by,
        case when is_same_evidence then reviewed_at end        as reviewed_at,
        case when is_same_evidence then batch_id end           as judged_batch_id,
        not is_same_evidence                                   as needs_review,
        -- for an item awaiting review again: the verdict its earlier evidence had
        case when not is_same_evidence then decision end       as previous_decision,
        case when not is_same_evidence then comment end        as previous_comment,
        case when not is_same_evidence then reviewed_at end    as previous_reviewed_at
    from ranked
)

select * from final
