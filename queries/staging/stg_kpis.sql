-- grain: kpi_id
-- columns: kpi_id, kpi_name, unit_of_measure, direction, kpi_kind, is_ratio, numerator_label,
--   denominator_label
--
-- Staging: the KPI catalogue, renamed for the views (rename and cast only).
with kpis as (
    select * from kpis
),

final as (
    select
        kpi_id,
        name   as kpi_name,
        unit_of_measure,
        direction,
        kind   as kpi_kind,
        is_ratio,
        numerator_label,
        denominator_label
    from kpis
)

select * from final
