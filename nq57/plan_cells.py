"""Reading a plan workbook: cell texts and dates, each sheet's header row and columns, the _meta
sheet, the bounded reading shared with report uploads, and office names as typed. The rules the
rows follow live in plan_rules.py; the check and the commit in plan_import.py.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from nq57 import value_rules, workbook
from nq57.plan_format import PLAN_SHEETS, SUPPORTED_PLAN_VERSIONS
from nq57.workbook import Problem
from nq57.workbook.common import ProblemList, cell_ref, excel_serial_date, find_header, meta_values
from nq57.workbook.reader import SheetCells
from nq57.textparse import fold_diacritics
from nq57.workbook_format import META_SHEET, PLAN_META_KIND, REPORT_META_KIND, Column, header_key


def _header_keys(column: Column) -> set[str]:
    """A header is recognised in full ('Mốc năm (2025/2026/2030/2045)'), without its bracketed
    hint ('Mốc năm'), or by its key."""
    full = header_key(column.header)
    short = header_key(re.sub(r"\s*\(.*\)\s*$", "", column.header))
    return {full, short, column.key}


# --- reading cells ---------------------------------------------------------------------------------

_cell = cell_ref


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    text = " ".join(str(value).split())
    return text or None


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    moment = excel_serial_date(value)
    if moment is not None:
        return moment.date()
    text = _text(value) or ""
    match = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", text) \
        or re.fullmatch(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", text.lower())
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    if not value_rules.FIRST_YEAR <= year <= value_rules.LAST_YEAR:
        return None
    return value_rules.real_date(year, month, day)


@dataclass
class _Table:
    sheet: str
    rows: list[tuple[int, dict[str, object]]]   # (Excel row, key -> raw value), blank rows left out
    column_index: dict[str, int]

    def cell(self, key: str, excel_row: int) -> str:
        return _cell(self.column_index.get(key, 0), excel_row)


def _read_table(cells: dict[str, SheetCells], sheet: str, columns: list[Column], problems: ProblemList,
                warnings: list[Problem]) -> _Table | None:
    if sheet not in cells:
        problems.add(sheet, None, None, f"thiếu trang '{sheet}'; tệp không đúng mẫu kế hoạch")
        return None
    rows = cells[sheet].rows()
    by_header = {key: c.key for c in columns for key in _header_keys(c)}
    names = ", ".join(f"'{c.header}'" for c in columns if c.required)
    found = find_header(rows, by_header, {c.key for c in columns if c.required}, sheet, problems, warnings,
                        names, "mẫu kế hoạch")
    if found is None:
        return None
    header_at, column_index = found
    body = []
    for offset, row in enumerate(rows[header_at + 1:]):
        values = {key: (row[i] if i < len(row) else None) for key, i in column_index.items()}
        if any(_text(v) for v in values.values()):
            body.append((header_at + 2 + offset, values))
    return _Table(sheet, body, column_index)


def _read_meta(cells: dict[str, SheetCells], problems: ProblemList) -> bool:
    if META_SHEET not in cells:
        problems.add(None, None, None, "tệp không phải mẫu kế hoạch của hệ thống (thiếu trang ẩn _meta); "
                                       "hãy tải mẫu bằng lệnh 'python -m nq57 template --plan'")
        return False
    meta = meta_values(cells[META_SHEET])
    kind = meta.get("kind")
    if kind != PLAN_META_KIND:
        message = ("tệp là mẫu báo cáo định kỳ, không phải mẫu kế hoạch; hãy nhập ở mục báo cáo hoặc tải mẫu kế hoạch"
                   if kind == REPORT_META_KIND else "tệp không phải mẫu kế hoạch (trang _meta không ghi loại 'plan')")
        problems.add(META_SHEET, "B1", kind, message)
        return False
    version = meta.get("template_version")
    if version not in SUPPORTED_PLAN_VERSIONS:
        problems.add(META_SHEET, "B2", version,
                     f"mẫu kế hoạch phiên bản '{version}' đã cũ hoặc không đúng; hãy tải mẫu mới "
                     f"(phiên bản {', '.join(sorted(SUPPORTED_PLAN_VERSIONS))})")
        return False
    return True


def _open(con, data: bytes, file_name: str, problems: ProblemList, sheets: list[str]) -> dict[str, SheetCells] | None:
    """The bounded reading of report uploads (nq57.workbook): scan, then read in the child."""
    chosen = workbook.settings(con, [len(columns) for columns in PLAN_SHEETS.values()])
    try:
        return workbook.read_workbook(data, file_name, [META_SHEET, *sheets], sheets, chosen).cells
    except workbook.Refused as refused:
        for problem in refused.problems:
            problems.add(problem.sheet, problem.cell, problem.value, problem.message)
        return None


# --- offices ---------------------------------------------------------------------------------------

class _Offices:
    """Office names as typed ('Phòng VH-XH', 'phong van hoa - xa hoi; Trung tâm PVHCC') to office
    codes through office_aliases, matched without case or diacritics."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.by_key = {key: (code, name, level) for key, code, name, level in con.execute(
            "select alias_key, office_code, office_name, level from office_aliases").fetchall()}

    def _one(self, text: str) -> str | None:
        found = self.by_key.get(fold_diacritics(text))
        return found[0] if found else None

    def resolve(self, text: str | None) -> tuple[list[str], list[str]]:
        """(codes in order, names not recognised). A whole name is tried before splitting on ';'
        and ',', because some office names hold a comma ('Các phòng, ban, đơn vị trực thuộc')."""
        codes, unknown = [], []
        if not text:
            return codes, unknown
        for part in (text, ) if self._one(text) else [p for p in re.split(r";", text)]:
            part = part.strip(" .")
            if not part:
                continue
            pieces = [part] if self._one(part) else [p.strip(" .") for p in part.split(",")]
            for piece in pieces:
                if not piece:
                    continue
                code = self._one(piece)
                if code is None:
                    unknown.append(piece)
                elif code not in codes:
                    codes.append(code)
        return codes, unknown

    def level(self, code: str) -> str | None:
        for found_code, _, level in self.by_key.values():
            if found_code == code:
                return level
        return None

    def name(self, code: str) -> str:
        for found_code, name, _ in self.by_key.values():
            if found_code == code:
                return name
        return code
