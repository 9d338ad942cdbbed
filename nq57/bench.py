"""The ingest benchmark: how fast a year of province-wide reports is checked and stored.

`python -m nq57.bench --ingest` (or `python -m nq57 bench --ingest` once wired in the command
line) builds, in a temporary folder, a database with the real catalogue plus 120 synthetic KPIs,
writes a 136,800-row report workbook (95 communes/wards x 120 KPIs x 12 months, _meta period
'2025-01..2025-12') and a one-month province file (95 x 120 rows), then measures in the same run:

  (a) the full import (check_workbook + commit into a fresh copy of the database);
  (b) python-calamine's bare read of the same file (every sheet to Python lists);
  (c) pandas' bare read with openpyxl (the usual way, for comparison);
  (d) the full import of the one-month province file;
and prints them with the goals: (a) <= 2x (b), (c) >= 5x (a), (d) < 0.3 s. Times are the best of
N runs (time.perf_counter); pandas+openpyxl runs once because it takes seconds.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from nq57 import catalogue, db, ingest
from nq57.workbook_format import (
    INSTRUCTIONS_SHEET, KPI_COLUMNS, KPI_SHEET, META_SHEET, REPORT_META_KIND, TASK_COLUMNS, TASK_SHEET,
    TEMPLATE_VERSION,
)

BENCH_KPI_COUNT = 120
LIVE_RUNS = 2
BENCH_YEAR = 2025
GOAL_FULL_OVER_CALAMINE = 2.0
GOAL_PANDAS_OVER_FULL = 5.0
GOAL_ONE_MONTH_SECONDS = 0.3


def bench_kpis() -> list[tuple]:
    """120 synthetic KPIs: two in three are percentages, the rest counts of people."""
    rows = []
    for number in range(1, BENCH_KPI_COUNT + 1):
        is_percent = number % 3 != 0
        rows.append((f"bench-{number:03d}", f"Chỉ tiêu thử nghiệm số {number}", "%" if is_percent else "Người",
                     "higher", "level", False))
    return rows


def build_database(path: Path) -> list[tuple[str, str]]:
    """Schema, the real catalogue and the synthetic KPIs; returns the 95 (unit_id, name)."""
    with db.connect(path) as con:
        db.create_schema(con)
        catalogue.load_catalogue(con)
        con.executemany(
            "insert into kpis (kpi_id, name, unit_of_measure, direction, kind, is_ratio) values (?, ?, ?, ?, ?, ?)",
            bench_kpis(),
        )
        return con.execute(
            "select unit_id, name from units where kind in ('ward', 'commune') order by sort_order"
        ).fetchall()


def _value(unit_index: int, kpi_index: int, month: int, is_percent: bool) -> float | int:
    """Deterministic, plausible values: percentages rise through the year, counts are whole."""
    seed = (unit_index * 7919 + kpi_index * 104729 + month * 1299709) % 1000
    if is_percent:
        return round(min(100.0, 20 + seed / 20 + month * 2.5), 1)
    return seed % 60 + month


def write_report(path: Path, units: list[tuple[str, str]], periods: list[date], meta_period: str) -> int:
    """A report workbook in the importer's format (openpyxl write-only, fast); returns its KPI row count."""
    workbook = Workbook(write_only=True)
    guide = workbook.create_sheet(INSTRUCTIONS_SHEET)
    guide.append(["Tệp thử hiệu năng nhập báo cáo (sinh bởi nq57.bench)"])
    kpis = bench_kpis()

    sheet = workbook.create_sheet(KPI_SHEET)
    sheet.append([f"Báo cáo chỉ tiêu — toàn tỉnh — {meta_period}"])
    sheet.append(["Tệp thử hiệu năng"])
    sheet.append([c.header for c in KPI_COLUMNS])
    count = 0
    for period in periods:
        period_text = f"{period:%m/%Y}"
        for unit_index, (unit_id, unit_name) in enumerate(units):
            for kpi_index, (kpi_id, kpi_name, uom, *_rest) in enumerate(kpis):
                is_percent = uom == "%"
                value = _value(unit_index, kpi_index, period.month, is_percent)
                evidence = f"Báo cáo số {unit_index + 1}/BC-UBND tháng {period_text}" if kpi_index % 4 == 0 else None
                sheet.append([unit_id, unit_name, period_text, kpi_id, kpi_name, uom,
                              "2030: ≥ 100%" if is_percent else "2030: ≥ 100 Người", None, value, None, None,
                              evidence, None])
                count += 1

    tasks = workbook.create_sheet(TASK_SHEET)
    tasks.append(["Báo cáo tiến độ nhiệm vụ — toàn tỉnh"])
    tasks.append(["Tệp thử hiệu năng"])
    tasks.append([c.header for c in TASK_COLUMNS])

    meta = workbook.create_sheet(META_SHEET)
    for key, value in (("kind", REPORT_META_KIND), ("template_version", TEMPLATE_VERSION), ("unit_id", "all"),
                       ("period", meta_period), ("generated_at", datetime.now().isoformat(timespec="seconds"))):
        meta.append([key, value])
    meta.sheet_state = "hidden"
    workbook.save(path)
    return count


