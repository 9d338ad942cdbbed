"""The commit benchmark (`python -m nq57 bench --commit`): what one unit's monthly report costs
at province and at national scale, measured in one run on the demo databases of `bench --views`.

For the same one-unit file (xa-nha-bich, last month): the wall time and peak memory of
`python -m nq57 import` at each scale and their ratio; 20 consecutive one-unit imports at each
scale; `red_flags` and `unit_scorecard` computed from the facts (no stored answers) against the
floor, one DuckDB GROUP BY over `kpi_values` (docs/SCALING.md)."""
from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchmarks.common import table, verdict
from nq57.vnformat import vn_number, vn_short
from benchmarks.views import _floor, _in_child, _live_child, bench_database, best_of
from nq57 import db

UNIT = "xa-nha-bich"
SERIES = 20
GOAL_COMMIT_RATIO = 1.5
GOAL_COMMIT_MB = 400
GOAL_LIVE_OVER_FLOOR = 2.0
FIRST_ROW = 4  # the KPI sheet's header is row 3 (templates.HEADER_ROW)
PEAK_MARK = "NQ57_BENCH_PEAK_KB"
# `python -m nq57`, which at exit writes its own peak RSS (VmHWM) to standard error. wait4's
# ru_maxrss is not the import's: Linux carries the spawning process's peak across exec, so it gave
# this benchmark's own size (830 MB at national scale) for an import that peaked at 480 MB.
_MEASURED_CLI = (
    "import atexit, runpy, sys\n"
    "from benchmarks.common import peak_mb\n"
    f"atexit.register(lambda: sys.stderr.write('{PEAK_MARK} %d\\n' % (peak_mb() * 1024)))\n"
    "sys.argv[0] = 'nq57'\n"
    "runpy.run_module('nq57', run_name='__main__', alter_sys=True)\n"
)


def last_period(today: date) -> str:
    """The month a unit reports now: the one before today's."""
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def filled_report(con, unit: str, period: str, value: float) -> bytes:
    """The unit's template with every KPI value set, as a secretariat would send it (a count of
    people or enterprises as a whole number: the importer refuses 61,5 people)."""
    import math

    import openpyxl

    from nq57 import templates, value_rules
    from nq57.workbook_format import KPI_COLUMNS, KPI_SHEET

    keys = [c.key for c in KPI_COLUMNS]
    value_column, unit_column = keys.index("value") + 1, keys.index("unit_of_measure") + 1
    buffer = io.BytesIO()
    templates.build_report_template(con, unit, period).save(buffer)
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook[KPI_SHEET]
    for row in range(FIRST_ROW, sheet.max_row + 1):
        if sheet.cell(row, 4).value:
            whole = value_rules.counts_whole_things(sheet.cell(row, unit_column).value)
            sheet.cell(row, value_column).value = math.floor(value) if whole else value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def series_units(con, count: int) -> list[str]:
    """The first `count` real communes/wards with KPI targets (the same at both scales): since
    targets follow plan lineage (issue #14) some units hold none, and their template has no KPI row
    to fill (the import refuses an empty file)."""
    return [unit for (unit,) in con.execute(
        "select u.unit_id from units u where u.kind in ('ward', 'commune') and u.unit_id not like 'tinh-%' "
        "and u.unit_id <> ? and u.unit_id in (select unit_id from effective_targets) "
        "order by u.sort_order, u.unit_id limit ?", [UNIT, count]).fetchall()]


