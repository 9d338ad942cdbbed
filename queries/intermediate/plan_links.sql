-- grain: child_id, position
-- columns: child_id, position, parent_ref, parent_id, match_count
--
-- Which document each plan or document implements: every entry of `implements` (a document
-- number as written, or a plan id) resolved to one node of stg_documents. A parent is of the
-- child's tier or above, and a commune-level parent only of the child's own commune (two wards'
-- "02-KH/BCĐ" are not each other's parent). parent_id is null when the number matches nothing
-- (match_count 0) or more than one node (match_count > 1): catalogue_findings reports both.
with nodes as (
    select * from stg_documents
),

refs as (
    select
        n.node_id as child_id, n.tier as child_tier, n.issuer_unit_id as child_unit,
        r.position, trim(n.implements[r.position]) as parent_ref
    from nodes n
    cross join lateral (select unnest(generate_series(1, len(n.implements))) as position) r
),

candidates as (
    select r.child_id, r.position, p.node_id as parent_id
    from refs r
    join nodes p
      on (p.node_id = r.parent_ref or p.doc_key = doc_key(r.parent_ref))
     and p.node_id <> r.child_id
     and p.tier <= r.child_tier
     and (p.tier < 3 or p.issuer_unit_id = r.child_unit)
),

counted as (
    select child_id, position, count(distinct parent_id) as match_count, min(parent_id) as parent_id
    from candidates
    group by child_id, position
),

final as (
    select
        r.child_id,
        r.position,
        r.parent_ref,
        case when c.match_count = 1 then c.parent_id end as parent_id,
        coalesce(c.match_count, 0)                       as match_count
    from refs r
    left join counted c using (child_id, position)
)

select * from final
