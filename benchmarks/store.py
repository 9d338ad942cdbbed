"""The lake against the embedded file (`python -m nq57 bench --views --store STORE`): the same data
(the file migrated into the lake when the lake has none), the same machine, one run: red_flags and
unit_scorecard as pages read them, every page under AppTest cold and warm, and a one-month import;
printed as lake ÷ file ratios beside the goals of issue #13 (reads ≤ 1,5×, the import ≤ 2×)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from benchmarks.commit import UNIT, filled_report, last_period, run_import
from benchmarks.common import best_of, table, verdict
from benchmarks.views import _read_view, bench_database
from nq57 import db
from nq57.vnformat import vn_number, vn_short

GOAL_READ_RATIO = 1.5
GOAL_IMPORT_RATIO = 2.0


def _report_values(target: str) -> int:
    with db.connect(target) as con:
        if not db.is_initialised(con):
            return 0
        return con.execute("select count(*) from kpi_values").fetchall()[0][0]


def load_lake(file: Path, store: str, out) -> None:
    """The file's rows into the lake (`migrate`), unless the lake already holds as many report values."""
    if _report_values(store) == _report_values(str(file)):
        return
    print(f"  chép {file.name} vào kho dữ liệu chung (migrate) …", file=out, flush=True)
    subprocess.run([sys.executable, "-m", "nq57", "migrate", "--from", str(file), "--to", store], check=True,
                   cwd=db.PROJECT_ROOT, stdout=subprocess.DEVNULL)


def _refresh(target: str) -> None:
    subprocess.run([sys.executable, "-m", "nq57", "--db", target, "refresh"], check=True,
                   cwd=db.PROJECT_ROOT, stdout=subprocess.DEVNULL)


def _reads(target: str, as_of: date, runs: int) -> tuple[float, float]:
    red = scorecard = float("inf")
    for _ in range(runs):
        red = min(red, best_of(1, lambda: _read_view(target, "red_flags", as_of)))
        scorecard = min(scorecard, best_of(1, lambda: _read_view(target, "unit_scorecard", as_of)))
    return red, scorecard


def _imports(target: str, folder: Path, name: str) -> float:
    """The best of two imports of one unit's month (the second version supersedes the first)."""
    period = last_period(date.today())
    with db.connect(target) as con:
        files = []
        for value in (61.5, 62.5):
            report = folder / f"{name}-{UNIT}-{value}.xlsx"
            report.write_bytes(filled_report(con, UNIT, period, value))
            files.append(report)
    _refresh(target)  # each import then pays for its own change only
    return min(run_import(Path(target), report)[0] for report in files)


def run_store_bench(scale: str, store: str, runs: int, skip_pages: bool = False, page_timeout: float = 120,
                    out=sys.stdout) -> dict[str, float]:
    if not os.environ.get("NQ57_DATA_PATH"):
        raise SystemExit("Lỗi: cần NQ57_DATA_PATH (thư mục tệp Parquet của kho dữ liệu chung)")
    os.environ.pop("NQ57_STORE", None)  # each store is named explicitly (it would beat the pages' NQ57_DB)
    file = bench_database(scale, out)
    load_lake(file, store, out)
    with db.connect(store) as con:
        db.migrate_if_needed(con)
    as_of = date.today()
    targets = {"tệp": str(file), "kho chung": store}
    for target in targets.values():
        _refresh(target)
    results: dict[str, dict[str, float]] = {}
    for name, target in targets.items():
        print(f"  đo {name} …", file=out, flush=True)
        red, scorecard = _reads(target, as_of, runs)
        measured = {"red_flags": red, "unit_scorecard": scorecard}
        if not skip_pages:
            from benchmarks.pages import time_pages

            for page, cold, warm in time_pages(Path(target), page_timeout, out):
                measured[f"trang {page} lần đầu"] = cold
                measured[f"trang {page} lần hai"] = warm
        with tempfile.TemporaryDirectory() as folder:
            measured["nhập báo cáo một tháng (1 đơn vị)"] = _imports(target, Path(folder), scale)
        results[name] = measured
    file_times, lake_times = results["tệp"], results["kho chung"]
    rows = []
    for measure, on_file in file_times.items():
        on_lake = lake_times[measure]
        goal = GOAL_IMPORT_RATIO if measure.startswith("nhập") else GOAL_READ_RATIO
        ratio = on_lake / on_file if on_file > 0 else float("inf")
        rows.append((measure, f"{vn_number(on_file, 3)} s → {vn_number(on_lake, 3)} s", f"≤ {vn_short(goal)}×",
                     f"{vn_number(ratio, 2)}× {verdict(ratio <= goal)}"))
    table(f"Kho dữ liệu chung (DuckLake) so với tệp — quy mô {scale}: tệp → kho chung, tỉ lệ kho chung ÷ tệp", rows, out)
    return {measure: lake_times[measure] / file_times[measure] for measure in file_times}
