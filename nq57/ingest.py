"""Importing report workbooks: read fast (python-calamine), forgive what people really type,
refuse what would corrupt the data, and commit all or nothing.

`check_workbook` only reads and validates; `commit` writes one transaction. The command line
(`python -m nq57 import`) and the upload page both call these two functions. Reading the cells
and sheets is ingest_cells.py; the rules the rows follow are ingest_rules.py.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd

from nq57 import audit, auth, db, request_items, storage, verdicts, workbook
from nq57.transaction import retried  # a lost write to another server is run again
from nq57.vnformat import vn_date, vn_short, vn_shortened
from nq57.ingest_cells import (  # noqa: F401  (re-exported: callers use ingest.parse_period …)
    PERIOD_RANGE_SEPARATOR, _locate, _per_distinct, _read_meta, parse_period, parse_period_range, reading_settings,
)
from nq57.ingest_rules import _check_kpis, _check_tasks, _Context
from nq57.workbook import Problem
from nq57.workbook.common import ProblemList, max_upload_bytes, megabytes
from nq57.workbook_format import KPI_SHEET, META_SHEET, SHEET_COLUMNS, TASK_SHEET

SUSPICIOUS_DROP = 0.5                     # a value falling to less than half of the last one is worth a look


@dataclass
class CheckResult:
    file_name: str
    sha256: str
    size: int
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unit_id: str | None = None
    period: date | None = None        # the template's month, or the first month of a range
    period_to: date | None = None     # the last month rows may carry (equal to period for one month)
    kpi_rows: pd.DataFrame | None = None
    task_rows: pd.DataFrame | None = None
    duplicate_of: int | None = None
    truncated_problems: int = 0

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def units(self) -> list[str]:
        found = set()
        for frame in (self.kpi_rows, self.task_rows):
            if frame is not None and len(frame):
                found.update(frame["unit_id"].unique())
        return sorted(found)

    @property
    def row_count(self) -> int:
        return sum(len(f) for f in (self.kpi_rows, self.task_rows) if f is not None)

    def problem_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [{"Trang": p.sheet or "", "Ô": p.cell or "", "Giá trị": _cell_text(p.value),
              "Lỗi": p.message} for p in self.problems],
            columns=["Trang", "Ô", "Giá trị", "Lỗi"],
        )


def _cell_text(value: object) -> str:
    """A cell's value as the sender typed it, in Vietnamese: 150 (not 150.0), 70,5, 31/12/2025."""
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return vn_short(value)
    if isinstance(value, (date, datetime)):
        return vn_date(value)
    return str(value)


# --- the check ------------------------------------------------------------------------------------

