-- grain: unit_id, kpi_id, horizon
-- columns: target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit,
--   per_year, due_date, target_text, item_no, item_text, lead_office, lead_units, target_source,
--   target_source_label
--
-- The targets each unit is held to: its own plan's targets, and for every commune/ward the
-- province-wide targets (02-KH/BCĐ) for any KPI and horizon it has no target of its own for.
with targets as (
    select * from stg_targets
),

units as (
    select unit_id, is_commune_level from stg_units
),

plans as (
    select plan_id, doc_number, issuer_name from plans
),

own as (
    select t.*, 'own' as target_source
    from targets t
),

inherited as (
    select t.* replace (u.unit_id as unit_id), 'province' as target_source
    from targets t
    join units u on u.is_commune_level
    where t.unit_id = 'dong-nai'
      and not exists (
          select 1 from targets o
          where o.unit_id = u.unit_id and o.kpi_id = t.kpi_id and o.horizon = t.horizon
      )
),

final as (
    select
        x.*,
        case x.target_source
            when 'own' then 'Kế hoạch ' || coalesce(nullif(p.doc_number, ''), p.plan_id) || ' (' || p.issuer_name || ')'
            else 'Chỉ tiêu chung của tỉnh theo ' || coalesce(nullif(p.doc_number, ''), p.plan_id)
        end as target_source_label
    from (select * from own union all by name select * from inherited) x
    left join plans p using (plan_id)
)

select * from final
