-- grain: one row
-- columns: holds
--
-- Whether every store nq57/kpi_store.py keeps holds on the as-of date: every unit's stored rows
-- (kpi_store_fresh_units: no unit has reports that differ from what was stored, or stored rows but
-- no reports any more, and none changed anything after the end of that day) and the stored
-- targets (target_store_fresh: the catalogue is unchanged since). nq57/kpi_store.trusted reads it
-- before a view that reads the stores and, when true, lets the views skip their paths from the
-- facts and the catalogue's hash (stores_trusted).
with ctx as (
    select * from as_of_context
),

changed_after as (
    -- a unit stored as it is now but changed after the end of the as-of day
    select h.unit_id
    from kpi_store_hashes h, ctx
    where h.changed_at >= ctx.as_of_end
),

targets as (
    select * from target_store_fresh
),

final as (
    select not exists (select 1 from kpi_store_stale_units)
           and not exists (select 1 from changed_after)
           and (select is_fresh from targets) as holds
)

select * from final
