-- Storage tables. Created idempotently by `python -m nq57 init`; views live in their own files.
-- Report rows are never updated or deleted: a newer batch for the same unit and period supersedes
-- an older one, and a rollback only stamps the batch, so every version stays in history.

create table if not exists settings (
    key         varchar primary key,
    value       varchar not null,
    description varchar
);

create table if not exists units (
    unit_id     varchar primary key,   -- stable slug: 'xa-nha-bich', 'xa-nha-bich/phong-vhxh', 'dong-nai/so-khcn'
    name        varchar not null,
    kind        varchar not null,      -- province | ward | commune | department | office
    parent_id   varchar,
    office_code varchar,               -- for offices and departments: the shared office code
    report_cycle varchar not null default 'monthly',  -- monthly | quarterly
    sort_order  integer
);

create table if not exists office_aliases (
    alias_key   varchar primary key,   -- fold_diacritics(alias): how a typed name is matched
    alias       varchar not null,
    office_code varchar not null,
    office_name varchar not null,
    level       varchar not null       -- commune | province
);

create table if not exists plans (
    plan_id        varchar primary key,
    issuer_unit_id varchar not null,
    issuer_name    varchar not null,
    doc_number     varchar,
    issued_on      date,
    title          varchar not null,
    implements     varchar[],
    report_cycle   varchar not null,
    source_file    varchar,
    level          varchar,
    issued_not_before date
);

create table if not exists tasks (
    task_id         varchar primary key,  -- plan_id || ':' || task_no
    plan_id         varchar not null,
    task_no         varchar not null,
    sort_order      integer not null,
    group_no        varchar,
    group_title     varchar,
    content         varchar not null,
    detail          varchar,
    lead_text       varchar,
    lead_units      varchar[],            -- office codes
    coord_text      varchar,
    coord_units     varchar[],
    expected_output varchar,
    deadline_text   varchar,
    deadline_kind   varchar not null,     -- date | recurring | conditional | unknown
    due_date        date,
    start_date      date,
    recurrence      varchar,
    deadline_note   varchar,
    is_key_task     boolean not null default false
);

-- Which units answer for a task: the issuing commune for its own plan, or the province
-- departments / every commune ("địa phương") named as lead in the province plan.
create table if not exists task_units (
    task_id        varchar not null,
    unit_id        varchar not null,
    lead_office_id varchar,              -- the office inside the unit that leads it, when one is named
    primary key (task_id, unit_id)
);

create table if not exists kpis (
    kpi_id            varchar primary key,
    name              varchar not null,
    unit_of_measure   varchar,
    direction         varchar not null,  -- higher | lower | rank
    kind              varchar not null,  -- level | flow
    is_ratio          boolean not null default false,
    numerator_label   varchar,
    denominator_label varchar
);

create sequence if not exists target_id_seq;
create table if not exists targets (
    target_id    integer primary key default nextval('target_id_seq'),
    plan_id      varchar not null,
    unit_id      varchar not null,       -- 'dong-nai' = province-wide, inherited by units without their own
    kpi_id       varchar not null,
    horizon      integer not null,       -- 2025 | 2026 | 2030 | 2045
    comparator   varchar,                -- >= > = <= < rank<= ; null for a qualitative objective
    target_value double,
    target_unit  varchar,
    per_year     boolean not null default false,
    due_date     date not null,
    raw_text     varchar,
    item_no      varchar,
    item_text    varchar,
    lead_text    varchar,
    lead_units   varchar[],
    assumption_id varchar
);

create sequence if not exists batch_id_seq;
create table if not exists report_batches (
    batch_id       integer primary key default nextval('batch_id_seq'),
    unit_id        varchar not null,
    period         date not null,        -- first day of the reporting month (or quarter)
    file_name      varchar,
    sha256         varchar,
    uploaded_by    varchar not null,
    uploaded_at    timestamp not null,
    source         varchar not null,     -- upload | seed | demo
    is_demo        boolean not null default false,
    row_count      integer not null default 0,
    rolled_back_at timestamp,
    rolled_back_by varchar
);

create table if not exists kpi_values (
    batch_id     integer not null,
    unit_id      varchar not null,
    kpi_id       varchar not null,
    period       date not null,
    value        double,
    numerator    double,
    denominator  double,
    evidence_ref varchar,
    note         varchar,
    primary key (batch_id, unit_id, kpi_id)
);

create table if not exists task_updates (
    batch_id         integer not null,
    unit_id          varchar not null,
    task_id          varchar not null,
    period           date not null,
    status           varchar not null,   -- chua_thuc_hien | dang_thuc_hien | hoan_thanh
    percent_complete double,
    evidence_ref     varchar,
    difficulties     varchar,
    requests         varchar,
    note             varchar,
    primary key (batch_id, unit_id, task_id)
);

