"""Importing report workbooks: read fast (python-calamine), forgive what people really type,
refuse what would corrupt the data, and commit all or nothing.

`check_workbook` only reads and validates; `commit` writes one transaction. The command line
(`python -m nq57 import`) and the upload page both call these two functions.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from nq57 import audit, auth, db, storage, value_rules, verdicts, workbook
from nq57.workbook import Problem
from nq57.workbook.common import ProblemList, excel_serial_date, max_upload_bytes, megabytes, meta_values
from nq57.workbook.reader import SheetCells
from nq57.textparse import parse_vn_number
from nq57.workbook_format import (
    KPI_SHEET, META_SHEET, REPORT_META_KIND, SHEET_COLUMNS, SUPPORTED_VERSIONS,
    TASK_SHEET, Column, header_key, status_code,
)

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
            [{"Trang": p.sheet or "", "Ô": p.cell or "", "Giá trị": "" if p.value is None else str(p.value),
              "Lỗi": p.message} for p in self.problems],
            columns=["Trang", "Ô", "Giá trị", "Lỗi"],
        )


# --- the container ------------------------------------------------------------------------------

# --- values ---------------------------------------------------------------------------------------

PERIOD_RANGE_SEPARATOR = ".."


def parse_period_range(value: object) -> tuple[date, date] | None:
    """The _meta period: one month ('2026-10') or, for bulk history files, a range
    ('2025-01..2025-12'). Returns (first, last) or None when unreadable or reversed."""
    text = str(value or "").strip()
    if PERIOD_RANGE_SEPARATOR in text:
        first_text, _, last_text = text.partition(PERIOD_RANGE_SEPARATOR)
        first, last = parse_period(first_text.strip()), parse_period(last_text.strip())
        if first is None or last is None or last < first:
            return None
        return first, last
    single = parse_period(value)
    return None if single is None else (single, single)


def parse_period(value: object) -> date | None:
    """A reporting month from what people put in a cell: 10/2026, 2026-10, tháng 10/2026, a date."""
    if isinstance(value, datetime):
        return date(value.year, value.month, 1)
    if isinstance(value, date):
        return date(value.year, value.month, 1)
    moment = excel_serial_date(value)
    if moment is not None:
        return date(moment.year, moment.month, 1)
    text = header_key(value).replace("thang", "").replace("ky", "").strip(" .t")
    match = re.fullmatch(r"(\d{4})\s*[-/.]\s*(\d{1,2})", text)
    if match:
        year, month = int(match[1]), int(match[2])
    else:
        match = re.fullmatch(r"(?:(\d{1,2})\s*[-/.]\s*)?(\d{1,2})\s*(?:[-/.]|nam)\s*(\d{4})", text)
        if not match:
            return None
        year, month = int(match[3]), int(match[2])
        # a day written with the month must exist: 31/11/2026 is a typing error, not November
        if match[1] is not None and value_rules.real_date(year, month, int(match[1])) is None:
            return None
    if not (1 <= month <= 12 and value_rules.FIRST_YEAR <= year <= value_rules.LAST_YEAR):
        return None
    return date(year, month, 1)


def _cell(column_index: int, excel_row: int) -> str:
    return f"{get_column_letter(column_index + 1)}{excel_row}"


# Cells are checked column by column, not cell by cell: the Python type of every cell is read
# once (np.frompyfunc), numbers are converted with numpy, and text is cleaned or parsed once per
# distinct value (codes, units, periods and statuses repeat on thousands of rows).
_TYPE_OF = np.frompyfunc(type, 1, 1)
_NUMBER_TYPES = (int, float)


def _cells(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    values = series.to_numpy(dtype=object)
    return values, _TYPE_OF(values) if len(values) else np.empty(0, dtype=object)


def _per_distinct(values: np.ndarray, function, dtype=object) -> np.ndarray:
    """function(v) for every v, computed once per distinct value. Only for arrays of one
    Python type: a hash table would merge 1, 1.0 and True."""
    if not len(values):
        return np.empty(0, dtype=dtype)
    codes, uniques = pd.factorize(values, use_na_sentinel=False)  # NaN is a value of its own, not code -1
    mapped = np.empty(len(uniques), dtype=dtype)
    mapped[:] = [function(u) for u in uniques]
    return mapped[codes]


def _is_blank(series: pd.Series) -> pd.Series:
    values, kinds = _cells(series)
    blank = kinds == type(None)
    is_float = kinds == float
    if is_float.any():
        blank[is_float] = np.isnan(values[is_float].astype("float64"))
    is_text = kinds == str
    if is_text.any():
        blank[is_text] = _per_distinct(values[is_text], lambda t: not t.strip(), dtype=bool)
    return pd.Series(blank.astype(bool), index=series.index)


def _numbers(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from cells holding floats or text like '2,5', '1.000', '80%'. Returns the values
    and a mask of cells that hold something that is not a number."""
    values, kinds = _cells(series)
    numbers = np.full(len(values), np.nan)
    bad = np.zeros(len(values), dtype=bool)
    is_native = (kinds == float) | (kinds == int)
    if is_native.any():
        numbers[is_native] = values[is_native].astype("float64")
    is_text = kinds == str
    if is_text.any():
        def parse(text: str) -> float:
            text = text.strip()
            if not text:
                return np.nan                      # blank: no value, not an error
            number = parse_vn_number(text)
            return np.inf if number is None else number   # inf marks "not a number" below
        parsed = _per_distinct(values[is_text], parse, dtype="float64")
        unreadable = np.isinf(parsed)
        parsed[unreadable] = np.nan
        numbers[is_text] = parsed
        bad[is_text] = unreadable
    # Anything else (a date, a boolean, an error cell) is not a number; numpy and other
    # number types are rare enough to look at one by one.
    for position in np.flatnonzero(~(is_native | is_text | (kinds == type(None)))):
        value = values[position]
        if isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool):
            numbers[position] = float(value)
        else:
            bad[position] = True
    return pd.Series(numbers, index=series.index), pd.Series(bad, index=series.index)


