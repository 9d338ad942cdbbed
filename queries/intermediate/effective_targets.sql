-- grain: unit_id, kpi_id, horizon
-- columns: target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit,
--   per_year, due_date, target_text, item_no, item_text, lead_office, lead_units, target_source,
--   target_source_label, via_plan_id, assumption_id
-- accepted: target_source = target_source
--
-- The targets each unit is held to (the rule: effective_target_facts). Read from target_store
-- while the catalogue is unchanged since they were stored (nq57/kpi_store.py keeps them after every
-- write); computed otherwise. Under unit_scope, only those units' targets.
with computed as (
    -- none when every store holds (stores_trusted): then pruned from the plan
    select * from effective_target_facts where not stores_trusted()
),

store as (
    select * from stg_target_store where in_unit_scope(unit_id)
),

stored as (
    -- a reader that found every store holding (kpi_stores_hold) hashes no catalogue again (two
    -- branches: DuckDB prunes a branch whose filter is a false constant, not half of an OR)
    select * from store where stores_trusted()
    union all
    select * from store where not stores_trusted() and (select is_fresh from target_store_fresh)
),

final as (
    select * from computed
    union all by name
    select * from stored
)

select * from final
