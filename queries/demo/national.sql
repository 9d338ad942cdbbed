-- National-size demo data (`python -m nq57 demo --scale national`), built set-based inside DuckDB.
-- Run by nq57/demo_national.py inside one transaction, after the real catalogue is loaded and the
-- earlier demo rows are removed. Inputs (connection variables):
--   nd_today       DATE     reports whose deadline has passed by this day are generated
--   nd_batch_base  BIGINT   batch ids start above this number
--   nd_target_base BIGINT   target ids start above this number, and review ids above
--   nd_review_base BIGINT   this one (explicit, as the shared lake has no sequences)
-- Everything synthetic is recognisable: units 'tinh-NN' / 'tinh-NN/xa-NNNN' / 'tinh-NN/phuong-NNNN',
-- KPIs 'qg-NNN', plan 'demo-quoc-gia' (its tasks and targets); report batches and reviews carry
-- is_demo, so `demo --clear` removes all of it. hash() makes every figure deterministic.

-- 1. Catalogue: 33 synthetic provinces beside Đồng Nai, 3,226 communes/wards (95 real + 3,226 = 3,321).
insert into units (unit_id, name, kind, parent_id, office_code, report_cycle, sort_order)
select printf('tinh-%02d', p), printf('tỉnh Thử nghiệm %02d', p), 'province', null, null, 'monthly', 10000 + p
from range(1, 34) r(p);

insert into units (unit_id, name, kind, parent_id, office_code, report_cycle, sort_order)
select
    printf('tinh-%02d/%s-%04d', province_no, case when is_ward then 'phuong' else 'xa' end, i),
    printf('%s Thử nghiệm %04d', case when is_ward then 'phường' else 'xã' end, i),
    case when is_ward then 'ward' else 'commune' end,
    printf('tinh-%02d', province_no),
    null,
    'monthly',
    20000 + i
from (
    select i, (i - 1) % 33 + 1 as province_no, hash('ward|' || i) % 4 = 0 as is_ward
    from range(1, 3227) r(i)
);

-- 82 synthetic KPIs beside the 43 real ones (125 in all): mostly percentages, some counts,
-- some flows counted per month, some ratios reported as numerator/denominator.
insert into kpis (kpi_id, name, unit_of_measure, direction, kind, is_ratio, numerator_label, denominator_label)
select
    printf('qg-%03d', n),
    printf('Chỉ tiêu thử nghiệm toàn quốc số %d', n),
    case when n % 3 = 0 then 'Người' else '%' end,
    'higher',
    case when n % 9 = 0 then 'flow' else 'level' end,
    n % 5 = 1,
    case when n % 5 = 1 then 'Số đạt' end,
    case when n % 5 = 1 then 'Tổng số' end
from range(1, 83) r(n);

insert into plans (plan_id, issuer_unit_id, issuer_name, doc_number, issued_on, title, implements, report_cycle, source_file)
values ('demo-quoc-gia', 'dong-nai', 'Dữ liệu minh họa quy mô toàn quốc', 'QG-DEMO', date '2023-11-01',
        'Kế hoạch thử nghiệm quy mô toàn quốc (dữ liệu minh họa)', [], 'monthly', 'demo');

