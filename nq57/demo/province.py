"""Province-size demo: deterministic, plausible reports for the real 95 units so a newcomer sees charts.

Every demo row hangs off a batch marked is_demo (and reviews carry is_demo), so the pages can
announce "Dữ liệu minh họa" and `demo --clear` removes exactly these rows and nothing else.
"""
from __future__ import annotations

import random
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from nq57 import db, request_items
from nq57.demo.rows import DEMO_USER, add_request_events, advance_batch_sequence, delete_demo_rows


DIFFICULTIES = [
    "Hạ tầng mạng tại một số ấp, khu phố chưa ổn định",
    "Thiếu kinh phí nâng cấp trang thiết bị tại Trung tâm Phục vụ hành chính công",
    "Cán bộ kiêm nhiệm nhiều việc, thiếu nhân lực chuyên trách công nghệ thông tin",
    "Người dân lớn tuổi còn ngại sử dụng dịch vụ công trực tuyến",
]
REQUESTS = [
    "Đề nghị tỉnh bố trí kinh phí hỗ trợ nâng cấp hạ tầng số",
    "Đề nghị Sở Khoa học và Công nghệ tổ chức tập huấn cho Tổ công nghệ số cộng đồng",
    "Đề nghị hướng dẫn thống nhất cách tính chỉ tiêu dịch vụ công trực tuyến toàn trình",
]


@dataclass(frozen=True)
class Profile:
    """How a unit behaves: speed of progress, discipline in reporting, quality of evidence."""
    speed: float        # 0.3 (lagging) … 1.5 (ahead)
    diligence: float    # chance a report is sent at all
    punctuality: float  # chance a sent report is on time
    rng_seed: int


def profile_for(unit_id: str) -> Profile:
    seed = zlib.crc32(unit_id.encode("utf-8"))
    rng = random.Random(seed)
    tier = rng.random()
    if tier < 0.2:  # laggards
        return Profile(rng.uniform(0.3, 0.6), rng.uniform(0.6, 0.85), rng.uniform(0.3, 0.6), seed)
    if tier < 0.75:
        return Profile(rng.uniform(0.7, 1.05), rng.uniform(0.85, 0.97), rng.uniform(0.6, 0.9), seed)
    return Profile(rng.uniform(1.05, 1.5), rng.uniform(0.95, 1.0), rng.uniform(0.85, 1.0), seed)


def _as_date(value) -> date:
    """pandas hands dates back as Timestamps (a datetime subclass)."""
    return value.date() if isinstance(value, datetime) else value


def _months_between(start: date, end: date) -> float:
    return max((_as_date(end) - _as_date(start)).days / 30.44, 0.0)


def _period_end(period: date, cycle: str) -> date:
    months = 3 if cycle == "quarterly" else 1
    year, month = period.year, period.month + months
    if month > 12:
        year, month = year + 1, month - 12
    return date(year, month, 1) - timedelta(days=1)


def _doc_ref(rng: random.Random, when: date, kind: str = "BC-UBND") -> str:
    return f"Báo cáo số {rng.randint(100, 2500)}/{kind} ngày {when.day:02d}/{when.month:02d}/{when.year}"


