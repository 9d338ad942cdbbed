-- grain: one row
-- columns: is_fresh
--
-- Whether the stored targets (target_store) are what effective_target_facts gives now: stored
-- from the catalogue as it hashes now (catalogue_fingerprint: plans, targets, documents, labels …).
with stored as (
    select * from stg_target_store_state
),

final as (
    select count(*) > 0 as is_fresh
    from stored s
    join catalogue_fingerprint c on c.fingerprint = s.fingerprint
)

select * from final
