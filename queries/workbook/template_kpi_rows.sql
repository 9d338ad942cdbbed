-- Rows of the KPI sheet of a report template: every KPI a unit is held to, its targets as text,
-- and the last value reported before the period. Parameters: $period (first day), $units (list).
with units as (
    select unit_id, unit_name, sort_order from stg_units where list_contains($units, unit_id)
),

targets as (
    select
        unit_id,
        kpi_id,
        string_agg(horizon || ': ' || target_label(comparator, target_value, t.unit_of_measure), '; ' order by horizon) as target
    from (select e.*, k.unit_of_measure from effective_targets e join kpis k using (kpi_id)) t
    where comparator is not null
    group by unit_id, kpi_id
),

previous as (
    select unit_id, kpi_id, arg_max(value, (period, uploaded_at)) as previous_value
    from current_kpi_values
    where period < $period::date
    group by unit_id, kpi_id
),

final as (
    select
        u.unit_id,
        u.unit_name,
        k.kpi_id,
        k.name as kpi_name,
        k.unit_of_measure,
        k.is_ratio,
        t.target,
        p.previous_value
    from targets t
    join units u using (unit_id)
    join kpis k using (kpi_id)
    left join previous p using (unit_id, kpi_id)
    order by u.sort_order, k.kpi_id
)

select * from final
