-- grain: plan_id
-- columns: plan_id, plan_label
--
-- The one name a reader sees for a plan, never its internal id: "KH", the issuing unit and the
-- document number, else the date it was issued ("KH xã Nha Bích", "KH phường Bình Long
-- 02-KH/BCĐ", "KH tỉnh Đồng Nai ngày 29/06/2025"); the unit is named because two wards' plans
-- may share a number. plan_lineage, target_source_label and the unit profile read it.
with nodes as (
    select * from stg_documents where plan_id is not null
),

units as (
    select * from stg_units
),

final as (
    select
        n.plan_id,
        'KH ' || coalesce(u.unit_name, n.issuer_name)
            || coalesce(' ' || n.doc_number, ' ngày ' || vn_date(n.issued_on), '') as plan_label
    from nodes n
    left join units u on u.unit_id = n.issuer_unit_id
)

select * from final
