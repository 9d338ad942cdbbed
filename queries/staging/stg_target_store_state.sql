-- grain: one row
-- columns: fingerprint
--
-- Staging: the catalogue fingerprint the stored targets were computed from (nq57/kpi_store.py).
with target_store_state as (
    select * from target_store_state
),

final as (
    select fingerprint
    from target_store_state
)

select * from final
