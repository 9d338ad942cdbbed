-- grain: target_id
-- columns: target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit,
--   per_year, due_date, target_text, item_no, item_text, lead_office, lead_units, assumption_id
--
-- Staging: plan targets, renamed for the views (rename and cast only).
with targets as (
    select * from targets
),

final as (
    select
        target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit,
        per_year, due_date,
        raw_text   as target_text,
        item_no, item_text,
        lead_text  as lead_office,
        lead_units,
        assumption_id
    from targets
)

select * from final
