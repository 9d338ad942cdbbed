-- grain: unit_id, kpi_id, horizon
-- columns: unit_id, kpi_id, horizon, target_label
--
-- How each target a unit is held to reads on a chart ('≥ 80%', 'Tốp 25', 'định tính'): the
-- target_label macro, once, so a page never words a comparator itself (the unit profile's KPI
-- bullets and trajectories).
with targets as (
    select * from effective_targets
),

kpis as (
    select kpi_id, unit_of_measure from stg_kpis
),

final as (
    select
        t.unit_id,
        t.kpi_id,
        t.horizon,
        target_label(t.comparator, t.target_value, k.unit_of_measure) as target_label
    from targets t
    left join kpis k using (kpi_id)
)

select * from final