def generate(con: duckdb.DuckDBPyConnection, today: date | None = None) -> dict[str, int]:
    """Fill demo reports for every reporting unit from the first period up to the last period
    whose deadline has passed. Replaces earlier demo rows; real rows are untouched."""
    today = today or date.today()
    con.execute("set variable as_of = ?::date", [str(today)])
    periods = con.execute(
        "select unit_id, report_cycle, period, deadline from reporting_periods "
        "where deadline < ? order by unit_id, period", [today]
    ).df()
    # ordered: each unit's random draws follow these rows, so any other order gives other demo data
    targets = con.execute(
        "select t.unit_id, t.kpi_id, k.unit_of_measure, k.direction, k.kind, k.is_ratio, "
        "       min(t.due_date) as first_due, "
        "       arg_min(t.target_value, t.due_date) as first_target, "
        "       max(t.target_value) filter (where t.comparator <> 'rank<=') as max_target, "
        "       min(t.target_value) filter (where t.comparator = 'rank<=') as best_rank "
        "from effective_targets t join kpis k using (kpi_id) "
        "where t.comparator is not null group by all order by t.unit_id, t.kpi_id"
    ).df()
    tasks = con.execute(
        "select tu.unit_id, t.task_id, t.deadline_kind, t.due_date, "
        "       coalesce(t.start_date, p.issued_on, ?::date) as start_date "
        "from task_units tu join tasks t using (task_id) join plans p using (plan_id) "
        "order by tu.unit_id, t.task_id",
        [con.execute("select setting('first_period')").fetchall()[0][0]],
    ).df()
    con.execute("reset variable as_of")

    # rows as tuples once per unit, not a DataFrame walked again for every period (most of the time
    # of a first start went into itertuples and the empty frames of .get's default)
    targets_by_unit = {u: list(g.itertuples()) for u, g in targets.groupby("unit_id")}
    tasks_by_unit = {u: list(g.itertuples()) for u, g in tasks.groupby("unit_id")}

    batches, kpi_rows, task_rows, reviews = [], [], [], []
    next_batch = (con.execute("select coalesce(max(batch_id), 0) from report_batches").fetchall()[0][0]
                  + 1)
    for unit_id, unit_periods in periods.groupby("unit_id", sort=True):
        profile = profile_for(unit_id)
        rng = random.Random(profile.rng_seed)
        start = unit_periods["period"].min()
        baselines: dict[str, float] = {}
        for row in unit_periods.itertuples():
            if rng.random() > profile.diligence:
                continue  # a missing report: rule 4 in the views
            deadline = _as_date(row.deadline)
            period = _as_date(row.period)
            period_end = _period_end(period, row.report_cycle)
            on_time = rng.random() < profile.punctuality
            submitted = (deadline - timedelta(days=rng.randint(0, 12)) if on_time
                         else deadline + timedelta(days=rng.randint(2, 25)))
            submitted = max(submitted, period_end + timedelta(days=1))
            if submitted >= today:
                submitted = today - timedelta(days=1)
            uploaded_at = datetime.combine(submitted, datetime.min.time()) + timedelta(hours=rng.randint(8, 16))
            batch_id = next_batch
            next_batch += 1
            row_count = 0
            elapsed = _months_between(start, period_end)

            for target in targets_by_unit.get(unit_id, []):
                value = _kpi_value(target, profile, rng, elapsed, baselines)
                numerator = denominator = None
                if target.is_ratio:
                    denominator = float(rng.randint(80, 400))
                    numerator = float(round(denominator * value / 100))
                    value = None
                met_ref = _doc_ref(rng, submitted) if rng.random() < 0.9 else None
                kpi_rows.append({
                    "batch_id": batch_id, "unit_id": unit_id, "kpi_id": target.kpi_id, "period": period,
                    "value": value, "numerator": numerator, "denominator": denominator,
                    "evidence_ref": met_ref, "note": None,
                })
                row_count += 1
                if met_ref:
                    _maybe_review(reviews, batch_id, unit_id, "kpi", target.kpi_id, uploaded_at, today)

            for task in tasks_by_unit.get(unit_id, []):
                status, percent, evidence = _task_state(task, profile, rng, period_end, submitted)
                if status is None:
                    continue  # a recurring task left out of this report
                lagging = profile.speed < 0.7 and rng.random() < 0.3
                task_rows.append({
                    "batch_id": batch_id, "unit_id": unit_id, "task_id": task.task_id, "period": period,
                    "status": status, "percent_complete": percent, "evidence_ref": evidence,
                    "difficulties": _repeated(DIFFICULTIES, rng, unit_id, task.task_id) if lagging else None,
                    "requests": _repeated(REQUESTS, rng, unit_id, task.task_id) if lagging else None,
                    "note": None,
                })
                row_count += 1
                if status == "hoan_thanh" and evidence:
                    _maybe_review(reviews, batch_id, unit_id, "task", task.task_id, uploaded_at, today)

            batches.append({
                "batch_id": batch_id, "unit_id": unit_id, "period": period,
                "file_name": f"demo_{unit_id.replace('/', '_')}_{period:%Y-%m}.xlsx", "sha256": None,
                "uploaded_by": DEMO_USER, "uploaded_at": uploaded_at, "source": "demo",
                "is_demo": True, "row_count": row_count,
            })

    with db.transaction(con):
        delete_demo_rows(con)
        _insert(con, "report_batches", batches)
        _insert(con, "kpi_values", kpi_rows)
        _insert(con, "task_updates", task_rows)
        _insert(con, "evidence_reviews", [{**review, "review_id": review_id} for review, review_id in
                                          zip(reviews, db.new_ids(con, "evidence_reviews", len(reviews)))])
        request_items.raise_from_batches(con, [b["batch_id"] for b in batches])
        add_request_events(con, today)
    advance_batch_sequence(con)
    return {"batches": len(batches), "kpi_values": len(kpi_rows), "task_updates": len(task_rows),
            "evidence_reviews": len(reviews)}


