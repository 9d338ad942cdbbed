-- grain: unit_id
-- columns: unit_id, unit_name, unit_kind, unit_kind_label, is_commune_level, parent_id, office_code,
--   report_cycle, sort_order
-- accepted: unit_kind = unit_kind
--
-- Staging: units, renamed for the views (rename and cast only).
with units as (
    select * from units
),

kinds as (
    select * from labels_of('unit_kind')
),

final as (
    select
        u.unit_id,
        u.name                       as unit_name,
        u.kind                       as unit_kind,
        k.label                      as unit_kind_label,
        is_commune_level(u.kind)     as is_commune_level,
        u.parent_id,
        u.office_code,
        u.report_cycle,
        u.sort_order
    from units u
    left join kinds k on k.code = u.kind
)

select * from final