def months(year: int) -> list[date]:
    return [date(year, month, 1) for month in range(1, 13)]


def best_of(runs: int, action) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def full_import(base_db: Path, work_db: Path, workbook: Path, today: date, expected_rows: int) -> float:
    """check_workbook + commit of one file into a fresh copy of the database; returns seconds."""
    shutil.copy(base_db, work_db)
    with db.connect(work_db) as con:
        started = time.perf_counter()
        data = workbook.read_bytes()
        result = ingest.check_workbook(con, data, workbook.name, today=today)
        if not result.accepted:
            raise RuntimeError("tệp thử bị từ chối: " + "; ".join(p.line() for p in result.problems[:5]))
        ingest.commit(con, result, "bench")
        elapsed = time.perf_counter() - started
        stored = con.execute("select count(*) from kpi_values").fetchall()[0][0]
    if stored != expected_rows:
        raise RuntimeError(f"đã ghi {stored} dòng, cần {expected_rows}")
    return elapsed


def calamine_read(path: Path) -> None:
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        workbook.get_sheet_by_name(name).to_python()


def pandas_openpyxl_read(path: Path) -> None:
    import pandas as pd

    pd.read_excel(path, sheet_name=None, engine="openpyxl")


def _verdict(ok: bool) -> str:
    return "đạt" if ok else "CHƯA ĐẠT"