def check_workbook(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                   today: date | None = None) -> CheckResult:
    """Read and validate a report workbook; stores nothing."""
    today = today or date.today()
    result = CheckResult(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    problems = ProblemList(result)
    limit = max_upload_bytes(con)
    if len(data) > limit:
        problems.add(None, None, None, f"tệp {megabytes(len(data))} MB vượt giới hạn {megabytes(limit)} MB")
        return result
    try:
        book = workbook.read_workbook(data, file_name, [META_SHEET, *SHEET_COLUMNS], list(SHEET_COLUMNS),
                                      reading_settings(con))
    except workbook.Refused as refused:
        for problem in refused.problems:
            problems.add(problem.sheet, problem.cell, problem.value, problem.message)
        return result

    meta = _read_meta(book.cells, problems)
    if meta is None:
        return result
    result.unit_id = meta.get("unit_id")
    span = parse_period_range(meta.get("period", ""))
    if span is None:
        problems.add(META_SHEET, "B4", meta.get("period"),
                     "kỳ báo cáo của mẫu không hợp lệ (cần dạng YYYY-MM, hoặc YYYY-MM..YYYY-MM cho nhiều kỳ)")
        return result
    period, period_to = span
    if period_to > date(today.year, today.month, 1):
        problems.add(META_SHEET, "B4", meta.get("period"), f"kỳ báo cáo {period_to:%m/%Y} chưa tới; không nhận báo cáo cho kỳ tương lai")
        return result
    result.period, result.period_to = period, period_to
    known_units = {r[0] for r in con.execute("select unit_id from units").fetchall()}
    if result.unit_id != "all" and result.unit_id not in known_units:
        problems.add(META_SHEET, "B3", result.unit_id, f"mã đơn vị '{result.unit_id}' của mẫu không có trong danh mục")
        return result

    sheets = {}
    for name, columns in SHEET_COLUMNS.items():
        if name not in book.cells:
            problems.add(name, None, None, f"thiếu trang '{name}'; tệp không đúng mẫu")
            continue
        located = _locate(book.cells[name], columns, name, problems, result.warnings)
        if located is not None:
            sheets[name] = located
    if result.problems:
        return result

    context = _Context(con, result, known_units)
    result.kpi_rows = _check_kpis(sheets[KPI_SHEET], context, problems)
    result.task_rows = _check_tasks(sheets[TASK_SHEET], context, problems)
    if not result.problems and result.row_count == 0:
        problems.add(None, None, None, "tệp không có số liệu nào được điền (mọi ô Giá trị, Trạng thái đều trống)")
    if result.accepted:
        result.duplicate_of = con.execute(
            "select min(batch_id) from report_batches where sha256 = ? and rolled_back_at is null", [result.sha256]
        ).fetchall()[0][0]
    return result


# --- preview and commit ---------------------------------------------------------------------------

class Preview(NamedTuple):
    """What a checked file would change: its KPI values and its task statuses, each against the
    one in force (workbook/import_preview.sql, workbook/import_task_preview.sql)."""
    kpis: pd.DataFrame
    tasks: pd.DataFrame


def preview_changes(con: duckdb.DuckDBPyConnection, result: CheckResult) -> Preview:
    """Each KPI value of the file against the last accepted one (new, changed, unchanged, and
    suspicious jumps: a rate falling from 80% to 8%), and each task status likewise (a step back:
    a finished task reported as in progress)."""
    return Preview(_compared(con, result.kpi_rows, "staged_kpi_values", "workbook/import_preview",
                             {"drop": SUSPICIOUS_DROP}),
                   _compared(con, result.task_rows, "staged_task_updates", "workbook/import_task_preview"))


def preview_warnings(preview: Preview) -> list[str]:
    """What the preview asks a person to look at before committing, one line each (the command
    line's --dry-run; the page shows the same rows as tables)."""
    def percent(value) -> str:
        return "" if pd.isna(value) else f" {vn_short(value)}%"

    kpis, tasks = preview.kpis[preview.kpis["is_suspicious"]], preview.tasks[preview.tasks["is_step_back"]]
    lines = [f"{row.unit_name}, chỉ tiêu «{vn_shortened(row.kpi_name, 60)}» kỳ {row.period:%m/%Y}: "
             f"{vn_short(row.previous_value)} → {vn_short(row.new_value)}: thay đổi bất thường" for row in kpis.itertuples()]
    lines += [f"{row.unit_name}, nhiệm vụ {row.task_no} «{vn_shortened(row.content, 60)}» kỳ {row.period:%m/%Y}: "
              f"{row.previous_status_label}{percent(row.previous_percent)} → {row.new_status_label}{percent(row.new_percent)}: "
              "lùi trạng thái" for row in tasks.itertuples()]
    return lines


def _compared(con, rows: pd.DataFrame, staged_name: str, query: str, parameters: dict | None = None):
    """The file's rows (registered under `staged_name`) read by one preview query."""
    con.register(staged_name, rows)
    try:
        return con.execute(db.read_sql_file(query), parameters).df()
    finally:
        con.unregister(staged_name)


def _datetime64(periods: pd.Series) -> pd.Series:
    values = _per_distinct(periods.to_numpy(dtype=object), lambda d: np.datetime64(d, "D"), dtype="datetime64[D]")
    return pd.Series(values, index=periods.index)


class Committed(NamedTuple):
    """One batch a commit wrote: which unit and month it holds, and its id."""
    unit_id: str
    period: date
    batch_id: int


@retried
def commit(con: duckdb.DuckDBPyConnection, result: CheckResult, user: str | auth.User,
           now: datetime | None = None) -> list[Committed]:
    """Write the checked workbook in one transaction: one batch per unit and period, all or
    nothing; returns those batches, in batch order (a range file has several per unit, so a
    caller attaching evidence picks the batch by unit and period). The same file twice stores nothing new. `user` is a signed-in auth.User (checked:
    auth.PermissionDenied for any unit of the file it may not report for) or a plain name
    (the trusted command line and tests, not checked). A unit account's rows for a period that
    has been reviewed are refused (verdicts.PeriodLocked, audited 'denied') unless the secretariat
    reopened it. Audited: commit, supersede. A full disk or I/O error raises storage.StorageError
    and stores nothing."""
    if not result.accepted:
        raise ValueError("tệp còn lỗi, không thể ghi nhận")
    account = None
    if isinstance(user, auth.User):
        account = auth.check_units(con, user, "import_report", result.units or [result.unit_id])
        user = account.user_name
    else:
        user = auth.trusted_name(user)
    if result.duplicate_of is not None:
        return []
    now = now or datetime.now()
    kpi_rows = result.kpi_rows.drop(columns="excel_row")
    task_rows = result.task_rows.drop(columns="excel_row")
    # periods are Python dates (one per row); DuckDB reads datetime64 columns much faster
    kpi_rows["period"] = _datetime64(kpi_rows["period"])
    task_rows["period"] = _datetime64(task_rows["period"])
    keys = ["unit_id", "period"]
    groups = (pd.concat([kpi_rows[keys], task_rows[keys]], ignore_index=True)
              .groupby(keys, sort=True).size().rename("row_count").reset_index())
    if account is not None:  # a unit may not upload into a period already reviewed (PeriodLocked)
        verdicts.refuse_locked(con, account, zip(groups["unit_id"], groups["period"]), now, result.file_name)
    try:
        with storage.transaction(con):
            previous = audit.batches_in_force(con, groups, now)
            groups = groups.sort_values(["unit_id", "period"], ignore_index=True)
            groups["batch_id"] = db.new_ids(con, "report_batches", len(groups))
            con.register("staged_groups", groups)
            con.execute(
                "insert into report_batches (batch_id, unit_id, period, file_name, sha256, uploaded_by, uploaded_at, "
                "source, row_count) select batch_id, unit_id, period::date, ?, ?, ?, ?, 'upload', row_count "
                "from staged_groups", [result.file_name, result.sha256, user, now])
            batch_map = con.execute("select batch_id, unit_id, period::date as period from staged_groups "
                                    "order by batch_id").df()
            audit.record_commit(con, batch_map, previous, user, result.file_name, now)
            con.register("staged_batches", batch_map)
            con.register("staged_kpis", kpi_rows)
            con.register("staged_tasks", task_rows)
            con.execute(
                "insert into kpi_values (batch_id, unit_id, kpi_id, period, value, numerator, denominator, evidence_ref, note) "
                "select b.batch_id, k.unit_id, k.kpi_id, k.period::date, k.value, k.numerator, k.denominator, k.evidence_ref, "
                "k.note from staged_kpis k join staged_batches b on b.unit_id = k.unit_id and b.period::date = k.period::date"
            )
            con.execute(
                "insert into task_updates (batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref, "
                "difficulties, requests, note) "
                "select b.batch_id, t.unit_id, t.task_id, t.period::date, t.status, t.percent_complete, t.evidence_ref, "
                "t.difficulties, t.requests, t.note from staged_tasks t "
                "join staged_batches b on b.unit_id = t.unit_id and b.period::date = t.period::date"
            )
            # each difficulty or request becomes an item, or a sighting of the one still open
            request_items.raise_from_batches(con, batch_map["batch_id"].tolist(), now)
    finally:
        for name in ("staged_groups", "staged_batches", "staged_kpis", "staged_tasks"):
            try:
                con.unregister(name)
            except Exception:
                pass
    return [Committed(str(unit_id), pd.Timestamp(period).date(), int(batch_id))
            for batch_id, unit_id, period in batch_map[["batch_id", "unit_id", "period"]].itertuples(index=False)]