-- Targets for 2026 and 2030, for the province (its roll-up row) and every commune/ward. Targets
-- are inherited by lineage only (a unit's own plan implementing this one), and the synthetic units
-- have no plan, so the demo gives each of them the targets itself.
insert into targets (target_id, plan_id, unit_id, kpi_id, horizon, comparator, target_value, target_unit, per_year,
                     due_date, raw_text)
select getvariable('nd_target_base')::bigint + row_number() over (order by u.unit_id, k.kpi_id, h.horizon),
       'demo-quoc-gia', u.unit_id, k.kpi_id, h.horizon, '>=',
       case when k.unit_of_measure = '%' then h.pct when k.kind = 'flow' then h.flow else h.cnt end,
       k.unit_of_measure, false, make_date(h.horizon, 12, 31),
       '≥ ' || (case when k.unit_of_measure = '%' then h.pct when k.kind = 'flow' then h.flow else h.cnt end)::integer
       || case when k.unit_of_measure = '%' then '%' else ' ' || k.unit_of_measure end || ' năm ' || h.horizon
from kpis k
cross join (values (2026, 80.0, 300.0, 60.0), (2030, 100.0, 600.0, 150.0)) h(horizon, pct, cnt, flow)
cross join (select unit_id from units where kind in ('province', 'ward', 'commune')) u
where k.kpi_id like 'qg-%';

-- Twelve tasks answered for by every commune/ward: dated ones spread over the three years,
-- recurring ones, one waiting for guidance.
insert into tasks (task_id, plan_id, task_no, sort_order, group_no, group_title, content, lead_text, lead_units,
                   expected_output, deadline_text, deadline_kind, due_date, start_date, recurrence, is_key_task)
select
    'demo-quoc-gia:' || n, 'demo-quoc-gia', n::varchar, n, 'I', 'Nhiệm vụ thử nghiệm quy mô toàn quốc',
    'Nhiệm vụ thử nghiệm số ' || n, 'UBND cấp xã', [], 'Báo cáo',
    case when n <= 8 then 'Trước ngày ' || strftime(due, '%d/%m/%Y') when n <= 11 then 'Thường xuyên'
         else 'Khi Trung ương, tỉnh có hướng dẫn' end,
    case when n <= 8 then 'date' when n <= 11 then 'recurring' else 'conditional' end,
    case when n <= 8 then due end,
    null,
    case when n between 9 and 11 then 'continuous' end,
    n = 1
from (
    select n, (date '2024-06-30' + to_months(((n - 1) * 6)::integer))::date as due from range(1, 13) r(n)
);

insert into task_units (task_id, unit_id, lead_office_id)
select t.task_id, u.unit_id, null
from tasks t
cross join units u
where t.plan_id = 'demo-quoc-gia' and u.kind in ('ward', 'commune');

-- 2. Who reports, and how they behave (speed of progress, missing and late reports).
create or replace temp table nd_reporters as
select
    unit_id,
    report_cycle,
    tier,
    case when tier < 20 then 0.3 + 0.3 * u1 when tier < 75 then 0.7 + 0.35 * u1 else 1.05 + 0.45 * u1 end as speed,
    case when tier < 20 then 15 when tier < 75 then 6 else 2 end as miss_pct,
    case when tier < 20 then 50 when tier < 75 then 25 else 8 end as late_pct
from (
    select unit_id, report_cycle,
           hash(unit_id || '|tier') % 100 as tier,
           (hash(unit_id || '|speed') % 1000) / 1000.0 as u1
    from units
    where kind in ('ward', 'commune') or unit_id in (select unit_id from task_units)
);

-- the 36 months up to the last one whose report deadline has passed
create or replace temp table nd_months as
select period, (row_number() over (order by period) - 1)::integer as month_no
from (
    select period from (
        select unnest(generate_series(date_trunc('month', getvariable('nd_today')::date) - interval 40 month,
                                      date_trunc('month', getvariable('nd_today')::date), interval 1 month))::date as period
    )
    where report_deadline(period, 'monthly') < getvariable('nd_today')::date
    order by period desc
    limit 36
);

create or replace temp table nd_batches as
select
    getvariable('nd_batch_base')::bigint + row_number() over (order by unit_id, period) as batch_id,
    *,
    -- a late report comes 2–21 days after the deadline, an on-time one up to 11 days before it
    least(greatest(case when hash(unit_id || '|late|' || period) % 100 < late_pct
                        then deadline + (2 + hash(unit_id || '|lag|' || period) % 20)::integer
                        else deadline - (hash(unit_id || '|lead|' || period) % 12)::integer end,
                   period_end + 1),
          getvariable('nd_today')::date - 1)::timestamp
        + to_hours((8 + hash(unit_id || '|hour|' || period) % 9)::integer) as uploaded_at
from (
    select r.unit_id, r.speed, r.late_pct, m.period, m.month_no,
           report_deadline(m.period, r.report_cycle) as deadline,
           last_day(m.period + to_months(case when r.report_cycle = 'quarterly' then 2 else 0 end)) as period_end
    from nd_reporters r
    cross join nd_months m
    where (r.report_cycle = 'monthly' or month(m.period) in (1, 4, 7, 10))
      and hash(r.unit_id || '|miss|' || m.period) % 100 >= r.miss_pct
);

-- 3. Task updates: recurring tasks reported most months, dated ones on a linear path scaled by
-- the unit's speed, done with a decision number as evidence.
create or replace temp table nd_task_rows as
select * from (
    select
        b.batch_id, b.unit_id, t.task_id, b.period, b.speed, b.uploaded_at,
        case
            when t.deadline_kind in ('conditional', 'unknown') then 'chua_thuc_hien'
            when t.deadline_kind = 'recurring' then
                case when hash(b.unit_id || '|' || t.task_id || '|' || b.period) % 100
                          < 55 + 30 * least(b.speed, 1.4) then 'dang_thuc_hien' end
            when pct >= 100 then 'hoan_thanh'
            when pct > 0 then 'dang_thuc_hien'
            else 'chua_thuc_hien'
        end as status,
        case
            when t.deadline_kind = 'recurring' then null
            when t.deadline_kind = 'date' then least(pct, 100.0)
            else 0.0
        end as percent_complete,
        case when t.deadline_kind = 'date' and pct >= 100
             then 'Quyết định số ' || (100 + hash(b.unit_id || t.task_id) % 2400) || '/QĐ-UBND' end as evidence_ref,
        case when b.speed < 0.7 and hash(b.unit_id || '|dif|' || t.task_id || b.period) % 10 < 3
             then ['Hạ tầng mạng tại một số ấp, khu phố chưa ổn định',
                   'Thiếu kinh phí nâng cấp trang thiết bị tại Trung tâm Phục vụ hành chính công',
                   'Cán bộ kiêm nhiệm nhiều việc, thiếu nhân lực chuyên trách công nghệ thông tin',
                   'Người dân lớn tuổi còn ngại sử dụng dịch vụ công trực tuyến'][1 + (hash(b.unit_id || t.task_id) % 4)::integer]
        end as difficulties
    from nd_batches b
    join task_units tu on tu.unit_id = b.unit_id
    join tasks t on t.task_id = tu.task_id
    join plans p on p.plan_id = t.plan_id
    cross join lateral (
        select case when t.deadline_kind = 'date' then
            round(100.0 * b.speed
                  * greatest(date_diff('day', coalesce(t.start_date, p.issued_on, setting('first_period')::date),
                                       last_day(b.period)), 0)
                  / greatest(date_diff('day', coalesce(t.start_date, p.issued_on, setting('first_period')::date),
                                       t.due_date), 30) / 5) * 5
        end as pct
    )
)
where status is not null;

-- 4. Batches (one per unit and month), then their rows.
insert into report_batches (batch_id, unit_id, period, file_name, sha256, uploaded_by, uploaded_at, source, is_demo,
                            row_count, rolled_back_at, rolled_back_by)
select b.batch_id, b.unit_id, b.period,
       'demo_' || replace(b.unit_id, '/', '_') || '_' || strftime(b.period, '%Y-%m') || '.xlsx',
       null, 'demo', b.uploaded_at, 'demo', true,
       (select count(*) from kpis) + coalesce(t.task_count, 0), null, null
from nd_batches b
left join (select batch_id, count(*) as task_count from nd_task_rows group by batch_id) t using (batch_id);

insert into task_updates (batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, difficulties,
                          requests, note)
select batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, difficulties,
       case when difficulties is not null then 'Đề nghị tỉnh bố trí kinh phí hỗ trợ nâng cấp hạ tầng số' end, null
from nd_task_rows;

-- Every unit reports every KPI every month: percentages climb from a unit-and-KPI baseline at the
-- unit's speed, counts grow, flows are counted per month, ranks fall, ratios come as numerator
-- and denominator. One row in four carries an evidence reference.
insert into kpi_values (batch_id, unit_id, kpi_id, period, value, numerator, denominator, evidence_ref, note)
select
    batch_id, unit_id, kpi_id, period,
    case when is_ratio then null else value end,
    case when is_ratio then round(denominator * value / 100) end,
    case when is_ratio then denominator end,
    case when h % 4 = 0 then 'Báo cáo số ' || (100 + h % 2400) || '/BC-UBND tháng ' || strftime(period, '%m/%Y') end,
    null
from (
    select
        b.batch_id, b.unit_id, k.kpi_id, b.period, k.is_ratio, hv.h,
        (80 + hv.h % 320)::double as denominator,
        case
            when k.direction = 'rank' then greatest(1, round(90 - b.speed * b.month_no * 2 + (hv.h % 5)::integer - 2))
            when k.unit_of_measure = '%' or k.is_ratio then
                least(100, greatest(0, round(15 + hv.base % 40 + b.speed * b.month_no * 1.6 + (hv.h % 31) / 10.0 - 1.5, 1)))
            when k.kind = 'flow' then greatest(0, round(2 + b.speed * 4 + (hv.h % 3)::integer - 1))
            else round(hv.base % 60 + b.speed * b.month_no * 8)
        end as value
    from nd_batches b
    cross join kpis k
    cross join lateral (
        select hash(b.unit_id || '|' || k.kpi_id || '|' || b.period) as h, hash(b.unit_id || '|' || k.kpi_id) as base
    ) hv
);

-- 5. Evidence reviews for the last three months, about ten days after the upload: the same item
-- keeps the same quality (6% invalid, 5% insufficient).
insert into evidence_reviews (review_id, batch_id, unit_id, item_type, item_id, decision, comment, reviewed_by,
                              reviewed_at, is_demo)
select getvariable('nd_review_base')::bigint + row_number() over (order by batch_id, item_type, item_id),
       batch_id, unit_id, item_type, item_id,
       case when quality < 6 then 'invalid' when quality < 11 then 'insufficient' else 'valid' end,
       case when quality < 6 then 'Văn bản chưa có chữ ký, số hiệu'
            when quality < 11 then 'Ảnh chụp mờ, thiếu trang kết quả' end,
       'demo', reviewed_at, true
from (
    select v.batch_id, v.unit_id, 'kpi' as item_type, v.kpi_id as item_id,
           hash(v.unit_id || '|' || v.kpi_id) % 100 as quality, b.uploaded_at + interval 10 day as reviewed_at
    from kpi_values v
    join nd_batches b using (batch_id)
    where v.evidence_ref is not null and b.month_no >= 33
    union all
    select t.batch_id, t.unit_id, 'task', t.task_id,
           hash(t.unit_id || '|' || t.task_id) % 100, t.uploaded_at + interval 10 day
    from nd_task_rows t
    join nd_batches b using (batch_id)
    where t.status = 'hoan_thanh' and t.evidence_ref is not null and b.month_no >= 33
)
where reviewed_at < getvariable('nd_today')::date;

drop table nd_task_rows;
drop table nd_batches;
drop table nd_months;
drop table nd_reporters;
