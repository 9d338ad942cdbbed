-- grain: one row
-- columns: fingerprint
--
-- One hash of everything the views' answer for the as-of date depends on: the catalogue and
-- settings as they are now, and the reports, rollbacks, reviews, evidence files and requests (items,
-- the batches that carried them, their events) dated before
-- the end of the as-of day. A stored snapshot (nq57/snapshots.py) is read only while this hash is
-- unchanged, so a commit today leaves the snapshots of past month ends valid.
-- KPI values and task updates are not hashed: they are written and removed only with their
-- batch (one transaction per file), so the batches stand for them.
with ctx as (
    select * from as_of_context
),

parts as (
    select 'settings' as part, count(*) as n, bit_xor(hash(s)) as h from settings s
    union all select 'units', count(*), bit_xor(hash(u)) from units u
    union all select 'office_aliases', count(*), bit_xor(hash(a)) from office_aliases a
    union all select 'plans', count(*), bit_xor(hash(p)) from plans p
    union all select 'tasks', count(*), bit_xor(hash(t)) from tasks t
    union all select 'task_units', count(*), bit_xor(hash(tu)) from task_units tu
    union all select 'kpis', count(*), bit_xor(hash(k)) from kpis k
    union all select 'targets', count(*), bit_xor(hash(tg)) from targets tg
    union all select 'labels', count(*), bit_xor(hash(lb)) from labels lb
    union all select 'documents', count(*), bit_xor(hash(d)) from documents d
    union all select 'task_kpis', count(*), bit_xor(hash(tk)) from task_kpis tk
    union all select 'target_assumptions', count(*), bit_xor(hash(ta)) from target_assumptions ta
    union all select 'kpi_merges', count(*), bit_xor(hash(km)) from kpi_merges km
    union all
    select 'report_batches', count(*),
           bit_xor(hash(b.batch_id, b.uploaded_at, b.is_demo,
                        case when b.rolled_back_at < ctx.as_of_end then b.rolled_back_at end))
    from report_batches b, ctx
    where b.uploaded_at < ctx.as_of_end
    union all
    select 'evidence_reviews', count(*), bit_xor(hash(r))
    from evidence_reviews r, ctx
    where r.reviewed_at < ctx.as_of_end
    union all
    select 'evidence_files', count(*), bit_xor(hash(f))
    from evidence_files f, ctx
    where f.uploaded_at < ctx.as_of_end
    union all
    select 'request_items', count(*), bit_xor(hash(i))
    from request_items i, ctx
    where i.raised_at < ctx.as_of_end
    union all
    select 'request_sightings', count(*), bit_xor(hash(s.request_id, s.batch_id))
    from request_sightings s
    join report_batches b on b.batch_id = s.batch_id, ctx
    where b.uploaded_at < ctx.as_of_end
    union all
    select 'request_events', count(*), bit_xor(hash(e))
    from request_events e, ctx
    where e.acted_at < ctx.as_of_end
),

final as (
    select md5(string_agg(part || ':' || n || ':' || coalesce(h, 0), '|' order by part)) as fingerprint
    from parts
)

select * from final