def _clean_text(value) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _texts(series: pd.Series) -> pd.Series:
    """Cell values as stripped text, None when blank; 12.0 reads as '12'."""
    values, kinds = _cells(series)
    texts = np.full(len(values), None, dtype=object)
    is_text = kinds == str
    if is_text.any():
        texts[is_text] = _per_distinct(values[is_text], lambda t: t.strip() or None)
    is_float = kinds == float
    if is_float.any():
        texts[is_float] = _per_distinct(values[is_float], _clean_text)
    for position in np.flatnonzero(~(is_text | is_float | (kinds == type(None)))):
        texts[position] = _clean_text(values[position])
    return pd.Series(texts, index=series.index, dtype=object)


def _codes(series: pd.Series) -> pd.Series:
    """Codes (unit, KPI, task) as stripped text; '' when blank."""
    return _texts(series).fillna("")


# --- sheets ---------------------------------------------------------------------------------------

@dataclass
class _Sheet:
    name: str
    frame: pd.DataFrame          # one column per template key found, object values
    excel_rows: np.ndarray       # the Excel row number of each frame row
    column_index: dict[str, int]  # key -> 0-based column in the sheet


def _locate(cells: SheetCells, columns: list[Column], sheet: str, problems: ProblemList, warnings: list) -> _Sheet | None:
    rows = cells.rows(30)
    by_header = {header_key(c.header): c.key for c in columns} | {c.key: c.key for c in columns}
    header_at = None
    for index, row in enumerate(rows):
        keys = {by_header.get(header_key(v)) for v in row}
        if {"unit_id", "period"} <= keys:
            header_at = index
            break
    if header_at is None:
        problems.add(sheet, None, None, "không tìm thấy dòng tiêu đề (cần các cột 'Mã đơn vị', 'Kỳ báo cáo' …); tệp không đúng mẫu")
        return None
    column_index: dict[str, int] = {}
    for index, value in enumerate(rows[header_at]):
        key = by_header.get(header_key(value))
        if key and key not in column_index:
            column_index[key] = index
        elif str(value).strip() and not key:
            warnings.append(Problem(sheet, _cell(index, header_at + 1), value,
                                    f"cột '{value}' không thuộc mẫu; đã bỏ qua"))
    missing = [c.header for c in columns if c.required and c.key not in column_index]
    if sheet == KPI_SHEET and "value" not in column_index and {"numerator", "denominator"} <= set(column_index):
        missing = [m for m in missing if m != "Giá trị"]
    if missing:
        problems.add(sheet, _cell(0, header_at + 1), None, "thiếu cột bắt buộc: " + ", ".join(missing))
        return None
    # One 2-D object array (cells mix numbers and text; pandas would otherwise guess a string
    # dtype), then only the template's columns.
    grid = cells.grid(header_at + 1)
    frame = pd.DataFrame({key: grid[:, index] for key, index in column_index.items()}, dtype=object)
    excel_rows = np.arange(header_at + 2, header_at + 2 + len(frame))
    return _Sheet(sheet, frame, excel_rows, column_index)


