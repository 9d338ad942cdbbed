-- grain: one row
-- columns: fingerprint
--
-- One hash of everything the views' answer for the as-of date depends on: the catalogue and
-- settings as they are now (catalogue_fingerprint), and each unit's reports, rollbacks, reviews,
-- evidence files and requests dated before the end of the as-of day (unit_fingerprints). A stored
-- snapshot (nq57/snapshots.py) is read only while this hash is unchanged, so a commit today leaves the
-- snapshots of past month ends valid; built from the two parts, it moves whenever either does.
with catalogue as (
    select fingerprint from catalogue_fingerprint
),

units as (
    select string_agg(unit_id || ':' || fingerprint, '|' order by unit_id) as fingerprints
    from unit_fingerprints
),

final as (
    select md5(c.fingerprint || '|' || coalesce(u.fingerprints, '')) as fingerprint
    from catalogue c, units u
)

select * from final
