-- Small helpers shared by the views.

-- A setting from the settings table (one place for the report deadline, score weights, ...).
create or replace macro setting(k) as (select value from settings where key = k);

-- Vietnamese number format: 1.234,5 (dot groups thousands, comma marks decimals).
create or replace macro vn_num(x, decimals) as
    translate(format('{:,.' || decimals || 'f}', x::double), ',.', '.,');

-- dd/mm/yyyy and mm/yyyy, the formats officials read.
create or replace macro vn_date(d) as strftime(d::date, '%d/%m/%Y');
create or replace macro vn_period(d) as strftime(d::date, '%m/%Y');
create or replace macro vn_quarter(d) as
    'Quý ' || ['I', 'II', 'III', 'IV'][quarter(d::date)] || '/' || year(d::date);

-- Report deadline of a period: the Nth of the next month for monthly units; quarterly units
-- report by the Nth of the quarter's last month (Tam Phước's rule). N is a setting.
create or replace macro report_deadline(period, cycle) as
    case when cycle = 'quarterly'
         then (date_trunc('quarter', period) + interval 2 month)::date
         else (period + interval 1 month)::date
    end + (setting('report_deadline_day')::integer - 1);

-- A number without useless decimals: 80 -> '80', 2.5 -> '2,5'.
create or replace macro vn_num_auto(x) as
    case when x is null then '—'
         when x::double = round(x::double) then vn_num(x, 0)
         else vn_num(x, 1) end;

-- A number and its unit of measure as a sentence writes them: "95,6%", "12 người", "3 DN"; a rank
-- or a count without a unit alone. A unit the plans capitalise as a header ("Người") is written
-- in lower case; an abbreviation ("DN", "TTHC") as it is.
create or replace macro with_unit(number_text, uom) as
    number_text || case
        when coalesce(uom, '') in ('', 'Thứ bậc') then ''
        when uom = '%' then '%'
        when regexp_matches(uom, '^\p{Lu}\p{Ll}') then ' ' || lower(left(uom, 1)) || substr(uom, 2)
        else ' ' || uom
    end;

-- How a target reads in a sentence: '≥ 80%', 'Tốp 25'.
create or replace macro target_label(comparator, target_value, uom) as
    case
        when comparator is null then 'định tính'
        when comparator = 'rank<=' then 'Tốp ' || vn_num_auto(target_value)
        else replace(replace(replace(comparator, '>=', '≥'), '<=', '≤'), '=', '')
             || case when comparator = '=' then '' else ' ' end
             || with_unit(vn_num_auto(target_value), uom)
    end;

-- An evidence reference as compared between two uploads of one item: Unicode NFC, no case, one
-- space between words. A verdict is given on this text and the hashes of the attached files.
create or replace macro evidence_text(ref) as
    coalesce(lower(regexp_replace(trim(nfc_normalize(ref)), '\s+', ' ', 'g')), '');

-- Rule 2's threshold: below this share of what the schedule expects is a red flag (0.5 = 50%).
-- Also the line between "Chậm" and "Cảnh báo đỏ" for KPIs. One setting.
create or replace macro behind_ratio() as setting('behind_schedule_ratio')::double;

-- The grade of a score: A–D from the settings' minimum scores, else E.
create or replace macro grade_of(score) as
    case
        when score >= setting('grade_a_min_score')::double then 'A'
        when score >= setting('grade_b_min_score')::double then 'B'
        when score >= setting('grade_c_min_score')::double then 'C'
        when score >= setting('grade_d_min_score')::double then 'D'
        else 'E'
    end;

-- The state of the evidence behind an item reported done or met (tasks and KPIs alike):
-- claims_done: the unit says it is done/met; required: evidence is asked for (not for the
-- province roll-up); needs_review: judged before but the evidence changed since.
create or replace macro evidence_state(claims_done, required, ref, needs_review, decision) as
    case
        when not coalesce(claims_done, false) then 'khong_yeu_cau'
        when required and nullif(trim(ref), '') is null then 'thieu_minh_chung'
        when needs_review then 'cho_tham_dinh_lai'
        when decision is null then 'cho_tham_dinh'
        when decision = 'valid' then 'hop_le'
        when decision = 'invalid' then 'khong_hop_le'
        else 'thieu_chat_luong'
    end;