def run_import(path: Path, report: Path) -> tuple[float, float]:
    """(wall seconds, peak MB) of one `python -m nq57 import` process, as a secretariat runs it."""
    started = time.perf_counter()
    child = subprocess.run([sys.executable, "-c", _MEASURED_CLI, "--db", str(path), "import", str(report), "--system"],
                           cwd=db.PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - started
    error = child.stderr.decode("utf-8", "replace")
    if child.returncode != 0:
        raise RuntimeError(f"nhập {report.name} thất bại: {error.strip()}")
    return seconds, peak_reported(error)


def peak_reported(stderr: str) -> float:
    """The peak MB the measured command wrote to standard error at exit."""
    for line in stderr.splitlines():
        if line.startswith(PEAK_MARK):
            return int(line.split()[1]) / 1024
    raise RuntimeError("lệnh nhập không báo bộ nhớ đỉnh")


def _refresh(path: Path) -> None:
    """Every stored date up to date before timing, so each import pays for its own change only."""
    subprocess.run([sys.executable, "-m", "nq57", "--db", str(path), "refresh"], check=True,
                   cwd=db.PROJECT_ROOT, stdout=subprocess.DEVNULL)


def measure_scale(scale: str, folder: Path, out) -> dict[str, float]:
    path = bench_database(scale, out)
    today = date.today()
    period = last_period(today)
    with db.connect(path) as con:
        # two versions of the same file: the second supersedes the first (an identical file
        # would be refused as already imported)
        singles = [folder / f"{scale}-{UNIT}-{n}.xlsx" for n in (1, 2)]
        for value, report in zip((61.5, 62.5), singles):
            report.write_bytes(filled_report(con, UNIT, period, value))
        # SERIES imports over the units that hold targets, in turn: where there are fewer than
        # SERIES, a unit's next file is a new version of its month (another value: it supersedes)
        files, units = [], series_units(con, SERIES)
        for number in range(SERIES):
            unit = units[number % len(units)]
            report = folder / f"{scale}-{unit}-{number}.xlsx"
            report.write_bytes(filled_report(con, unit, period, 40 + number))
            files.append(report)
    _refresh(path)
    print(f"  {scale}: nhập một đơn vị …", file=out, flush=True)
    seconds, peak = min(run_import(path, report) for report in singles)
    print(f"  {scale}: nhập {len(files)} đơn vị liên tiếp …", file=out, flush=True)
    started = time.perf_counter()
    for report in files:
        run_import(path, report)
    series = time.perf_counter() - started
    red, scorecard, _mb = _in_child(_live_child, path, today)
    floor = best_of(3, lambda: _floor(path, today))
    return {"import": seconds, "import_mb": peak, "series": series, "red_flags": red,
            "unit_scorecard": scorecard, "floor": floor}


def run_commit_bench(out=sys.stdout) -> dict[str, dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="nq57-bench-commit-") as folder:
        province = measure_scale("province", Path(folder), out)
        national = measure_scale("national", Path(folder), out)
    ratio = national["import"] / province["import"]
    series_ratio = national["series"] / province["series"]
    red_ratio, card_ratio = (national[v] / national["floor"] for v in ("red_flags", "unit_scorecard"))
    rows = [
        (f"nhập 1 đơn vị ({UNIT}), tỉnh", f"{vn_number(province['import'], 2)} s", "", ""),
        (f"nhập 1 đơn vị ({UNIT}), toàn quốc", f"{vn_number(national['import'], 2)} s", "", ""),
        ("    toàn quốc / tỉnh", f"{vn_number(ratio, 2)}×", f"≤ {vn_short(GOAL_COMMIT_RATIO)}×", verdict(ratio <= GOAL_COMMIT_RATIO)),
        ("    bộ nhớ đỉnh khi nhập, tỉnh", f"{vn_number(province['import_mb'])} MB", "", ""),
        ("    bộ nhớ đỉnh khi nhập, toàn quốc", f"{vn_number(national['import_mb'])} MB", f"≤ {vn_number(GOAL_COMMIT_MB)} MB",
         verdict(national["import_mb"] <= GOAL_COMMIT_MB)),
        (f"{SERIES} lần nhập liên tiếp, tỉnh", f"{vn_number(province['series'], 1)} s", "", ""),
        (f"{SERIES} lần nhập liên tiếp, toàn quốc", f"{vn_number(national['series'], 1)} s", "", ""),
        ("    toàn quốc / tỉnh", f"{vn_number(series_ratio, 2)}×", f"≤ {vn_short(GOAL_COMMIT_RATIO)}×",
         verdict(series_ratio <= GOAL_COMMIT_RATIO)),
        ("sàn toàn quốc: một GROUP BY trên kpi_values", f"{vn_number(national['floor'], 3)} s", "", ""),
        ("red_flags tính từ dữ liệu gốc, toàn quốc", f"{vn_number(national['red_flags'], 3)} s", "", ""),
        ("    / sàn", f"{vn_number(red_ratio, 2)}×", f"≤ {vn_short(GOAL_LIVE_OVER_FLOOR)}×", verdict(red_ratio <= GOAL_LIVE_OVER_FLOOR)),
        ("unit_scorecard tính từ dữ liệu gốc, toàn quốc", f"{vn_number(national['unit_scorecard'], 3)} s", "", ""),
        ("    / sàn", f"{vn_number(card_ratio, 2)}×", f"≤ {vn_short(GOAL_LIVE_OVER_FLOOR)}×", verdict(card_ratio <= GOAL_LIVE_OVER_FLOOR)),
    ]
    table("Chi phí một lần nhập báo cáo — tỉnh và toàn quốc, cùng một lần chạy", rows, out)
    return {"province": province, "national": national}