def _read_meta(cells: dict[str, SheetCells], problems: ProblemList) -> dict[str, str] | None:
    if META_SHEET not in cells:
        problems.add(None, None, None, "tệp không phải mẫu báo cáo của hệ thống (thiếu trang ẩn _meta); hãy tải mẫu từ trang 'Nhập báo cáo' hoặc lệnh 'python -m nq57 template'")
        return None
    meta = meta_values(cells[META_SHEET])
    if meta.get("kind") != REPORT_META_KIND:
        problems.add(META_SHEET, "B1", meta.get("kind"), "tệp không phải mẫu báo cáo định kỳ (có thể là mẫu kế hoạch)")
        return None
    version = meta.get("template_version")
    if version not in SUPPORTED_VERSIONS:
        problems.add(META_SHEET, "B2", version,
                     f"mẫu phiên bản '{version}' đã cũ hoặc không đúng; hãy tải mẫu mới (phiên bản {', '.join(sorted(SUPPORTED_VERSIONS))})")
        return None
    return meta


def reading_settings(con) -> workbook.Settings:
    return workbook.settings(con, [len(columns) for columns in SHEET_COLUMNS.values()])


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


class _Context:
    def __init__(self, con, result: CheckResult, known_units: set[str]):
        self.result = result
        self.known_units = known_units
        self.kpis = con.execute("select kpi_id, unit_of_measure, is_ratio from kpis").df().set_index("kpi_id")
        self.assignments = set(map(tuple, con.execute("select unit_id, task_id from task_units").fetchall()))
        self.known_tasks = {r[0] for r in con.execute("select task_id from tasks").fetchall()}
        self.max_text_chars = value_rules.max_text_chars(con)


def _keep(sheet: _Sheet, mask: pd.Series) -> _Sheet:
    return _Sheet(sheet.name, sheet.frame[mask.values], sheet.excel_rows[mask.values], sheet.column_index)


def _report_rows(sheet: _Sheet, key: str, message_for, problems: ProblemList, bad: pd.Series) -> None:
    if not bad.any():
        return
    column = sheet.column_index[key]
    values = sheet.frame[key]
    for position in np.flatnonzero(bad.values):
        value = values.iloc[position]
        problems.add(sheet.name, _cell(column, int(sheet.excel_rows[position])), value, message_for(_shown(value)))


def _shown(value: object) -> object:
    """A cell value as a message quotes it: 150 not '150.0', 2,5 not '2.5' (Excel stores every number
    as a float), 1e+308 not 309 digits, long text cut."""
    if isinstance(value, float) and not np.isnan(value):
        if not np.isfinite(value) or abs(value) >= 1e15:
            return f"{value:.6g}".replace(".", ",")
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return value_rules.quoted(value)