def run_ingest_bench(runs: int, pandas_runs: int, skip_pandas: bool, out=sys.stdout) -> dict[str, float]:
    today = max(date.today(), date(BENCH_YEAR + 1, 1, 1))
    with tempfile.TemporaryDirectory(prefix="nq57-bench-") as folder:
        folder = Path(folder)
        base_db = folder / "base.duckdb"
        print("Đang chuẩn bị dữ liệu thử …", file=out, flush=True)
        units = build_database(base_db)
        year_file = folder / f"bao-cao-toan-tinh-{BENCH_YEAR}.xlsx"
        month_file = folder / f"bao-cao-toan-tinh-{BENCH_YEAR}-12.xlsx"
        started = time.perf_counter()
        year_rows = write_report(year_file, units, months(BENCH_YEAR), f"{BENCH_YEAR}-01..{BENCH_YEAR}-12")
        month_rows = write_report(month_file, units, [date(BENCH_YEAR, 12, 1)], f"{BENCH_YEAR}-12")
        print(f"  {len(units)} xã/phường × {BENCH_KPI_COUNT} chỉ tiêu; tệp năm {year_rows:,} dòng "
              f"({year_file.stat().st_size / 1048576:.1f} MB), tệp tháng {month_rows:,} dòng; "
              f"ghi bằng openpyxl write-only trong {time.perf_counter() - started:.1f} s", file=out, flush=True)

        work_db = folder / "work.duckdb"
        # (a) and (b) alternate, so a busy machine slows both alike
        full = calamine = float("inf")
        for _ in range(runs):
            full = min(full, full_import(base_db, work_db, year_file, today, year_rows))
            calamine = min(calamine, best_of(1, lambda: calamine_read(year_file)))
        pandas_time = float("nan") if skip_pandas else best_of(pandas_runs, lambda: pandas_openpyxl_read(year_file))
        one_month = min(full_import(base_db, work_db, month_file, today, month_rows) for _ in range(runs))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux

    full_over_calamine = full / calamine
    pandas_over_full = pandas_time / full
    rows = [
        (f"(a) nhập đầy đủ (kiểm tra + ghi), {year_rows:,} dòng", f"{full:.3f} s", "", ""),
        ("(b) calamine đọc trần", f"{calamine:.3f} s", "", ""),
        ("(c) pandas + openpyxl đọc trần",
         "bỏ qua" if skip_pandas else f"{pandas_time:.3f} s", "", ""),
        ("    nhập đầy đủ / calamine", f"{full_over_calamine:.2f}×", f"≤ {GOAL_FULL_OVER_CALAMINE:g}×",
         _verdict(full_over_calamine <= GOAL_FULL_OVER_CALAMINE)),
        ("    pandas+openpyxl / nhập đầy đủ", "—" if skip_pandas else f"{pandas_over_full:.2f}×",
         f"≥ {GOAL_PANDAS_OVER_FULL:g}×", "—" if skip_pandas else _verdict(pandas_over_full >= GOAL_PANDAS_OVER_FULL)),
        (f"(d) nhập tệp một tháng toàn tỉnh, {month_rows:,} dòng", f"{one_month:.3f} s",
         f"< {GOAL_ONE_MONTH_SECONDS:g} s", _verdict(one_month < GOAL_ONE_MONTH_SECONDS)),
        ("    RSS đỉnh của tiến trình", f"{peak_mb:,.0f} MB", "", ""),
    ]
    widths = [max(len(r[i]) for r in rows + [("Phép đo", "Kết quả", "Mục tiêu", "Đánh giá")]) for i in range(4)]
    header = ("Phép đo", "Kết quả", "Mục tiêu", "Đánh giá")
    line = "  ".join("-" * w for w in widths)
    print(f"\nHiệu năng nhập báo cáo (tốt nhất của {runs} lần; pandas+openpyxl {pandas_runs} lần)", file=out)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)), file=out)
    print(line, file=out)
    for row in rows:
        print("  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3]]),
              file=out)
    return {"full": full, "calamine": calamine, "pandas": pandas_time, "one_month": one_month, "peak_mb": peak_mb}


# --- the views benchmark (`bench --views`) --------------------------------------------------------

BENCH_DIR = db.PROJECT_ROOT / "data" / "bench"
GOAL_VIEW_SECONDS = 0.5
GOAL_VIEW_OVER_FLOOR = 3.0
GOAL_PANDAS_OVER_VIEWS = 5.0
GOAL_PAGE_COLD_NATIONAL = 1.0
GOAL_PAGE_WARM_PROVINCE = 0.3
GOAL_PEAK_MB = 1024

# The floor: what the hardware does on the same facts with one scan-aggregate — the latest value per
# unit and KPI, its ratio to a linear schedule from the first value to the nearest province target,
# and the units' counts of KPIs below 50%.
FLOOR_SQL = """
with latest as (
    select unit_id, kpi_id,
           arg_max(coalesce(value, 100.0 * numerator / nullif(denominator, 0)), period) as actual,
           arg_min(coalesce(value, 100.0 * numerator / nullif(denominator, 0)), period) as baseline,
           min(period) as first_period
    from kpi_values
    group by unit_id, kpi_id
),
goal as (
    select kpi_id, arg_min(target_value, due_date) as target_value, min(due_date) as due_date
    from targets where unit_id = 'dong-nai' and due_date >= ?::date and comparator = '>='
    group by kpi_id
),
rated as (
    select l.unit_id,
           l.actual / nullif(l.baseline + (g.target_value - l.baseline)
               * date_diff('day', l.first_period, ?::date) / greatest(date_diff('day', l.first_period, g.due_date), 1), 0)
               as ratio
    from latest l join goal g using (kpi_id)
)
select unit_id, count(*) filter (where ratio < 0.5) as below_half, avg(ratio) as mean_ratio
from rated group by unit_id
"""


