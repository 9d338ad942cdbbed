-- grain: plan_id
-- columns: plan_id, issuer_unit_id, issuer_name, doc_number, issued_on, title, implements,
--   report_cycle, level, issued_not_before
--
-- Staging: the plans (transcribed or imported), renamed for the views (rename and cast only).
with plans as (
    select * from plans
),

final as (
    select
        plan_id, issuer_unit_id, issuer_name,
        doc_number,
        issued_on, title, implements, report_cycle, level, issued_not_before
    from plans
)

select * from final