def _check_keys(sheet: _Sheet, context: _Context, problems: ProblemList) -> tuple[pd.Series, pd.Series]:
    """Unit and period of every row: known, and the ones the template was made for."""
    result = context.result
    units = _codes(sheet.frame["unit_id"])
    if result.unit_id == "all":
        _report_rows(sheet, "unit_id", lambda v: f"mã đơn vị '{v}' không có trong danh mục", problems,
                     ~units.isin(context.known_units))
    else:
        _report_rows(sheet, "unit_id", lambda v: f"mã đơn vị '{v}' khác đơn vị của mẫu ('{result.unit_id}')",
                     problems, units != result.unit_id)
    # once per distinct cell value (values equal in Python, like 46296 and 46296.0, read alike)
    periods = pd.Series(_per_distinct(sheet.frame["period"].to_numpy(dtype=object), parse_period),
                        index=sheet.frame.index, dtype=object)
    lookup = dict.fromkeys(periods.dropna().unique())
    _report_rows(sheet, "period", _unreadable_period, problems, periods.isna())
    if result.period_to == result.period:
        wrong = periods.notna() & (periods != result.period)
        message = f"kỳ báo cáo khác kỳ của mẫu ({result.period:%m/%Y})"
    else:
        outside = {value for value in lookup if not result.period <= value <= result.period_to}
        wrong = periods.isin(outside)
        message = f"kỳ báo cáo nằm ngoài các kỳ của mẫu ({result.period:%m/%Y}–{result.period_to:%m/%Y})"
    _report_rows(sheet, "period", lambda v: message, problems, wrong)
    return units, periods


def _unreadable_period(value: object) -> str:
    impossible = value_rules.impossible_date(str(value))
    if impossible:
        return f"kỳ báo cáo '{value}' là ngày không có thật ({impossible}); cần dạng 10/2026"
    return "kỳ báo cáo không đọc được (cần dạng 10/2026)"


def _check_lengths(sheet: _Sheet, keys: tuple[str, ...], limit: int, problems: ProblemList) -> None:
    """Texts over the max_text_chars setting are refused, not cut: a cut note would change its meaning."""
    for key in keys:
        if key not in sheet.frame:
            continue
        column = sheet.column_index[key]
        values = sheet.frame[key].to_numpy(dtype=object)
        long = np.flatnonzero([isinstance(v, str) and len(v) > limit for v in values])
        for position in long:
            problems.add(sheet.name, _cell(column, int(sheet.excel_rows[position])), values[position],
                         value_rules.too_long(values[position], limit))


def _check_magnitudes(sheet: _Sheet, key: str, label: str, values: pd.Series, units: pd.Series,
                      problems: ProblemList, skip: pd.Series) -> None:
    """Values outside what their unit of measure allows, non-finite ones included (value_rules:
    one rule for every importer). Rows in `skip` were already reported by a plainer message."""
    if key not in sheet.frame:
        return
    bounds = {unit: value_rules.bounds_for(unit) for unit in units.unique()}
    low = units.map({unit: b[0] for unit, b in bounds.items()}).astype("float64")
    high = units.map({unit: b[1] for unit, b in bounds.items()}).astype("float64")
    bad = values.notna() & ~skip & (~np.isfinite(values) | (values < low) | (values > high))
    column, raw = sheet.column_index[key], sheet.frame[key]
    for position in np.flatnonzero(bad.values):
        why = value_rules.out_of_bounds(float(values.iloc[position]), units.iloc[position])
        problems.add(sheet.name, _cell(column, int(sheet.excel_rows[position])), raw.iloc[position],
                     f"{label} {_shown(float(values.iloc[position]))} {why}")


def _duplicated(units: pd.Series, items: pd.Series, periods: pd.Series) -> pd.Series:
    """Rows whose (unit, item, period) appears more than once."""
    if not len(units):
        return pd.Series(False, index=units.index)
    key = np.zeros(len(units), dtype=np.int64)
    for part in (units, items, periods):
        codes, uniques = pd.factorize(part.to_numpy(dtype=object), use_na_sentinel=False)
        key = key * len(uniques) + codes
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return pd.Series(counts[inverse] > 1, index=units.index)


