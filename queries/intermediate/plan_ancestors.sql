-- grain: node_id, ancestor_id
-- columns: node_id, ancestor_id, depth, longest_depth
--
-- Every document above a plan or document in the chain, directly (depth 1) or up the chain:
-- depth is the nearest way (inheritance takes the nearest plan), longest_depth the longest (it
-- places a node in the drawn tree). The walk stops at 12 steps, so a cycle (a document
-- implementing itself) ends and shows as node_id = ancestor_id: an error in catalogue_findings.
with recursive links as materialized (
    -- resolved once: the recursive step would otherwise resolve every document number again on
    -- each of its steps
    select child_id, parent_id from plan_links where parent_id is not null
),

walk as (
    select child_id as node_id, parent_id as ancestor_id, 1 as depth
    from links
    union
    select w.node_id, l.parent_id, w.depth + 1
    from walk w
    join links l on l.child_id = w.ancestor_id
    where w.depth < 12
),

final as (
    select node_id, ancestor_id, min(depth) as depth, max(depth) as longest_depth
    from walk
    group by node_id, ancestor_id
)

select * from final
