"""The ingest benchmark: how fast a year of province-wide reports is checked and stored.

`python -m nq57 bench --ingest` (or `python -m benchmarks --ingest`) builds, in a temporary folder, a database with the real catalogue plus 120 synthetic KPIs,
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

import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from benchmarks.common import best_of, peak_mb, table, verdict
from nq57 import catalogue, db, ingest
from nq57.vnformat import vn_number, vn_short
from nq57.workbook_format import (
    INSTRUCTIONS_SHEET, KPI_COLUMNS, KPI_SHEET, META_SHEET, REPORT_META_KIND, TASK_COLUMNS, TASK_SHEET,
    TEMPLATE_VERSION,
)

BENCH_KPI_COUNT = 120
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
            "select unit_id, name from units where is_commune_level(kind) order by sort_order"
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
        print(f"  {len(units)} xã/phường × {BENCH_KPI_COUNT} chỉ tiêu; tệp năm {vn_number(year_rows)} dòng "
              f"({vn_number(year_file.stat().st_size / 1048576, 1)} MB), tệp tháng {vn_number(month_rows)} dòng; "
              f"ghi bằng openpyxl write-only trong {vn_number(time.perf_counter() - started, 1)} s", file=out, flush=True)

        work_db = folder / "work.duckdb"
        # (a) and (b) alternate, so a busy machine slows both alike
        full = calamine = float("inf")
        for _ in range(runs):
            full = min(full, full_import(base_db, work_db, year_file, today, year_rows))
            calamine = min(calamine, best_of(1, lambda: calamine_read(year_file)))
        pandas_time = float("nan") if skip_pandas else best_of(pandas_runs, lambda: pandas_openpyxl_read(year_file))
        one_month = min(full_import(base_db, work_db, month_file, today, month_rows) for _ in range(runs))
        peak = peak_mb()

    full_over_calamine = full / calamine
    pandas_over_full = pandas_time / full
    rows = [
        (f"(a) nhập đầy đủ (kiểm tra + ghi), {vn_number(year_rows)} dòng", f"{vn_number(full, 3)} s", "", ""),
        ("(b) calamine đọc trần", f"{vn_number(calamine, 3)} s", "", ""),
        ("(c) pandas + openpyxl đọc trần",
         "bỏ qua" if skip_pandas else f"{vn_number(pandas_time, 3)} s", "", ""),
        ("    nhập đầy đủ / calamine", f"{vn_number(full_over_calamine, 2)}×", f"≤ {vn_short(GOAL_FULL_OVER_CALAMINE)}×",
         verdict(full_over_calamine <= GOAL_FULL_OVER_CALAMINE)),
        ("    pandas+openpyxl / nhập đầy đủ", "—" if skip_pandas else f"{vn_number(pandas_over_full, 2)}×",
         f"≥ {vn_short(GOAL_PANDAS_OVER_FULL)}×", "—" if skip_pandas else verdict(pandas_over_full >= GOAL_PANDAS_OVER_FULL)),
        (f"(d) nhập tệp một tháng toàn tỉnh, {vn_number(month_rows)} dòng", f"{vn_number(one_month, 3)} s",
         f"< {vn_short(GOAL_ONE_MONTH_SECONDS)} s", verdict(one_month < GOAL_ONE_MONTH_SECONDS)),
        ("    RSS đỉnh của tiến trình", f"{vn_number(peak)} MB", "", ""),
    ]
    table(f"Hiệu năng nhập báo cáo (tốt nhất của {runs} lần; pandas+openpyxl {pandas_runs} lần)", rows, out)
    return {"full": full, "calamine": calamine, "pandas": pandas_time, "one_month": one_month, "peak_mb": peak}
