-- grain: unit_id
-- columns: unit_id, fingerprint
--
-- One hash per unit of its reports, rollbacks, reviews, evidence files and requests (items, the
-- batches that carried them, their events) dated before the end of the as-of day (units with none
-- have no row). A unit's rows of the stored answers are recomputed only when its hash changed
-- (nq57/snapshot_units.py), so one ward's commit leaves the other units' stored rows valid.
-- KPI values and task updates are not hashed: they are written and removed only with their batch
-- (one transaction per file), so the batches stand for them.
with ctx as (
    select * from as_of_context
),

parts as (
    select b.unit_id, 'report_batches' as part, count(*) as n,
           bit_xor(hash(b.batch_id, b.uploaded_at, b.is_demo,
                        case when b.rolled_back_at < ctx.as_of_end then b.rolled_back_at end)) as h
    from report_batches b, ctx
    where b.uploaded_at < ctx.as_of_end
    group by b.unit_id
    union all
    select r.unit_id, 'evidence_reviews', count(*), bit_xor(hash(r))
    from evidence_reviews r, ctx
    where r.reviewed_at < ctx.as_of_end
    group by r.unit_id
    union all
    select f.unit_id, 'evidence_files', count(*), bit_xor(hash(f))
    from evidence_files f, ctx
    where f.uploaded_at < ctx.as_of_end
    group by f.unit_id
    union all
    select i.unit_id, 'request_items', count(*), bit_xor(hash(i))
    from request_items i, ctx
    where i.raised_at < ctx.as_of_end
    group by i.unit_id
    union all
    -- a sighting and an event belong to the unit that raised the item (the row of requests and of
    -- red_flags rule 5 is that unit's), whichever office the event assigns it to
    select i.unit_id, 'request_sightings', count(*), bit_xor(hash(s.request_id, s.batch_id))
    from request_sightings s
    join report_batches b on b.batch_id = s.batch_id
    join request_items i on i.request_id = s.request_id, ctx
    where b.uploaded_at < ctx.as_of_end
    group by i.unit_id
    union all
    select i.unit_id, 'request_events', count(*), bit_xor(hash(e))
    from request_events e
    join request_items i on i.request_id = e.request_id, ctx
    where e.acted_at < ctx.as_of_end
    group by i.unit_id
),

final as (
    select unit_id, md5(string_agg(part || ':' || n || ':' || h, '|' order by part)) as fingerprint
    from parts
    group by unit_id
)

select * from final
