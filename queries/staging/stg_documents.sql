-- grain: node_id
-- columns: node_id, doc_number, doc_key, doc_label, issued_on, issued_not_before, issuer_name,
--   issuer_unit_id, level, level_label, level_order, tier, title, plan_id, implements, source_file
-- accepted: level = doc_level
--
-- Staging: every node of the chain of directives — the transcribed or imported plans and the
-- documents they cite (57-NQ/TW, 71/NQ-CP, 469-KH/TU …) — with its level in the chain.
-- A plan without a level (imported before levels existed) is the province's or a commune's by
-- its issuer.
with plans as (
    select * from plans
),

documents as (
    select * from documents
),

nodes as (
    select
        plan_id as node_id, nullif(trim(doc_number), '') as doc_number, issued_on, issued_not_before,
        issuer_name, issuer_unit_id,
        coalesce(level, case when issuer_unit_id = 'dong-nai' then 'ubnd_tinh' else 'xa' end) as level,
        title, plan_id, implements, source_file
    from plans
    union all
    select doc_id, doc_number, issued_on, null::date, issuer_name, issuer_unit_id, level, title, null, implements,
           null
    from documents
),

final as (
    select
        n.node_id,
        n.doc_number,
        doc_key(n.doc_number)                         as doc_key,
        coalesce(n.doc_number, n.node_id)             as doc_label,
        n.issued_on,
        n.issued_not_before,
        n.issuer_name,
        n.issuer_unit_id,
        n.level,
        l.label                                       as level_label,
        l.sort_order                                  as level_order,
        doc_tier(n.level)                             as tier,
        n.title,
        n.plan_id,
        coalesce(n.implements, [])                    as implements,
        n.source_file
    from nodes n
    left join labels_of('doc_level') l on l.code = n.level
)

select * from final
