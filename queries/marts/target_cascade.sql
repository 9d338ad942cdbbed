-- grain: kpi_id, horizon, unit_id
-- columns: kpi_id, kpi_name, unit_of_measure, horizon, source_level, source_level_label,
--   source_level_order, is_top_level, plan_id, source_doc_label, unit_id, unit_name, unit_kind,
--   target_source, target_source_label, comparator, target_value, target_text, target_label, due_date,
--   actual_value, actual_period, expected_value, progress_ratio, status, status_label, as_of
-- accepted: status = kpi_status, source_level = doc_level, target_source = target_source,
--   comparator = comparator
--
-- Contract view. One KPI from the highest level that sets it down to every unit held to it:
-- for each KPI and horizon, every unit's target (own, inherited or assumed, with the plan and
-- level it comes from) beside its actual value and status, as kpi_progress computes them.
-- is_top_level marks the rows whose target comes from the highest level that sets one.
with progress as (
    select * from kpi_progress
),

nodes as (
    select * from stg_documents
),

sourced as (
    select
        p.*,
        n.level       as source_level,
        n.level_label as source_level_label,
        n.level_order as source_level_order,
        n.doc_label   as source_doc_label
    from progress p
    left join nodes n on n.node_id = p.plan_id
),

final as (
    select
        kpi_id, kpi_name, unit_of_measure, horizon,
        source_level, source_level_label, source_level_order,
        source_level_order = min(source_level_order) over (partition by kpi_id, horizon) as is_top_level,
        plan_id, source_doc_label,
        unit_id, unit_name, unit_kind,
        target_source, target_source_label,
        comparator, target_value, target_text,
        target_label(comparator, target_value, unit_of_measure) as target_label,
        due_date,
        actual_value, actual_period, expected_value, progress_ratio, status, status_label,
        as_of
    from sourced
)

select * from final