def bench_database(scale: str, out=sys.stdout) -> Path:
    """The scale's database in data/bench/, built once (in a child process) and reused."""
    import subprocess

    path = BENCH_DIR / f"{scale}.duckdb"
    if not path.exists():
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".building.duckdb")
        partial.unlink(missing_ok=True)
        print(f"Đang tạo cơ sở dữ liệu quy mô {scale} → {path} …", file=out, flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nq57", "--db", str(partial), "demo", "--scale", scale],
                       check=True, cwd=db.PROJECT_ROOT, stdout=subprocess.DEVNULL)
        partial.rename(path)
        print(f"  tạo xong trong {time.perf_counter() - started:.1f} s", file=out, flush=True)
    with db.connect(path) as con:
        db.migrate_if_needed(con)  # a cached database gets this code's views
    return path


def _quiet(con) -> None:
    con.execute("set enable_progress_bar = false")


def _peak_mb() -> float:
    """This process's peak RSS. VmHWM starts afresh in a spawned child (ru_maxrss would carry the
    parent's peak across fork and exec); ru_maxrss where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fetch_view(path: Path, view: str, as_of: date) -> int:
    with db.connect(path) as con:
        _quiet(con)
        db.set_as_of(con, as_of)
        return len(con.execute(f"select * from {view}").fetchall())


def _floor(path: Path, as_of: date) -> int:
    with db.connect(path) as con:
        _quiet(con)
        return len(con.execute(FLOOR_SQL, [as_of, as_of]).fetchall())


def pandas_rules(path: Path, as_of: date) -> dict[str, int]:
    """The same rules as a quick pandas script: read the tables, then overdue tasks, KPIs below 50%
    of a linear schedule, missing reports and a scorecard per unit."""
    import pandas as pd

    with db.connect(path, read_only=True) as con:
        _quiet(con)
        read = lambda sql: con.execute(sql).df()
        units = read("select unit_id, kind, report_cycle from units where kind in ('ward', 'commune')")
        batches = read("select batch_id, unit_id, period, uploaded_at, rolled_back_at from report_batches")
        values = read("select batch_id, unit_id, kpi_id, period, value, numerator, denominator from kpi_values")
        updates = read("select batch_id, unit_id, task_id, period, status, percent_complete from task_updates")
        tasks = read("select task_id, deadline_kind, due_date from tasks")
        assigned = read("select task_id, unit_id from task_units")
        targets = read("select unit_id, kpi_id, horizon, comparator, target_value, due_date from targets "
                       "where comparator is not null")
        deadline_day = int(con.execute("select value from settings where key = 'report_deadline_day'").fetchall()[0][0])
        first_period = pd.Timestamp(con.execute("select value from settings where key = 'first_period'").fetchall()[0][0])
    today = pd.Timestamp(as_of)
    end = today + pd.Timedelta(days=1)
    visible = batches[(batches.uploaded_at < end) & (batches.rolled_back_at.isna() | (batches.rolled_back_at >= end))]
    current = visible.sort_values(["uploaded_at", "batch_id"]).drop_duplicates(["unit_id", "period"], keep="last")

    # KPIs: latest and first value in force, nearest target ahead, linear schedule, ratio < 0.5
    vals = values.merge(current[["batch_id"]], on="batch_id")
    vals["value"] = vals["value"].fillna(100.0 * vals["numerator"] / vals["denominator"].where(vals["denominator"] > 0))
    vals = vals.dropna(subset=["value"]).sort_values("period")
    latest = vals.drop_duplicates(["unit_id", "kpi_id"], keep="last")[["unit_id", "kpi_id", "value"]]
    first = vals.drop_duplicates(["unit_id", "kpi_id"], keep="first")[["unit_id", "kpi_id", "value", "period"]]
    kpi = latest.merge(first, on=["unit_id", "kpi_id"], suffixes=("", "_base"))
    own = targets[targets.unit_id != "dong-nai"]
    province = targets[targets.unit_id == "dong-nai"].drop(columns="unit_id").merge(units[["unit_id"]], how="cross")
    province = province.merge(own[["unit_id", "kpi_id", "horizon"]], on=["unit_id", "kpi_id", "horizon"],
                              how="left", indicator=True)
    effective = pd.concat([own, province[province["_merge"] == "left_only"].drop(columns="_merge")])
    ahead = effective[effective.due_date >= today].sort_values("due_date").drop_duplicates(["unit_id", "kpi_id"])
    kpi = kpi.merge(ahead, on=["unit_id", "kpi_id"])
    base_end = kpi["period"] + pd.offsets.MonthEnd(0)
    span = (kpi["due_date"] - base_end).dt.days.clip(lower=1)
    elapsed = (today - base_end).dt.days.clip(lower=0)
    expected = kpi["value_base"] + (kpi["target_value"] - kpi["value_base"]) * elapsed / span
    lower_better = kpi["comparator"].isin(["<", "<=", "rank<="])
    kpi["ratio"] = (expected / kpi["value"]).where(lower_better, kpi["value"] / expected)
    kpi["on_track"] = kpi["ratio"] >= 1
    kpi_flags = kpi[kpi["ratio"] < 0.5]

    # tasks: latest update in force; dated tasks past due and not done are overdue
    upd = updates.merge(current[["batch_id"]], on="batch_id").sort_values("period")
    last = upd.drop_duplicates(["unit_id", "task_id"], keep="last")[["unit_id", "task_id", "status"]]
    task = assigned.merge(tasks, on="task_id").merge(last, on=["unit_id", "task_id"], how="left")
    dated = task[task.deadline_kind == "date"]
    due = dated[dated.due_date <= today]
    overdue = dated[(dated.due_date < today) & (dated.status != "hoan_thanh")]

    # reports: every month from the first period whose deadline has passed, without a batch
    months = pd.date_range(first_period, today, freq="MS")
    owed = units.merge(pd.DataFrame({"period": months}), how="cross")
    owed["deadline"] = owed["period"] + pd.DateOffset(months=1) + pd.Timedelta(days=deadline_day - 1)
    owed = owed[owed.deadline < today]
    received = visible.drop_duplicates(["unit_id", "period"])[["unit_id", "period"]].assign(received=True)
    owed = owed.merge(received, on=["unit_id", "period"], how="left")
    missing = owed[owed.received.isna()]

    # scorecard
    count = lambda frame, name: frame.groupby("unit_id").size().rename(name)
    card = units.set_index("unit_id").join([
        count(due, "tasks_due"), count(due[due.status == "hoan_thanh"], "tasks_done"), count(overdue, "overdue"),
        count(kpi, "kpis"), count(kpi[kpi.on_track], "on_track"), count(owed, "periods_due"),
        count(owed[owed.received.notna()], "received"), count(kpi_flags, "kpi_flags"), count(missing, "missing"),
    ]).fillna(0)
    card["score"] = 100 * (0.4 * card.tasks_done / card.tasks_due.where(card.tasks_due > 0)
                           + 0.3 * card.on_track / card.kpis.where(card.kpis > 0)
                           + 0.2 * card.received / card.periods_due.where(card.periods_due > 0)).fillna(0)
    card["rank"] = card["score"].rank(ascending=False, method="min")
    return {"flags": len(overdue) + len(kpi_flags) + len(missing), "units": len(card)}


def _pandas_child(path: str, as_of: str, queue) -> None:
    started = time.perf_counter()
    counts = pandas_rules(Path(path), date.fromisoformat(as_of))
    queue.put((time.perf_counter() - started, _peak_mb(), counts))


def _snapshot_child(path: str, as_of: str, queue) -> None:
    """What a commit does after writing: store today's and the last six month ends' figures."""
    from nq57 import dates, snapshots

    with db.connect(path) as con:
        con.execute("delete from view_snapshots")
        for view in snapshots.SNAPSHOT_VIEWS:
            con.execute(f"delete from {snapshots.table_name(view)}")
        started = time.perf_counter()
        db.refresh_snapshots(con, dates.page_days(date.fromisoformat(as_of)))
        seconds = time.perf_counter() - started
    queue.put((seconds, _peak_mb(), len(dates.page_days(date.fromisoformat(as_of)))))


def _in_child(target, path: Path, as_of: date) -> tuple:
    """Run in a spawned process, so its memory does not count as the dashboard's."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=target, args=(str(path), as_of.isoformat(), queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def run_pandas(path: Path, as_of: date) -> tuple[float, float]:
    seconds, peak_mb, _counts = _in_child(_pandas_child, path, as_of)
    return seconds, peak_mb


