"""What both importers (ingest.py for reports, plan_import.py for plans) read alike: the
problem list, Excel's serial dates, the hidden _meta sheet and the upload size limit.

Each importer keeps its own rules; neither reaches into the other.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import duckdb

from openpyxl.utils import get_column_letter

from nq57 import value_rules
from nq57.workbook.container import Problem
from nq57.workbook.reader import SheetCells
from nq57.workbook_format import header_key

DEFAULT_MAX_UPLOAD_MB = 20
MAX_PROBLEMS_LISTED = 1000
EXCEL_EPOCH = datetime(1899, 12, 30)
SERIAL_DATES = (20000, 80000)   # Excel day numbers that are plausible dates (1954–2119)


class ProblemList:
    """Collects a check's problems into `result.problems`, keeping the first MAX_PROBLEMS_LISTED
    and counting the rest in `result.truncated_problems`."""

    def __init__(self, result):
        self.result = result

    def add(self, sheet, cell, value, message) -> None:
        if len(self.result.problems) < MAX_PROBLEMS_LISTED:
            self.result.problems.append(Problem(sheet, cell, value_rules.quoted(value), message))
        else:
            self.result.truncated_problems += 1


def excel_serial_date(value: object) -> datetime | None:
    """An Excel serial day number (a number in SERIAL_DATES) as a datetime; None otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and SERIAL_DATES[0] < value < SERIAL_DATES[1]:
        return EXCEL_EPOCH + timedelta(days=float(value))
    return None


def meta_values(cells: SheetCells) -> dict[str, str]:
    """The hidden _meta sheet's key/value pairs (column A, column B)."""
    return {str(r[0]).strip(): str(r[1]).strip() for r in cells.rows() if len(r) >= 2 and str(r[0]).strip()}


def megabytes(size: int) -> str:
    """1.5 MB as '1,5', 0.01 MB as '0,01' (a limit under 1 MB must not read '0 MB')."""
    text = f"{size / 1048576:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def max_upload_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """The settings' max_upload_mb (DEFAULT_MAX_UPLOAD_MB without it) in bytes."""
    rows = con.execute("select value from settings where key = 'max_upload_mb'").fetchall()
    return int(float(rows[0][0]) * 1024 * 1024) if rows else DEFAULT_MAX_UPLOAD_MB * 1024 * 1024


# The header row must be among the first rows of a sheet (the templates put it on row 3).
HEADER_SEARCH_ROWS = 30


def cell_ref(column_index: int, excel_row: int) -> str:
    """'C7' for the 0-based column 2 of Excel row 7."""
    return f"{get_column_letter(column_index + 1)}{excel_row}"


def find_header(rows: list[list], by_header: dict[str, str], needed: set[str], sheet: str, problems: ProblemList,
                warnings: list[Problem], needed_text: str, template: str) -> tuple[int, dict[str, int]] | None:
    """The header row (the first of HEADER_SEARCH_ROWS naming every `needed` key) and the column of
    each template key on it, for both importers. A header the template does not know is a warning,
    not an error: people add columns of their own."""
    header_at = next((index for index, row in enumerate(rows[:HEADER_SEARCH_ROWS])
                      if needed <= {by_header.get(header_key(value)) for value in row}), None)
    if header_at is None:
        problems.add(sheet, None, None,
                     f"không tìm thấy dòng tiêu đề (cần các cột {needed_text}); tệp không đúng {template}")
        return None
    column_index: dict[str, int] = {}
    for index, value in enumerate(rows[header_at]):
        key = by_header.get(header_key(value))
        shown = "" if value is None else str(value).strip()
        if key and key not in column_index:
            column_index[key] = index
        elif shown and not key:
            warnings.append(Problem(sheet, cell_ref(index, header_at + 1), value,
                                    f"cột '{shown}' không thuộc mẫu; đã bỏ qua"))
    return header_at, column_index
