-- grain: assumption_id
-- columns: assumption_id, kind, from_plan_id, as_plan_id, reason
--
-- Staging: the labelled assumptions some targets rest on (a copied plan, a horizon the plan does not state).
with target_assumptions as (
    select * from target_assumptions
),

final as (
    select assumption_id, kind, from_plan_id, as_plan_id, reason
    from target_assumptions
)

select * from final