def build_snapshots(path: Path, as_of: date) -> tuple[float, float, int]:
    """(seconds, peak MB, days) of storing the pages' snapshots, as after a commit."""
    return _in_child(_snapshot_child, path, as_of)


def _live_child(path: str, as_of: str, queue) -> None:
    """red_flags and unit_scorecard computed from the facts (no snapshot): what a miss costs."""
    day = date.fromisoformat(as_of)
    red = min(best_of(1, lambda: _fetch_view(Path(path), "red_flags", day)) for _ in range(LIVE_RUNS))
    scorecard = min(best_of(1, lambda: _fetch_view(Path(path), "unit_scorecard", day)) for _ in range(LIVE_RUNS))
    queue.put((red, scorecard, _peak_mb()))


def _read_view(path: Path, view: str, as_of: date) -> int:
    """The view as the pages and exports get it (from the stored snapshot)."""
    with db.connect(path) as con:
        _quiet(con)
        return len(db.query_view(con, view, as_of))


def app_pages() -> list[str]:
    """The page scripts in dashboard.py's navigation, in order."""
    import re

    return re.findall(r'(?:st\.Page|protected)\("([^"]+)"', (db.PROJECT_ROOT / "dashboard.py").read_text(encoding="utf-8"))


def time_pages(path: Path, timeout: float = 120, out=sys.stdout) -> list[tuple[str, float, float]]:
    """Each page under AppTest: cold (caches cleared, first run) and warm (second run). A run
    longer than `timeout` is recorded as infinite (printed '> timeout') and the next page goes on."""
    import os

    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from streamlit import logger as streamlit_logger

    streamlit_logger.set_log_level("error")  # "No runtime found" warnings outside a server
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    os.environ["NQ57_DB"] = str(path)
    # as under the server: the database stays open between a page's connections (AppTest has no
    # server runtime, so components/data.py does not turn this on by itself)
    db.keep_open(db.DASHBOARD_KEEP_OPEN_SECONDS)
    results = []
    try:
        for page in ["dashboard.py", *app_pages()]:
            st.cache_data.clear()
            st.cache_resource.clear()
            at = AppTest.from_file(str(db.PROJECT_ROOT / "dashboard.py"), default_timeout=timeout)
            if page != "dashboard.py":
                at.switch_page(page)
            cold = warm = float("inf")
            try:
                started = time.perf_counter()
                at.run()
                cold = time.perf_counter() - started
                if at.exception:
                    raise RuntimeError(f"{page}: {at.exception[0].message}")
                started = time.perf_counter()
                at.run()
                warm = time.perf_counter() - started
            except RuntimeError as problem:
                if "timed out" not in str(problem):
                    raise
            print(f"  {page}: {cold:.2f} s / {warm:.2f} s", file=out, flush=True)
            results.append((page, cold, warm))
    finally:
        db.keep_open(0)
    return results


