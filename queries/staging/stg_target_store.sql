-- grain: unit_id, kpi_id, horizon
-- columns: target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit,
--   per_year, due_date, target_text, item_no, item_text, lead_office, lead_units, target_source,
--   target_source_label, via_plan_id, assumption_id
--
-- Staging: the stored targets each unit is held to (nq57/kpi_store.py).
with target_store as (
    select * from target_store
),

final as (
    select target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit,
           per_year, due_date, target_text, item_no, item_text, lead_office, lead_units, target_source,
           target_source_label, via_plan_id, assumption_id
    from target_store
)

select * from final
