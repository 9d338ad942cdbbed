-- grain: kpi_id, plan_id
-- columns: kpi_id, plan_id, reviewed_note
--
-- Staging: KPIs shared by plans whose wording differs, reviewed as meaning the same.
with kpi_merges as (
    select * from kpi_merges
),

final as (
    select kpi_id, plan_id, reviewed_note
    from kpi_merges
)

select * from final
