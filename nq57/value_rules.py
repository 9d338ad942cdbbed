"""The value rules every importer applies, defined once: the magnitudes believable for a unit of
measure, whole numbers for units that count whole things, the longest text a cell may hold, and
dates that exist. Report uploads (ingest.py) and plan uploads (plan_import.py) both refuse what
these rules refuse, with the sheet and cell.
"""
from __future__ import annotations

import math
import re
from datetime import date

from nq57.textparse import fold_diacritics

# (lowest, highest) value by unit of measure, folded like headers ('Thứ bậc' -> 'thu bac').
PERCENT_BOUNDS = (0.0, 100.0)
RANK_BOUNDS = (1.0, 10_000.0)            # a position among provinces or the 3.321 communes/wards
# Every other unit counts or measures something (people, enterprises, households, km …):
# Vietnam has about 100 million people, so a larger figure is a typing or export error.
COUNT_BOUNDS = (0.0, 100_000_000.0)
BOUNDS_BY_UNIT = {"%": PERCENT_BOUNDS, "thu bac": RANK_BOUNDS}
# Units that count whole things, folded: 70,5 enterprises or people, or a 12,5th place, is a typing
# error (a unit that measures, km or tỷ đồng, may hold decimals).
WHOLE_UNITS = {"nguoi", "dn", "doanh nghiep", "thu bac", "san pham", "ho so", "ho", "don vi", "xa", "phuong"}

# Years a report period, a plan date or a deadline may name.
FIRST_YEAR, LAST_YEAR = 2000, 2100

DEFAULT_MAX_TEXT_CHARS = 4000            # a long difficulty or request is a page; more belongs in a file
MAX_TEXT_CHARS_SETTING = "max_text_chars"
QUOTED_CHARS = 80                        # how much of a long cell a message quotes


def bounds_for(unit_of_measure: object) -> tuple[float, float]:
    return BOUNDS_BY_UNIT.get(fold_diacritics(str(unit_of_measure or "")), COUNT_BOUNDS)


def counts_whole_things(unit_of_measure: object) -> bool:
    return fold_diacritics(str(unit_of_measure or "").strip()) in WHOLE_UNITS


def out_of_bounds(value: float, unit_of_measure: object) -> str | None:
    """Why a number cannot be a value of a KPI in this unit, or None when it can."""
    if not math.isfinite(value):
        return "không phải số hữu hạn"
    low, high = bounds_for(unit_of_measure)
    if low <= value <= high:
        return None
    unit = str(unit_of_measure or "").strip()
    return (f"nằm ngoài khoảng hợp lý {number_text(low)}–{number_text(high)} "
            + (f"của đơn vị tính '{unit}'" if unit else "của một số đếm"))


def number_text(value: float) -> str:
    """100000000 as '100.000.000' (messages use Vietnamese separators)."""
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else str(value).replace(".", ",")


def max_text_chars(con) -> int:
    rows = con.execute("select value from settings where key = ?", [MAX_TEXT_CHARS_SETTING]).fetchall()
    try:
        return max(1, int(float(rows[0][0]))) if rows else DEFAULT_MAX_TEXT_CHARS
    except (TypeError, ValueError):
        return DEFAULT_MAX_TEXT_CHARS


def too_long(text: object, limit: int) -> str | None:
    """The message for a text over the limit, or None."""
    if isinstance(text, str) and len(text) > limit:
        return (f"nội dung dài {number_text(len(text))} ký tự, vượt giới hạn {number_text(limit)} ký tự "
                f"(cài đặt {MAX_TEXT_CHARS_SETTING}); hãy rút gọn hoặc đính kèm tệp minh chứng")
    return None


def quoted(value: object) -> object:
    """A cell value as a message or a problem list quotes it: long text is cut."""
    if isinstance(value, str) and len(value) > QUOTED_CHARS:
        return value[:QUOTED_CHARS] + "…"
    return value


def real_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when it does not exist (31/11, 29/02/2025)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


_DAY_MONTH_YEAR = re.compile(r"(?<!\d)(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)")
_WORDED = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", re.IGNORECASE)


def impossible_date(text: object) -> str | None:
    """The first day/month/year written in the text that does not exist ('31/11/2026'), or None."""
    if not isinstance(text, str):
        return None
    for pattern in (_DAY_MONTH_YEAR, _WORDED):
        for match in pattern.finditer(text):
            day, month, year = (int(g) for g in match.groups())
            if real_date(year, month, day) is None:
                return match.group(0)
    return None
