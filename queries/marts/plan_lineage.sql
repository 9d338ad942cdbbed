-- grain: node_id, parent_id
-- columns: node_id, parent_id, parent_ref, doc_number, doc_label, node_label, title, issuer_name,
--   issuer_unit_id, level, level_label, level_order, issued_on, plan_id, is_plan, depth,
--   tasks_total, task_rows_due, task_rows_done, completion_rate, targets_total, kpis_evaluated,
--   kpis_on_track, kpi_on_track_rate, as_of
-- accepted: level = doc_level
--
-- Contract view. The chain of directives from Resolution 57 down to every commune's plan: one row
-- per document and each document it implements (parent_id null for the top, 57-NQ/TW). depth is
-- the longest way up to the top (0 for the top), which is how the tree is drawn. For a plan:
-- its tasks and targets, how many unit × task rows are due and done by the as-of date, and how
-- many targets (own or inherited, current horizon) are evaluated and on track. node_label names a
-- node to a reader: the number of a document; a plan's plan_label ("KH" and the issuing unit with
-- the number or the date), since two wards' plans may share a number.
with ctx as (
    select * from as_of_context
),

nodes as (
    select * from stg_documents
),

links as (
    select * from plan_links where parent_id is not null
),

heights as (
    select node_id, max(longest_depth) as depth from plan_ancestors group by node_id
),

tasks as (
    select plan_id, count(*) as tasks_total from stg_tasks group by plan_id
),

task_rows as (
    select
        plan_id,
        count(*) filter (where is_due)                 as task_rows_due,
        count(*) filter (where is_due and is_done)     as task_rows_done
    from task_progress
    where unit_id <> 'dong-nai'
    group by plan_id
),

targets as (
    select plan_id, count(*) as targets_total from stg_targets group by plan_id
),

kpi_rows as (
    select
        plan_id,
        count(*) filter (where comparator is not null)                 as kpis_evaluated,
        count(*) filter (where comparator is not null and is_on_track) as kpis_on_track
    from kpi_progress
    where is_current_horizon and unit_id <> 'dong-nai'
    group by plan_id
),

final as (
    select
        n.node_id,
        l.parent_id,
        l.parent_ref,
        n.doc_number,
        n.doc_label,
        coalesce(pl.plan_label, n.doc_label)                           as node_label,
        n.title,
        n.issuer_name,
        n.issuer_unit_id,
        n.level,
        n.level_label,
        n.level_order,
        n.issued_on,
        n.plan_id,
        n.plan_id is not null                                          as is_plan,
        coalesce(h.depth, 0)                                           as depth,
        coalesce(t.tasks_total, 0)                                     as tasks_total,
        coalesce(r.task_rows_due, 0)                                   as task_rows_due,
        coalesce(r.task_rows_done, 0)                                  as task_rows_done,
        r.task_rows_done / nullif(r.task_rows_due, 0)                  as completion_rate,
        coalesce(g.targets_total, 0)                                   as targets_total,
        coalesce(k.kpis_evaluated, 0)                                  as kpis_evaluated,
        coalesce(k.kpis_on_track, 0)                                   as kpis_on_track,
        k.kpis_on_track / nullif(k.kpis_evaluated, 0)                  as kpi_on_track_rate,
        ctx.as_of
    from nodes n
    left join links l on l.child_id = n.node_id
    left join heights h on h.node_id = n.node_id
    left join tasks t on t.plan_id = n.plan_id
    left join task_rows r on r.plan_id = n.plan_id
    left join targets g on g.plan_id = n.plan_id
    left join kpi_rows k on k.plan_id = n.plan_id
    left join plan_labels pl on pl.plan_id = n.plan_id
    cross join ctx
)

select * from final