def _table(title: str, rows: list[tuple[str, str, str, str]], out) -> None:
    header = ("Phép đo", "Kết quả", "Mục tiêu", "Đánh giá")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    print(f"\n{title}", file=out)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in rows:
        print("  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3]]),
              file=out)


def run_views_bench(scale: str, runs: int, skip_pages: bool = False, skip_pandas: bool = False,
                    as_of: date | None = None, page_timeout: float = 120, out=sys.stdout) -> dict[str, float]:
    as_of = as_of or date.today()
    path = bench_database(scale, out)
    with db.connect(path, read_only=True) as con:
        units, kpi_rows = con.execute(
            "select (select count(*) from units where kind in ('ward', 'commune')), (select count(*) from kpi_values)"
        ).fetchall()[0]
    print(f"  {path.name}: {units:,} xã/phường, {kpi_rows:,} số liệu chỉ tiêu; tính đến {as_of:%d/%m/%Y}",
          file=out, flush=True)
    snapshot_seconds, snapshot_mb, snapshot_days = build_snapshots(path, as_of)
    red = scorecard = floor = float("inf")
    for _ in range(runs):  # alternate, so a busy machine slows all of them alike
        red = min(red, best_of(1, lambda: _read_view(path, "red_flags", as_of)))
        scorecard = min(scorecard, best_of(1, lambda: _read_view(path, "unit_scorecard", as_of)))
        floor = min(floor, best_of(1, lambda: _floor(path, as_of)))
    views = red + scorecard
    # in its own process, like the pandas script: its hash tables are not the dashboard's memory
    red_live, scorecard_live, live_mb = _in_child(_live_child, path, as_of)
    pandas_time, pandas_mb = (float("nan"), float("nan")) if skip_pandas else run_pandas(path, as_of)
    pages = [] if skip_pages else time_pages(path, page_timeout, out)
    peak_mb = _peak_mb()

    national = scale == "national"
    rows = [
        ("red_flags (như trang và lệnh export đọc)", f"{red:.3f} s", f"≤ {GOAL_VIEW_SECONDS:g} s" if national else "",
         _verdict(red <= GOAL_VIEW_SECONDS) if national else ""),
        ("unit_scorecard (như trang và lệnh export đọc)", f"{scorecard:.3f} s",
         f"≤ {GOAL_VIEW_SECONDS:g} s" if national else "", _verdict(scorecard <= GOAL_VIEW_SECONDS) if national else ""),
        ("sàn: một GROUP BY trên kpi_values", f"{floor:.3f} s", "", ""),
        ("    red_flags / sàn", f"{red / floor:.2f}×", f"≤ {GOAL_VIEW_OVER_FLOOR:g}×",
         _verdict(red / floor <= GOAL_VIEW_OVER_FLOOR)),
        ("    unit_scorecard / sàn", f"{scorecard / floor:.2f}×", f"≤ {GOAL_VIEW_OVER_FLOOR:g}×",
         _verdict(scorecard / floor <= GOAL_VIEW_OVER_FLOOR)),
        ("pandas (đọc bảng + cùng quy tắc)", "bỏ qua" if skip_pandas else f"{pandas_time:.3f} s", "", ""),
        ("    pandas / (red_flags + unit_scorecard)", "—" if skip_pandas else f"{pandas_time / views:.2f}×",
         f"≥ {GOAL_PANDAS_OVER_VIEWS:g}×", "—" if skip_pandas else _verdict(pandas_time / views >= GOAL_PANDAS_OVER_VIEWS)),
        ("tính từ dữ liệu gốc (chưa lưu sẵn): red_flags", f"{red_live:.3f} s", "", ""),
        ("tính từ dữ liệu gốc (chưa lưu sẵn): unit_scorecard", f"{scorecard_live:.3f} s", "", ""),
        ("    RSS đỉnh khi tính từ dữ liệu gốc (tiến trình riêng)", f"{live_mb:,.0f} MB", "", ""),
        (f"lưu sẵn số liệu {snapshot_days} ngày sau khi ghi (tiến trình riêng)", f"{snapshot_seconds:.2f} s", "", ""),
        ("    RSS đỉnh khi lưu sẵn", f"{snapshot_mb:,.0f} MB", "", ""),
    ]
    for page, cold, warm in pages:
        cold_goal = f"≤ {GOAL_PAGE_COLD_NATIONAL:g} s" if national else ""
        warm_goal = "" if national else f"≤ {GOAL_PAGE_WARM_PROVINCE:g} s"
        shown = lambda seconds: f"> {page_timeout:g} s" if seconds == float("inf") else f"{seconds:.3f} s"
        rows.append((f"trang {page} lần đầu (bộ đệm trống)", shown(cold), cold_goal,
                     _verdict(cold <= GOAL_PAGE_COLD_NATIONAL) if national else ""))
        rows.append((f"trang {page} lần hai", shown(warm), warm_goal,
                     "" if national else _verdict(warm <= GOAL_PAGE_WARM_PROVINCE)))
    rows.append(("RSS đỉnh của tiến trình (view + trang)", f"{peak_mb:,.0f} MB", f"≤ {GOAL_PEAK_MB:,} MB",
                 _verdict(peak_mb <= GOAL_PEAK_MB)))
    if not skip_pandas:
        rows.append(("    RSS đỉnh của tiến trình pandas", f"{pandas_mb:,.0f} MB", "", ""))
    _table(f"Hiệu năng view và trang — quy mô {scale} (tốt nhất của {runs} lần)", rows, out)
    return {"red_flags": red, "unit_scorecard": scorecard, "floor": floor, "pandas": pandas_time,
            "red_flags_live": red_live, "unit_scorecard_live": scorecard_live, "snapshots": snapshot_seconds,
            "snapshot_mb": snapshot_mb,
            "peak_mb": peak_mb, **{f"cold:{p}": c for p, c, _w in pages}, **{f"warm:{p}": w for p, _c, w in pages}}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nq57 bench", description="Đo hiệu năng")
    parser.add_argument("--ingest", action="store_true", help="đo hiệu năng nhập báo cáo Excel")
    parser.add_argument("--runs", type=int, default=3, help="số lần đo cho các phép nhanh (lấy tốt nhất)")
    parser.add_argument("--pandas-runs", type=int, default=1, help="số lần đo pandas+openpyxl")
    parser.add_argument("--skip-pandas", action="store_true", help="bỏ qua phép đo pandas+openpyxl (chậm)")
    parser.add_argument("--views", action="store_true", help="đo hiệu năng view red_flags, unit_scorecard và các trang")
    parser.add_argument("--scale", choices=["province", "national"], default="province",
                        help="quy mô dữ liệu cho --views (cơ sở dữ liệu tạo một lần trong data/bench/)")
    parser.add_argument("--skip-pages", action="store_true", help="--views: bỏ qua phép đo các trang (AppTest)")
    parser.add_argument("--page-timeout", type=float, default=120, help="--views: giới hạn giây cho một lần chạy trang")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.ingest and not args.views:
        parser.print_usage(sys.stderr)
        print("Sai cú pháp: chọn phép đo, ví dụ --ingest hoặc --views", file=sys.stderr)
        return 2
    if args.runs < 1 or args.pandas_runs < 1:
        print("Sai cú pháp: --runs và --pandas-runs phải từ 1 trở lên", file=sys.stderr)
        return 2
    if args.ingest:
        run_ingest_bench(args.runs, args.pandas_runs, args.skip_pandas)
    if args.views:
        run_views_bench(args.scale, args.runs, skip_pages=args.skip_pages, skip_pandas=args.skip_pandas,
                        page_timeout=args.page_timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