def _check_kpis(sheet: _Sheet, context: _Context, problems: ProblemList) -> pd.DataFrame:
    frame = sheet.frame
    filled = pd.Series(False, index=frame.index)
    for key in ("value", "numerator", "denominator"):
        if key in frame:
            filled |= ~_is_blank(frame[key])
    sheet = _keep(sheet, filled)
    frame = sheet.frame
    units, periods = _check_keys(sheet, context, problems)
    kpi_ids = _codes(frame["kpi_id"])
    known = kpi_ids.isin(context.kpis.index)
    _report_rows(sheet, "kpi_id", lambda v: f"mã chỉ tiêu '{v}' không có trong danh mục", problems, ~known)

    numbers = {}
    for key, label in (("value", "Giá trị"), ("numerator", "Tử số"), ("denominator", "Mẫu số")):
        if key not in frame:
            numbers[key] = pd.Series(np.nan, index=frame.index)
            continue
        values, bad = _numbers(frame[key])
        _report_rows(sheet, key, lambda v, label=label: f"{label} '{v}' không phải là số", problems, bad)
        numbers[key] = values
    value, numerator, denominator = numbers["value"], numbers["numerator"], numbers["denominator"]
    uom = kpi_ids.map(context.kpis["unit_of_measure"]).fillna("")
    is_percent = uom.eq("%")
    finite = pd.Series(np.isfinite(value), index=frame.index)
    _report_rows(sheet, "value", lambda v: f"tỷ lệ phần trăm {v} nằm ngoài khoảng 0–100", problems,
                 finite & is_percent & ((value < 0) | (value > 100)))
    _report_rows(sheet, "value", lambda v: f"giá trị {v} âm; số đếm không thể âm", problems,
                 finite & ~is_percent & (value < 0))
    _check_magnitudes(sheet, "value", "giá trị", value, uom, problems, skip=finite & (is_percent | (value < 0)))
    counted = pd.Series("", index=frame.index)   # numerators and denominators count things
    if "numerator" in frame:
        _report_rows(sheet, "numerator", lambda v: f"tử số {v} âm", problems, numerator < 0)
        _check_magnitudes(sheet, "numerator", "tử số", numerator, counted, problems, skip=numerator < 0)
        _report_rows(sheet, "numerator", lambda v: f"tử số {v} lớn hơn mẫu số", problems,
                     numerator.notna() & denominator.notna() & (numerator > denominator))
        _report_rows(sheet, "numerator", lambda v: "cần nhập cả tử số và mẫu số", problems,
                     numerator.notna() ^ denominator.notna())
    if "denominator" in frame:
        _report_rows(sheet, "denominator", lambda v: f"mẫu số {v} âm", problems, denominator < 0)
        _check_magnitudes(sheet, "denominator", "mẫu số", denominator, counted, problems, skip=denominator < 0)
        _report_rows(sheet, "denominator", lambda v: "mẫu số bằng 0 trong khi tử số lớn hơn 0", problems,
                     (denominator == 0) & (numerator > 0))
    _check_lengths(sheet, ("evidence_ref", "note"), context.max_text_chars, problems)
    duplicated = _duplicated(units, kpi_ids, periods) & known
    _report_rows(sheet, "kpi_id",
                 lambda v: f"chỉ tiêu '{v}' xuất hiện nhiều lần cho cùng đơn vị và kỳ (chỉ được một dòng)",
                 problems, duplicated)
    text = lambda key: _texts(frame[key]) if key in frame else pd.Series(None, index=frame.index, dtype=object)
    return pd.DataFrame({
        "unit_id": units.values, "period": periods.values, "kpi_id": kpi_ids.values, "value": value.values,
        "numerator": numerator.values, "denominator": denominator.values,
        "evidence_ref": text("evidence_ref").values, "note": text("note").values,
        "excel_row": sheet.excel_rows,
    })