create sequence if not exists review_id_seq;
create table if not exists evidence_reviews (
    review_id   integer primary key default nextval('review_id_seq'),
    batch_id    integer not null,
    unit_id     varchar not null,
    item_type   varchar not null,        -- task | kpi
    item_id     varchar not null,        -- task_id or kpi_id
    decision    varchar not null,        -- valid | invalid | insufficient
    comment     varchar,
    reviewed_by varchar not null,
    reviewed_at timestamp not null,
    is_demo     boolean not null default false
);

-- A reviewed period reopened by the secretariat (nq57/verdicts.py): the unit's account may upload
-- it again until the next verdict on it. Rows are only ever added; each has an audit row 'reopen'.
create sequence if not exists reopening_id_seq;
create table if not exists period_reopenings (
    reopening_id integer primary key default nextval('reopening_id_seq'),
    unit_id      varchar not null,
    period       date not null,           -- first day of the reporting month (or quarter)
    reopened_by  varchar not null,
    reopened_at  timestamp not null,
    reason       varchar not null
);

-- Sign-in accounts (nq57/auth.py). Passwords are stored only as argon2id hashes.
create table if not exists users (
    user_name       varchar primary key,
    display_name    varchar,
    role            varchar not null,    -- admin | secretariat | unit | reviewer | leader
    unit_id         varchar,             -- required for the unit role
    password_hash   varchar not null,
    is_disabled     boolean not null default false,
    failed_attempts integer not null default 0,
    locked_until    timestamp,
    created_at      timestamp not null,
    last_login_at   timestamp
);

-- Web sign-in sessions (nq57/web_sessions.py): the browser holds a signed random token in an
-- HttpOnly cookie; only its sha256 is stored. Revoked on sign-out, disable and password change.
create table if not exists web_sessions (
    token_hash varchar primary key,
    user_name  varchar not null,
    created_at timestamp not null,
    expires_at timestamp not null,
    revoked_at timestamp,
    client     varchar
);

-- Every sign-in attempt, stored before it is judged so that parallel guesses count each other
-- (nq57/auth.py throttles per client and name, and per client).
create sequence if not exists sign_in_attempt_seq;
create table if not exists sign_in_attempts (
    attempt_id bigint primary key default nextval('sign_in_attempt_seq'),
    "at"       timestamp not null,
    client     varchar not null,
    user_name  varchar not null,
    outcome    varchar not null   -- pending | ok | failed | throttled
);

-- Who did what and when (nq57/audit.py); rows are only ever added.
create sequence if not exists audit_id_seq;
create table if not exists audit_log (
    audit_id  bigint primary key default nextval('audit_id_seq'),
    "at"      timestamp not null,   -- quoted: AT is a keyword in DuckDB
    user_name varchar,
    action    varchar not null,          -- sign_in | sign_in_failed | upload | commit | supersede | rollback | review …
    unit_id   varchar,
    period    date,
    batch_id  integer,
    file_name varchar,
    detail    varchar
);

-- Evidence files (nq57/evidence.py): content-addressed under <database folder>/evidence/;
-- stored_path is relative to that folder. One row per file attached to an item of a batch.
create sequence if not exists evidence_id_seq;
create table if not exists evidence_files (
    evidence_id   integer primary key default nextval('evidence_id_seq'),
    sha256        varchar not null,
    size          bigint not null,
    mime_type     varchar not null,
    original_name varchar not null,
    stored_path   varchar not null,
    uploaded_by   varchar not null,
    uploaded_at   timestamp not null,
    batch_id      integer not null,
    unit_id       varchar not null,
    item_type     varchar not null,      -- task | kpi
    item_id       varchar not null
);

-- Stored answers of the expensive views for one as-of date (nq57/snapshots.py): one row per
-- snapshot here, its rows in snapshot_<view> tables (created with the views). A snapshot is read
-- only while data_fingerprint for its date is unchanged; it is a cache, safe to delete.
create sequence if not exists snapshot_id_seq;
create table if not exists view_snapshots (
    snapshot_id      integer primary key default nextval('snapshot_id_seq'),
    as_of            date not null,
    data_fingerprint varchar not null,
    built_at         timestamp not null,
    build_seconds    double,
    lake_snapshot    bigint,  -- DuckLake only: a lake snapshot at or before the fingerprint's hashing (nq57/snapshots.py)
    catalogue_fingerprint varchar,  -- what the stored rows were computed from (nq57/snapshots.py)
    unique (as_of, data_fingerprint)
);

