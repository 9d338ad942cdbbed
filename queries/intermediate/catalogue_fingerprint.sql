-- grain: one row
-- columns: fingerprint
--
-- One hash of what every unit's figures depend on alike: the catalogue, the settings and the
-- labels as they are now. When it changes, the stored answers (nq57/snapshots.py) are rebuilt
-- whole; when only unit_fingerprints change, only those units' rows are recomputed.
with parts as (
    select 'settings' as part, count(*) as n, bit_xor(hash(s)) as h from settings s
    union all select 'units', count(*), bit_xor(hash(u)) from units u
    union all select 'office_aliases', count(*), bit_xor(hash(a)) from office_aliases a
    union all select 'plans', count(*), bit_xor(hash(p)) from plans p
    union all select 'tasks', count(*), bit_xor(hash(t)) from tasks t
    union all select 'task_units', count(*), bit_xor(hash(tu)) from task_units tu
    union all select 'kpis', count(*), bit_xor(hash(k)) from kpis k
    union all select 'targets', count(*), bit_xor(hash(tg)) from targets tg
    union all select 'labels', count(*), bit_xor(hash(lb)) from labels lb
    union all select 'documents', count(*), bit_xor(hash(d)) from documents d
    union all select 'task_kpis', count(*), bit_xor(hash(tk)) from task_kpis tk
    union all select 'target_assumptions', count(*), bit_xor(hash(ta)) from target_assumptions ta
    union all select 'kpi_merges', count(*), bit_xor(hash(km)) from kpi_merges km
),

final as (
    select md5(string_agg(part || ':' || n || ':' || coalesce(h, 0), '|' order by part)) as fingerprint
    from parts
)

select * from final
