"""What both parsers share: the cleaned display copy and the character-aligned folded copy of a
cell, Vietnamese numbers, and the date arithmetic of deadline words ("trước ngày", month ends)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

# ---------------------------------------------------------------------------
# Text normalisation
# ---------------------------------------------------------------------------

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"), "-")
# Invisible characters PDF extraction leaves behind; they would split words.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_WS = re.compile(r"\s+")
# Misplaced tone marks seen in real files; replacements keep the same length
# so the display and folded copies stay aligned.
_TYPO_FIXES = (("qúy", "quý"), ("quí", "quý"))


def _clean(text: str | None) -> str:
    """NFC, unified dashes, collapsed whitespace; case kept."""
    if not text:
        return ""
    s = unicodedata.normalize("NFC", str(text))
    s = s.translate(_INVISIBLE).translate(_DASHES)
    return _WS.sub(" ", s).strip()


def normalize_text(text: str) -> str:
    """NFC, lower case, single spaces, unified dashes, common typos fixed."""
    s = _clean(text).lower()
    for bad, good in _TYPO_FIXES:
        s = s.replace(bad, good)
    return s


def _fold_char(c: str) -> str:
    if c == "đ":
        return "d"
    base = "".join(ch for ch in unicodedata.normalize("NFD", c) if not unicodedata.combining(ch))
    # Keep one output char per input char so positions map back to the display text.
    return base if len(base) == 1 else c


def _fold_aligned(normalized: str) -> str:
    return "".join(_fold_char(c) for c in normalized)


def fold_diacritics(text: str) -> str:
    """normalize_text, then strip Vietnamese diacritics (đ -> d)."""
    folded = _fold_aligned(normalize_text(text))
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def _prepare(text: str | None) -> tuple[str, str]:
    """Return (display, folded) of equal length: display keeps case and accents."""
    display = _clean(text)
    folded = _fold_aligned(normalize_text(text))
    if len(display) != len(folded):
        # Rare case-mapping that changes length: fall back to the lower-case copy.
        display = normalize_text(text)
    return display, folded


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

_NUM_PATTERNS = (
    # Vietnamese thousands with dots, optional comma decimals: 1.234,5
    (re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"), lambda s: s.replace(".", "").replace(",", ".")),
    # Thousands separated by (narrow/no-break) spaces: 1 000
    (re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?"),
     lambda s: re.sub(r"[ \u00a0\u202f]", "", s).replace(",", ".")),
    # English grouping with a decimal point: 1,234.5
    (re.compile(r"\d{1,3}(?:,\d{3})+\.\d+"), lambda s: s.replace(",", "")),
    # Vietnamese decimal comma: 2,5 (1,234 is read as 1.234, the local convention)
    (re.compile(r"\d+,\d+"), lambda s: s.replace(",", ".")),
    # Decimal point that is not a thousands group: 12.5
    (re.compile(r"\d+\.\d+"), lambda s: s),
    (re.compile(r"\d+"), lambda s: s),
)


def parse_vn_number(text: str) -> float | None:
    """Read a number written the Vietnamese way; None when it is not a number."""
    if text is None:
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip()
    s = s.rstrip("%").strip()
    sign = 1.0
    if s[:1] in "+-" and s:
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:].strip()
    if not s:
        return None
    for pattern, convert in _NUM_PATTERNS:
        if pattern.fullmatch(s):
            return sign * float(convert(s))
    return None


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

_MIN_YEAR, _MAX_YEAR = 1900, 2199  # plans never look further; keeps typos like 0230 out


def _year_ok(y: int) -> bool:
    return _MIN_YEAR <= y <= _MAX_YEAR


def _safe_date(y: int, m: int, d: int) -> date | None:
    if not _year_ok(y):
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month_end(y: int, m: int) -> date | None:
    if not (_year_ok(y) and 1 <= m <= 12):
        return None
    first_next = date(y + 1, 1, 1) if m == 12 else date(y, m + 1, 1)
    return first_next - timedelta(days=1)


def _before(d: date) -> date:
    """Resolve "trước ngày D" (before D).

    Literally the day before D: "trước ngày 01/01/2026" is done by 31/12/2025.
    When D already closes a month ("trước ngày 31/12/2030") writers mean "by
    the end of that period", so D itself is kept rather than 30/12.
    """
    if (d + timedelta(days=1)).day == 1:
        return d
    return d - timedelta(days=1)