-- The KPI values' latest and first value per unit and KPI over every batch not rolled back, and
-- each year's sums, kept after every write (nq57/kpi_store.py), so that a page asking for a date
-- after a unit's last change reads one row per KPI instead of aggregating 13 million values.
-- kpi_store_units keeps the hash of the unit's batches and of the KPI definitions the rows were
-- computed from; the views use a unit's rows only while both still match and the unit changed
-- nothing after the as-of day (kpi_store_fresh_units). A cache, safe to delete; not in
-- data_fingerprint.
create table if not exists kpi_store_units (
    -- keep this key: two refreshes of the same unit at once conflict on it and one rolls back, so
    -- the keyless cache tables below never get a unit's rows twice
    unit_id      varchar primary key,
    batches_hash varchar not null,
    kpis_hash    varchar not null,
    evidence_hash varchar
);

-- The per-unit cache tables below have no primary key: each is rewritten a unit at a time (delete,
-- then insert the view's rows, whose grain is the key), and DuckDB writes a table's key index out
-- whole at every checkpoint: 0,04-0,09 s per table at national size, at every import (DuckLake
-- has no keys either). nq57/kpi_store.py drops a keyed copy left by an older version.
create table if not exists kpi_store_values (
    unit_id         varchar not null,
    kpi_id          varchar not null,
    actual_period   date not null,
    batch_id        integer not null,
    value           double,
    numerator       double,
    denominator     double,
    evidence_ref    varchar,
    is_demo         boolean,
    baseline_value  double,
    baseline_period date
);

create table if not exists kpi_store_year_sums (
    unit_id     varchar not null,
    kpi_id      varchar not null,
    year        integer not null,
    value       double,
    numerator   double,
    denominator double
);

-- Beside them, from the same batches (and the unit's verdicts and evidence files, hashed in
-- kpi_store_units.evidence_hash): the latest task update per unit and task, and the verdict that
-- applies to each item in force (evidence_status's rows), so a date after a unit's last change
-- reads these rows instead of ranking 1,3 million task updates and every verdict again.
alter table kpi_store_units add column if not exists evidence_hash varchar;

create table if not exists task_store_latest (
    batch_id         integer not null,
    unit_id          varchar not null,
    task_id          varchar not null,
    period           date not null,
    status           varchar not null,
    percent_complete double,
    evidence_ref     varchar,
    difficulties     varchar,
    requests         varchar,
    is_demo          boolean
);

create table if not exists evidence_store (
    batch_id             integer not null,
    unit_id              varchar not null,
    item_type            varchar not null,
    item_id              varchar not null,
    decision             varchar,
    comment              varchar,
    reviewed_by          varchar,
    reviewed_at          timestamp,
    judged_batch_id      integer,
    needs_review         boolean,
    previous_decision    varchar,
    previous_comment     varchar,
    previous_reviewed_at timestamp
);

-- The targets each unit is held to (effective_targets: its own and those inherited through plan
-- lineage), kept with the catalogue fingerprint they were computed from (nq57/kpi_store.py).
-- effective_targets reads them while the catalogue still hashes the same; a cache, safe to delete.
create table if not exists target_store (
    target_id           integer,
    plan_id             varchar,
    unit_id             varchar,
    kpi_id              varchar,
    horizon             integer,
    comparator          varchar,
    target_value        double,
    target_unit         varchar,
    per_year            boolean,
    due_date            date,
    target_text         varchar,
    item_no             varchar,
    item_text           varchar,
    lead_office         varchar,
    lead_units          varchar[],
    target_source       varchar,
    target_source_label varchar,
    via_plan_id         varchar,
    assumption_id       varchar
);

create table if not exists target_store_state (
    fingerprint varchar not null  -- catalogue_fingerprint when the targets were stored
);

-- Every text a reader sees for a code, once (data/seed/labels.csv, loaded by nq57/catalogue.py):
-- red-flag rules, task/KPI/reporting statuses, grades, evidence states, unit kinds, batch states.
-- The views join it for their *_label columns; charts and the pack take colour, symbol and
-- marker from it by code (nq57/labels.py).
create table if not exists labels (
    domain      varchar not null,   -- rule | task_status | kpi_status | report_status | grade | evidence_state | unit_kind | batch_state | request_state | request_kind
    code        varchar not null,
    label       varchar not null,
    symbol      varchar,
    colour      varchar,
    marker      varchar,
    sort_order  integer not null,
    primary key (domain, code)
);

-- The chain of directives (issue #14): every document a plan cites as its basis that is not a
-- transcribed plan itself (57-NQ/TW, 71/NQ-CP, 469-KH/TU …; data/seed/documents.csv). Plans and
-- documents are the nodes of one tree; the view plan_links resolves `implements` (document
-- numbers as written) to nodes, so a number that matches nothing is a finding, never a guess.
create table if not exists documents (
    doc_id         varchar primary key,
    doc_number     varchar not null,
    issued_on      date,
    issuer_name    varchar not null,
    issuer_unit_id varchar,             -- set for province and commune documents
    level          varchar not null,    -- labels domain doc_level: tw_dang | bcd_tw | chinh_phu | tinh_uy | ubnd_tinh | bcd_tinh | xa
    title          varchar,
    implements     varchar[]
);

-- A plan's place in the chain: its level, and the earliest day it can have been issued when the
-- plan itself leaves the date blank (a document it cites, e.g. Tam Phước's Tờ trình of 23/10/2025).
-- The columns added after a table's first version are in its create statement too, and added here
-- to older databases only: DuckDB 1.5.5 cannot replay from its WAL an ALTER of a table whose
-- default calls nextval (targets), so a first start killed before its checkpoint left a database
-- that no longer opened ("Calling DatabaseManager::GetDefaultDatabase with no default database set").
alter table plans add column if not exists level varchar;
alter table plans add column if not exists issued_not_before date;

-- Which tasks move which KPI (task × KPI), from the plan text or the plan template.
create table if not exists task_kpis (
    task_id varchar not null,
    kpi_id  varchar not null,
    basis   varchar,                    -- the words of the plan that tie them
    primary key (task_id, kpi_id)
);

-- Explicit, labelled assumptions behind targets: kind 'copy' (targets of one plan also held as
-- another plan's, e.g. Bình Long's as the province steering committee's) or 'horizon' (a date
-- the plan does not state). targets.assumption_id names the one a row depends on.
create table if not exists target_assumptions (
    assumption_id varchar primary key,
    kind          varchar not null,     -- copy | horizon
    from_plan_id  varchar,
    as_plan_id    varchar,
    reason        varchar not null
);
alter table targets add column if not exists assumption_id varchar;

-- KPIs shared by plans whose wording differs, reviewed as meaning the same (data/seed/kpi_merges.csv).
create table if not exists kpi_merges (
    kpi_id        varchar not null,
    plan_id       varchar not null,
    reviewed_note varchar,
    primary key (kpi_id, plan_id)
);

-- Difficulties and requests (khó khăn, vướng mắc; kiến nghị) as items the province answers
-- (nq57/request_items.py, nq57/request_flow.py). An item is raised by a report (one per line of a
-- task's difficulties or requests cell) or entered directly; the same text in a later report of
-- the same task is a sighting of the same item, not a new one. Rows are only ever added: the
-- state on a date is read from the sightings and events (the view `requests`), so a rollback of
-- the batch that raised an item withdraws it there and keeps its history.
create sequence if not exists request_id_seq;
create table if not exists request_items (
    request_id  integer primary key default nextval('request_id_seq'),
    unit_id     varchar not null,        -- the unit that raised it
    task_id     varchar,                 -- null: entered directly without a task
    kpi_id      varchar,                 -- the task's KPI where a task–KPI link exists; null until then
    kind        varchar not null,        -- kho_khan | kien_nghi (labels domain request_kind)
    text        varchar not null,
    text_key    varchar not null,        -- request_text_key(text): how a repeated text is recognised
    period      date not null,           -- the reporting period it was first raised for
    raised_by   varchar not null,
    raised_at   timestamp not null,
    source      varchar not null,        -- report | direct
    batch_id    integer,                 -- the batch that raised it (source report)
    is_demo     boolean not null default false
);

-- Every batch that carried an item (the first one too): the item is alive while one of them is in force.
create table if not exists request_sightings (
    request_id integer not null,
    batch_id   integer not null,
    primary key (request_id, batch_id)
);

-- The life cycle after raising: assign (to an office or department), answer, close, reopen.
create sequence if not exists request_event_id_seq;
create table if not exists request_events (
    event_id     integer primary key default nextval('request_event_id_seq'),
    request_id   integer not null,
    action       varchar not null,       -- assign | answer | close | reopen
    office_id    varchar,                -- assign: the unit_id of the office or department
    body         varchar,                -- answer: the answer; reopen: why
    document_ref varchar,                -- answer: an optional document reference
    acted_by     varchar not null,
    acted_at     timestamp not null,
    is_demo      boolean not null default false
);

-- What the first start of an empty database still has to make (nq57/first_start.py): a row while
-- the demo reports and the stored snapshots are made in the background after the real plans are
-- loaded, deleted when they are done. A start that finds the row (the server stopped half-way)
-- makes them again; the demo replaces its own rows, so that is safe. Not in data_fingerprint.
create table if not exists first_start_pending (
    step  varchar primary key,           -- 'demo': demo reports, then the pages' snapshots
    since timestamp not null
);
