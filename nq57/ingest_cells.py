"""Reading a report workbook: the cell readers (numbers, texts, codes and periods, column by
column), locating each sheet's header row and columns, and the _meta sheet. The rules the rows
must follow live in ingest_rules.py; the check and the commit in ingest.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from nq57 import value_rules, workbook
from nq57.workbook import Problem
from nq57.workbook.common import HEADER_SEARCH_ROWS, ProblemList, cell_ref, excel_serial_date, find_header, meta_values
from nq57.workbook.reader import SheetCells
from nq57.textparse import parse_vn_number
from nq57.workbook_format import KPI_SHEET, META_SHEET, REPORT_META_KIND, SHEET_COLUMNS, SUPPORTED_VERSIONS, Column, header_key

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


_cell = cell_ref


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
    rows = cells.rows(HEADER_SEARCH_ROWS)
    by_header = {header_key(c.header): c.key for c in columns} | {c.key: c.key for c in columns}
    found = find_header(rows, by_header, {"unit_id", "period"}, sheet, problems, warnings,
                        "'Mã đơn vị', 'Kỳ báo cáo' …", "mẫu")
    if found is None:
        return None
    header_at, column_index = found
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
