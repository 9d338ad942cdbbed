"""Vietnamese number and date formats: 1.234,5 and dd/mm/yyyy."""
from __future__ import annotations

import math
import textwrap
from datetime import date, datetime

import pandas as pd

# What a reader sees where there is no value: in numbers and dates here, in every table's empty
# cell (components/page_style.dataframe; Streamlit's own default is the English "None").
MISSING = "—"


def vn_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    text = f"{float(value):,.{decimals}f}"
    return text.translate(str.maketrans({",": ".", ".": ","}))


def vn_short(value: float | int | None) -> str:
    """A number with as few decimals as it needs (at most three), like Python's `:g` but
    Vietnamese: 0.3 -> '0,3', 1024 -> '1.024', 2.0 -> '2'."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    text = vn_number(value, 3)
    return text.rstrip("0").rstrip(",") if "," in text else text


def vn_percent(ratio: float | None, decimals: int = 1) -> str:
    """A ratio 0..1 as a Vietnamese percentage: 0.8745 -> '87,5%'."""
    if ratio is None or (isinstance(ratio, float) and math.isnan(ratio)) or ratio is pd.NA:
        return MISSING
    return vn_number(100 * float(ratio), decimals) + "%"


def _is_missing(value) -> bool:
    """None, NaT or NaN: what the date and time formats print as MISSING."""
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def vn_date(value: date | datetime | str | None) -> str:
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: datetime | None, seconds: bool = False) -> str:
    """A moment as the tables show it: '07/12/2026 14:05' (with ':09' seconds in the audit log)."""
    if _is_missing(value):
        return MISSING
    return value.strftime("%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M")


def vn_month(value: date | datetime | None) -> str:
    """A reporting period as the tables show it: '11/2026'."""
    if _is_missing(value):
        return MISSING
    return value.strftime("%m/%Y")


def vn_shortened(text, chars: int) -> str:
    """A text of at most `chars` characters, cut at a word and ending in " …" when longer (a
    table cell or slide row that shows it whole; the full text stays where it is listed in full)."""
    if _is_missing(text):
        return MISSING
    return textwrap.shorten(str(text), chars, placeholder=" …")