def _kpi_value(target, profile: Profile, rng: random.Random, elapsed: float, baselines: dict) -> float:
    due_months = max(_months_between(date(2025, 7, 1), target.first_due), 3.0)
    share = min(profile.speed * elapsed / due_months, 1.6)
    if target.direction == "rank" or (pd.notna(target.best_rank) and pd.isna(target.max_target)):
        best = float(target.best_rank)
        start = baselines.setdefault(target.kpi_id, float(rng.randint(int(best) + 10, 90)))
        return float(max(1, round(start - (start - best) * share + rng.uniform(-2, 2))))
    goal = float(target.first_target if pd.notna(target.first_target) else target.max_target)
    ceiling = float(target.max_target) if pd.notna(target.max_target) else goal
    if target.unit_of_measure == "%":
        start = baselines.setdefault(target.kpi_id, goal * rng.uniform(0.35, 0.75))
        value = start + (goal - start) * share + rng.uniform(-1.5, 1.5)
        return round(min(max(value, 0.0), 100.0, max(ceiling, goal)), 1)
    start = baselines.setdefault(target.kpi_id, float(int(goal * rng.uniform(0.0, 0.5))))
    if target.kind == "flow":
        return float(max(0, round(goal / 12 * profile.speed + rng.uniform(-0.5, 0.5))))
    return float(max(0, round(start + (goal - start) * share)))


def _task_state(task, profile: Profile, rng: random.Random, period_end: date, submitted: date):
    kind = task.deadline_kind
    if kind == "conditional" or kind == "unknown":
        return "chua_thuc_hien", 0.0, None
    if kind == "recurring":
        if rng.random() > 0.55 + 0.3 * min(profile.speed, 1.4):
            return None, None, None
        return "dang_thuc_hien", None, None
    start = _as_date(task.start_date)
    due = _as_date(task.due_date)
    span = max((due - start).days, 30)
    percent = min(100.0, round(100.0 * profile.speed * max((period_end - start).days, 0) / span / 5) * 5)
    if percent >= 100:
        return "hoan_thanh", 100.0, _doc_ref(rng, min(submitted, period_end), "QĐ-UBND").replace("Báo cáo", "Quyết định")
    if percent > 0:
        return "dang_thuc_hien", percent, None
    return "chua_thuc_hien", 0.0, None


def _maybe_review(reviews: list, batch_id: int, unit_id: str, item_type: str, item_id: str,
                  uploaded_at: datetime, today: date) -> None:
    """Reviewers catch up about ten days after an upload; the same item keeps the same quality."""
    reviewed_at = uploaded_at + timedelta(days=10)
    if reviewed_at.date() >= today:
        return
    quality = zlib.crc32(f"{unit_id}|{item_id}".encode("utf-8")) % 100
    decision = "invalid" if quality < 6 else "insufficient" if quality < 11 else "valid"
    comment = {"invalid": "Văn bản chưa có chữ ký, số hiệu", "insufficient": "Ảnh chụp mờ, thiếu trang kết quả",
               "valid": None}[decision]
    reviews.append({
        "batch_id": batch_id, "unit_id": unit_id, "item_type": item_type, "item_id": item_id,
        "decision": decision, "comment": comment, "reviewed_by": DEMO_USER, "reviewed_at": reviewed_at,
        "is_demo": True,
    })


def _repeated(texts: list[str], rng: random.Random, unit_id: str, task_id: str) -> str:
    """The same difficulty for a unit's task month after month, as a real unit repeats one until it
    is resolved (the draw is still made, so the other demo figures keep their random stream)."""
    rng.choice(texts)
    return texts[zlib.crc32(f"{unit_id}|{task_id}".encode()) % len(texts)]


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    if not rows:
        return
    frame = pd.DataFrame(rows)
    con.register("demo_frame", frame)
    try:
        columns = ", ".join(frame.columns)
        con.execute(f"insert into {table} ({columns}) select {columns} from demo_frame")
    finally:
        con.unregister("demo_frame")
