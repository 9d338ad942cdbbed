-- grain: unit_id, task_id
-- columns: batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, difficulties,
--   requests, is_demo
--
-- Per unit and task, the newest update in force on the as-of date (the rule: task_update_facts).
-- A unit that changed nothing after the as-of day has its rows read from task_store_latest (kept
-- after every write by nq57/kpi_store.py); the others' are computed.
with computed as (
    -- none when every unit's stores hold (stores_trusted): then pruned from the plan
    select * from task_update_facts where not stores_trusted()
),

stored as (
    select s.*
    from stg_task_store_latest s
    where s.unit_id in (select unit_id from kpi_store_fresh_units) and in_unit_scope(s.unit_id)
),

final as (
    select * from computed
    union all by name
    select * from stored
)

select * from final