def _check_tasks(sheet: _Sheet, context: _Context, problems: ProblemList) -> pd.DataFrame:
    frame = sheet.frame
    filled = ~_is_blank(frame["status"])
    if "percent_complete" in frame:
        filled |= ~_is_blank(frame["percent_complete"])
    sheet = _keep(sheet, filled)
    frame = sheet.frame
    units, periods = _check_keys(sheet, context, problems)
    task_ids = _codes(frame["task_id"])
    known = task_ids.isin(context.known_tasks)
    _report_rows(sheet, "task_id", lambda v: f"mã nhiệm vụ '{v}' không có trong danh mục", problems, ~known)
    assigned = pd.Series([(u, t) in context.assignments for u, t in zip(units, task_ids)], index=frame.index)
    _report_rows(sheet, "task_id", lambda v: f"nhiệm vụ '{v}' không giao cho đơn vị này", problems, known & ~assigned)
    lookup = {value: status_code(value) for value in frame["status"].drop_duplicates()}
    statuses = frame["status"].map(lookup)
    _report_rows(sheet, "status",
                 lambda v: f"trạng thái '{v}' không hợp lệ (chọn: Chưa thực hiện, Đang thực hiện, Hoàn thành)",
                 problems, statuses.isna())
    percent = pd.Series(np.nan, index=frame.index)
    if "percent_complete" in frame:
        percent, bad = _numbers(frame["percent_complete"])
        _report_rows(sheet, "percent_complete", lambda v: f"tỷ lệ hoàn thành '{v}' không phải là số", problems, bad)
        _report_rows(sheet, "percent_complete", lambda v: f"tỷ lệ hoàn thành {v} nằm ngoài khoảng 0–100", problems,
                     (percent < 0) | (percent > 100))
    _check_lengths(sheet, ("evidence_ref", "difficulties", "requests", "note"), context.max_text_chars, problems)
    evidence = _texts(frame["evidence_ref"])
    _report_rows(sheet, "status", lambda v: "nhiệm vụ 'Hoàn thành' phải có minh chứng (cột Minh chứng đang trống)",
                 problems, statuses.eq("hoan_thanh") & evidence.isna())
    duplicated = _duplicated(units, task_ids, periods) & known
    _report_rows(sheet, "task_id", lambda v: f"nhiệm vụ '{v}' xuất hiện nhiều lần cho cùng đơn vị và kỳ", problems,
                 duplicated)
    percent = percent.where(percent.notna() | ~statuses.eq("hoan_thanh"), 100.0)
    text = lambda key: _texts(frame[key]) if key in frame else pd.Series(None, index=frame.index, dtype=object)
    return pd.DataFrame({
        "unit_id": units.values, "period": periods.values, "task_id": task_ids.values, "status": statuses.values,
        "percent_complete": percent.values, "evidence_ref": evidence.values,
        "difficulties": text("difficulties").values, "requests": text("requests").values, "note": text("note").values,
        "excel_row": sheet.excel_rows,
    })


# --- preview and commit ---------------------------------------------------------------------------

def preview_changes(con: duckdb.DuckDBPyConnection, result: CheckResult) -> pd.DataFrame:
    """Each KPI value of the file against the last accepted one: new, changed, unchanged, and
    suspicious jumps (a rate falling from 80% to 8%)."""
    if result.kpi_rows is None or result.kpi_rows.empty:
        return pd.DataFrame(columns=["unit_id", "kpi_id", "previous_value", "new_value", "change", "is_suspicious"])
    staged = result.kpi_rows
    con.register("staged_kpi_values", staged)
    try:
        return con.execute(db.read_sql_file("workbook/import_preview"), {"drop": SUSPICIOUS_DROP}).df()
    finally:
        con.unregister("staged_kpi_values")


def _datetime64(periods: pd.Series) -> pd.Series:
    values = _per_distinct(periods.to_numpy(dtype=object), lambda d: np.datetime64(d, "D"), dtype="datetime64[D]")
    return pd.Series(values, index=periods.index)


class Committed(NamedTuple):
    """One batch a commit wrote: which unit and month it holds, and its id."""
    unit_id: str
    period: date
    batch_id: int


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
            con.register("staged_groups", groups)
            batch_map = con.execute(
                "insert into report_batches (unit_id, period, file_name, sha256, uploaded_by, uploaded_at, source, row_count) "
                "select unit_id, period::date, ?, ?, ?, ?, 'upload', row_count from staged_groups order by unit_id, period "
                "returning batch_id, unit_id, period",
                [result.file_name, result.sha256, user, now],
            ).df().sort_values("batch_id")
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
    finally:
        for name in ("staged_groups", "staged_batches", "staged_kpis", "staged_tasks"):
            try:
                con.unregister(name)
            except Exception:
                pass
    return [Committed(str(unit_id), pd.Timestamp(period).date(), int(batch_id))
            for batch_id, unit_id, period in batch_map[["batch_id", "unit_id", "period"]].itertuples(index=False)]
