-- grain: batch_id, kpi_id
-- columns: unit_id, kpi_id, period, batch_id, uploaded_at, is_demo, value, numerator, denominator,
--   evidence_ref, note
--
-- KPI values from the batches in force, with ratio KPIs turned into a percentage when only
-- numerator and denominator were reported.
with vals as (
    select * from stg_kpi_values
),

batches as (
    select batch_id, uploaded_at, is_demo from current_batches
),

kpis as (
    select kpi_id, is_ratio from stg_kpis
),

final as (
    select
        v.unit_id,
        v.kpi_id,
        v.period,
        v.batch_id,
        b.uploaded_at,
        b.is_demo,
        coalesce(
            v.value,
            case when k.is_ratio and v.denominator > 0 then 100.0 * v.numerator / v.denominator end
        ) as value,
        v.numerator,
        v.denominator,
        v.evidence_ref,
        v.note
    from vals v
    join batches b using (batch_id)
    left join kpis k using (kpi_id)
)

select * from final
