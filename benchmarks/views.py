"""The views benchmark (`python -m nq57 bench --views`): storing the pages' snapshots,
red_flags and unit_scorecard as pages read them and computed from the facts, against a bare
DuckDB scan-aggregate (the floor) and the same rules in pandas, every page under AppTest, peak
memory, with the goals (see docs/SCALING.md)."""
from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

from benchmarks.common import best_of, peak_mb as _peak_mb, table as _table, verdict as _verdict
from benchmarks.pandas_rules import pandas_rules, quiet as _quiet
from nq57 import db, kpi_store
from nq57.vnformat import vn_number, vn_short

LIVE_RUNS = 2
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


def bench_database(scale: str, out=sys.stdout, path: Path | None = None) -> Path:
    """The database to measure: `path` (from `--db`) or the scale's in data/bench/; built once
    (a `demo --scale` in a child process) when missing, and given this code's views."""
    import subprocess

    path = Path(path) if path is not None else BENCH_DIR / f"{scale}.duckdb"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".building.duckdb")
        partial.unlink(missing_ok=True)
        print(f"Đang tạo cơ sở dữ liệu quy mô {scale} → {path} …", file=out, flush=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nq57", "--db", str(partial), "demo", "--scale", scale, "--system"],
                       check=True, cwd=db.PROJECT_ROOT, stdout=subprocess.DEVNULL)
        partial.rename(path)
        print(f"  tạo xong trong {vn_number(time.perf_counter() - started, 1)} s", file=out, flush=True)
    with db.connect(path) as con:
        db.migrate_if_needed(con)  # a cached database gets this code's views
    return path


def _fetch_view(path: Path, view: str, as_of: date) -> int:
    """The view computed from the stores and facts (no stored answer), as a page's read on a miss
    computes it: with the paths from the facts pruned when every store holds (kpi_store.trusted)."""
    with db.connect(path) as con:
        _quiet(con)
        db.set_as_of(con, as_of)
        with kpi_store.trusted(con, view):
            return len(con.execute(f"select * from {view}").fetchall())


def _floor(path: Path, as_of: date) -> int:
    with db.connect(path) as con:
        _quiet(con)
        return len(con.execute(FLOOR_SQL, [as_of, as_of]).fetchall())


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


def run_views_bench(scale: str, runs: int, skip_pages: bool = False, skip_pandas: bool = False,
                    as_of: date | None = None, page_timeout: float = 120, out=sys.stdout,
                    db_path: Path | None = None) -> dict[str, float]:
    as_of = as_of or date.today()
    path = bench_database(scale, out, db_path)
    with db.connect(path, read_only=True) as con:
        units, kpi_rows = con.execute(
            "select (select count(*) from units where is_commune_level(kind)), (select count(*) from kpi_values)"
        ).fetchall()[0]
    print(f"  {path.name}: {vn_number(units)} xã/phường, {vn_number(kpi_rows)} số liệu chỉ tiêu; tính đến {as_of:%d/%m/%Y}",
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
    if skip_pages:
        pages = []
    else:
        from benchmarks.pages import time_pages  # Streamlit only when the pages are timed

        pages = time_pages(path, page_timeout, out)
    peak_mb = _peak_mb()

    national = scale == "national"
    rows = [
        ("red_flags (như trang và lệnh export đọc)", f"{vn_number(red, 3)} s", f"≤ {vn_short(GOAL_VIEW_SECONDS)} s" if national else "",
         _verdict(red <= GOAL_VIEW_SECONDS) if national else ""),
        ("unit_scorecard (như trang và lệnh export đọc)", f"{vn_number(scorecard, 3)} s",
         f"≤ {vn_short(GOAL_VIEW_SECONDS)} s" if national else "", _verdict(scorecard <= GOAL_VIEW_SECONDS) if national else ""),
        ("sàn: một GROUP BY trên kpi_values", f"{vn_number(floor, 3)} s", "", ""),
        ("    red_flags / sàn", f"{vn_number(red / floor, 2)}×", f"≤ {vn_short(GOAL_VIEW_OVER_FLOOR)}×",
         _verdict(red / floor <= GOAL_VIEW_OVER_FLOOR)),
        ("    unit_scorecard / sàn", f"{vn_number(scorecard / floor, 2)}×", f"≤ {vn_short(GOAL_VIEW_OVER_FLOOR)}×",
         _verdict(scorecard / floor <= GOAL_VIEW_OVER_FLOOR)),
        ("pandas (đọc bảng + cùng quy tắc)", "bỏ qua" if skip_pandas else f"{vn_number(pandas_time, 3)} s", "", ""),
        ("    pandas / (red_flags + unit_scorecard)", "—" if skip_pandas else f"{vn_number(pandas_time / views, 2)}×",
         f"≥ {vn_short(GOAL_PANDAS_OVER_VIEWS)}×", "—" if skip_pandas else _verdict(pandas_time / views >= GOAL_PANDAS_OVER_VIEWS)),
        ("tính từ dữ liệu gốc (chưa lưu sẵn): red_flags", f"{vn_number(red_live, 3)} s", "", ""),
        ("tính từ dữ liệu gốc (chưa lưu sẵn): unit_scorecard", f"{vn_number(scorecard_live, 3)} s", "", ""),
        ("    RSS đỉnh khi tính từ dữ liệu gốc (tiến trình riêng)", f"{vn_number(live_mb)} MB", "", ""),
        (f"lưu sẵn số liệu {snapshot_days} ngày sau khi ghi (tiến trình riêng)", f"{vn_number(snapshot_seconds, 2)} s", "", ""),
        ("    RSS đỉnh khi lưu sẵn", f"{vn_number(snapshot_mb)} MB", "", ""),
    ]
    for page, cold, warm in pages:
        cold_goal = f"≤ {vn_short(GOAL_PAGE_COLD_NATIONAL)} s" if national else ""
        warm_goal = "" if national else f"≤ {vn_short(GOAL_PAGE_WARM_PROVINCE)} s"
        shown = lambda seconds: f"> {vn_short(page_timeout)} s" if seconds == float("inf") else f"{vn_number(seconds, 3)} s"
        rows.append((f"trang {page} lần đầu (bộ đệm trống)", shown(cold), cold_goal,
                     _verdict(cold <= GOAL_PAGE_COLD_NATIONAL) if national else ""))
        rows.append((f"trang {page} lần hai", shown(warm), warm_goal,
                     "" if national else _verdict(warm <= GOAL_PAGE_WARM_PROVINCE)))
    rows.append(("RSS đỉnh của tiến trình (view + trang)", f"{vn_number(peak_mb)} MB", f"≤ {vn_number(GOAL_PEAK_MB)} MB",
                 _verdict(peak_mb <= GOAL_PEAK_MB)))
    if not skip_pandas:
        rows.append(("    RSS đỉnh của tiến trình pandas", f"{vn_number(pandas_mb)} MB", "", ""))
    _table(f"Hiệu năng view và trang — quy mô {scale} (tốt nhất của {runs} lần)", rows, out)
    return {"red_flags": red, "unit_scorecard": scorecard, "floor": floor, "pandas": pandas_time,
            "red_flags_live": red_live, "unit_scorecard_live": scorecard_live, "snapshots": snapshot_seconds,
            "snapshot_mb": snapshot_mb,
            "peak_mb": peak_mb, **{f"cold:{p}": c for p, c, _w in pages}, **{f"warm:{p}": w for p, _c, w in pages}}