-- The labels of one domain (the labels table, data/seed/labels.csv), to join on code.
create or replace macro labels_of(d) as table
    select code, label, symbol, colour, marker, sort_order from labels where domain = d;

-- Who did something, in words: a system actor by its label (labels domain actor: 'system:cli',
-- 'system:plan', 'demo'), an account by its name.
create or replace macro actor_label(actor) as
    -- an alias no caller uses, so an argument written with its caller's alias is never captured here
    -- (an account by its user name, not its display name: History is open to readers who are not
    -- signed in, and a person's full name is for signed-in readers)
    coalesce((select actor_labels.label from labels actor_labels
              where actor_labels.domain = 'actor' and actor_labels.code = actor), actor);

-- A commune or ward: the 95 units the province scores, and the scope of every scorecard.
create or replace macro is_commune_level(kind) as kind in ('ward', 'commune');

-- The numbers of the red-flag rules a row breaks, from its breaks_rule_1..3 columns (red_flags
-- unnests it: one flag per rule broken).
create or replace macro broken_rules(rule_1, rule_2, rule_3) as
    list_filter([case when rule_1 then 1 end, case when rule_2 then 2 end, case when rule_3 then 3 end],
                lambda r: r is not null);

-- A document number as compared between plans: no "Số", no spaces, Unicode NFC, lower case, and
-- the Vietnamese đ folded, so "Số 02 -KH/BCĐ" and "02-KH/BCĐ" are one number.
create or replace macro doc_key(n) as
    replace(regexp_replace(lower(nfc_normalize(trim(n))), '^số\s*|\s+', '', 'g'), 'đ', 'd');

-- The tier of a level in the chain: 1 central, 2 province, 3 commune. A plan implements documents
-- of its own tier or above; a commune's own documents only within that commune.
create or replace macro doc_tier(level) as
    case when level in ('tw_dang', 'bcd_tw', 'chinh_phu') then 1
         when level in ('tinh_uy', 'ubnd_tinh', 'bcd_tinh') then 2
         else 3 end;

-- A task "đang chậm" (lagging) behind a KPI: past its deadline and not done, or below the
-- schedule's share (red-flag rules 1 and 2).
create or replace macro task_is_lagging(breaks_rule_1, breaks_rule_2) as
    coalesce(breaks_rule_1, false) or coalesce(breaks_rule_2, false);

-- How a difficulty or request is recognised when a later report repeats it: Unicode NFC, no case,
-- one space between words, no leading bullet, no trailing punctuation (nq57/request_items.py).
create or replace macro request_text_key(t) as
    regexp_replace(regexp_replace(lower(regexp_replace(trim(nfc_normalize(t)), '\s+', ' ', 'g')),
                                  '^[•·*+\- ]+', ''), '[ .;,]+$', '');

-- Whether a unit's facts are read: all of them, unless the connection variable unit_scope (a list
-- of unit ids) narrows them. The stored answers (nq57/snapshot_units.py) set it while they recompute
-- the rows of the units a write changed, so a ward's commit does not read the country's reports.
-- is_unit_scoped: whether it does (the province roll-up then reads every unit's numbers narrowly).
create or replace macro is_unit_scoped() as getvariable('unit_scope') is not null;
create or replace macro in_unit_scope(unit) as
    not is_unit_scoped() or list_contains(getvariable('unit_scope')::varchar[], unit);

-- The date every view is computed for: the connection variable as_of, else today (as_of_context,
-- and nq57/snapshots.as_of_date, which must not read the settings the view reads).
create or replace macro as_of_day() as coalesce(getvariable('as_of'), current_date)::date;

-- Whether the reader checked, before planning, that every store of nq57/kpi_store.py holds on the
-- as-of date (the connection variable stores_hold, set by kpi_store.trusted from kpi_stores_hold in
-- the read's transaction). A variable is known when DuckDB plans: the paths that compute units from
-- their facts, and the catalogue's hash, are then pruned from the plan, not found empty as it runs.
create or replace macro stores_trusted() as coalesce(getvariable('stores_hold'), false);
