-- grain: request_id, batch_id
-- columns: request_id, batch_id
--
-- Staging: every report batch that carried a difficulty or request.
with request_sightings as (
    select * from request_sightings
),

final as (
    select request_id, batch_id
    from request_sightings
)

select * from final
