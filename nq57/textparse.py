"""Parse deadline and target texts as written in Resolution 57 plans.

Plans are PDFs extracted to text, so cells arrive with broken lines, odd
spacing, typos ("Qúy IV"), missing accents and decomposed Unicode.  Every
parser here matches on a *folded* copy of the text (lower case, no accents)
that stays character-aligned with a cleaned display copy, so notes and raw
fragments can be cut from the readable text.  Anything not recognised is
reported as unknown rather than guessed.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "Deadline",
    "Target",
    "parse_deadline",
    "parse_target",
    "parse_vn_number",
    "normalize_text",
    "fold_diacritics",
]

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
# Deadlines
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadline:
    kind: str  # 'date' | 'recurring' | 'conditional' | 'unknown'
    due_date: date | None
    start_date: date | None
    recurrence: str | None
    precision: str | None
    note: str | None
    raw: str

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "start_date": self.start_date.isoformat() if self.start_date else None,
            "recurrence": self.recurrence,
            "precision": self.precision,
            "note": self.note,
            "raw": self.raw,
        }


_ROMAN_QUARTER = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MIN_YEAR, _MAX_YEAR = 1900, 2199  # plans never look further; keeps typos like 0230 out

# Column labels and bullets that sometimes travel with the cell text.
_LABEL = re.compile(r"^(?:[-+*\u2022]\s*)?(?:(?:thoi (?:gian|han)(?: hoan thanh)?|han hoan thanh)\s*:\s*)?")
_TRAIL = " .;,:!"
_NOTE = re.compile(r"^(.*?)\s*\(([^()]*)\)$")

_CONDITIONAL = re.compile(
    r"^(?:(?:trien khai|thuc hien|hoan thanh)\s+)?"
    r"(?:khi\b|theo (?:chi dao|huong dan|yeu cau)\b)"
)

_RECUR_TOKEN = (
    r"(?:thuong xuyen|lien tuc|(?:hang|moi) (?:ngay|thang|quy|nam)"
    r"|dinh ky (?:hang )?(?:ngay|thang|quy|nam)|(?:truoc )?ngay \d{1,2} hang thang)"
)
_RECURRING = re.compile(
    rf"(?:(?:thuc hien|trien khai|bao cao|cap nhat)\s+)?{_RECUR_TOKEN}"
    rf"(?:\s*(?:,|;|-|va)\s*{_RECUR_TOKEN})*"
)
_YEARLY_FROM = re.compile(
    r"(?:tu\s+)?(?:nam\s+)?(\d{4})(?:\s*,\s*\d{4})*\s*(?:,|va|;|-)?\s*(?:cac|nhung)\s+nam\s+tiep\s+theo"
)

_PREFIX = (
    r"(?:(?:hoan thanh|thuc hien|trien khai|xong)\s+)?"
    r"(?:(?:trong|vao|den het|den|cuoi|han|cham nhat)\s+)?"
)
_DAY = re.compile(
    r"(?:(?:hoan thanh|thuc hien|trien khai|xong)\s+)?"
    r"(?:(truoc|den het|den|vao|trong|han|cham nhat)\s+)?(?:ngay\s*)?"
    r"(?:(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})"
    r"|(\d{1,2})\s+thang\s+(\d{1,2})\s*(?:,\s*)?nam\s+(\d{4}))"
)
_MONTH = re.compile(
    _PREFIX + r"(?:thang\s*(\d{1,2})\s*(?:[/.\-,]\s*)?(?:nam\s*)?(\d{4})|(\d{1,2})\s*[/\-]\s*(\d{4}))"
)
_QUARTER = re.compile(_PREFIX + r"quy\s*(iv|iii|ii|i|[1-4])\s*(?:[/.\-,]\s*)?(?:nam\s*)?(\d{4})")
_YEAR = re.compile(_PREFIX + r"(?:nam\s*)?(\d{4})")


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


def _recurrence_of(folded: str) -> str:
    # The finest period written wins: "thường xuyên, hàng ngày" is daily.
    for word, rec in (("ngay", "daily"), ("thang", "monthly"), ("quy", "quarterly"), ("nam", "yearly")):
        if re.search(rf"(?:hang|moi|dinh ky) (?:hang )?{word}\b", folded):
            return rec
    return "continuous"


def _split_note(display: str, folded: str) -> tuple[str, str, str | None]:
    """Cut a trailing "(...)" off; returns (main display, main folded, note)."""
    folded_s = folded.rstrip(_TRAIL)
    display_s = display[: len(folded_s)]
    m = _NOTE.match(folded_s)
    if not m:
        return display_s, folded_s, None
    note = display_s[m.start(2): m.end(2)].strip().strip(_TRAIL) or None
    main_end = m.end(1)
    main_f = folded_s[:main_end].rstrip(_TRAIL)
    return display_s[: len(main_f)], main_f, note


def parse_deadline(text: str) -> Deadline:
    raw = "" if text is None else str(text)
    display, folded = _prepare(raw)
    label = _LABEL.match(folded)
    if label and label.end():
        display, folded = display[label.end():], folded[label.end():]
    _, main, note = _split_note(display, folded)

    def make(kind, due=None, start=None, rec=None, prec=None):
        return Deadline(kind, due, start, rec, prec, note, raw)

    unknown = make("unknown")
    if not main:
        return unknown

    if _CONDITIONAL.match(main):
        return make("conditional")

    m = _YEARLY_FROM.fullmatch(main)
    if m:
        y = int(m.group(1))
        return make("recurring", start=date(y, 1, 1), rec="yearly") if _year_ok(y) else unknown

    if _RECURRING.fullmatch(main):
        return make("recurring", rec=_recurrence_of(main))

    m = _DAY.fullmatch(main)
    if m:
        d, mo, y = (int(g) for g in (m.group(2, 3, 4) if m.group(2) else m.group(5, 6, 7)))
        due = _safe_date(y, mo, d)
        if due is None:
            return unknown
        if m.group(1) == "truoc":
            due = _before(due)
        return make("date", due=due, prec="day")

    m = _MONTH.fullmatch(main)
    if m:
        mo, y = (int(g) for g in (m.group(1, 2) if m.group(1) else m.group(3, 4)))
        due = _month_end(y, mo)
        return make("date", due=due, prec="month") if due else unknown

    m = _QUARTER.fullmatch(main)
    if m:
        q, y = _ROMAN_QUARTER[m.group(1)], int(m.group(2))
        due = _month_end(y, q * 3)
        return make("date", due=due, prec="quarter") if due else unknown

    m = _YEAR.fullmatch(main)
    if m:
        y = int(m.group(1))
        return make("date", due=date(y, 12, 31), prec="year") if _year_ok(y) else unknown

    return unknown


# ---------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    comparator: str  # '>=', '>', '=', '<=', '<', 'rank<='
    value: float
    unit: str | None  # '%', 'người', 'DN', 'thứ bậc' or None
    per_year: bool
    due_date: date | None
    horizon: int | None
    raw: str

    def to_json(self) -> dict:
        return {
            "comparator": self.comparator,
            "value": self.value,
            "unit": self.unit,
            "per_year": self.per_year,
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "horizon": self.horizon,
            "raw": self.raw,
        }


# A number not glued to a date, a document number or a decimal of another number.
_T_NUM = re.compile(
    r"(?<![\d/])(?<!\d[.,])"
    r"(\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)"
    r"(?![\d])(?![.,]\d)(?!\s*[/\-]\s*\d)(?!-[a-z])"
)
_T_RANK = re.compile(r"(?<![a-z])top\s*$")
_T_SYMBOL = re.compile(r"(>=|=>|<=|=<|\u2265|\u2267|\u2a7e|\u2264|\u2266|\u2a7d|>|<|=)\s*$")
_SYMBOLS = {">=": ">=", "=>": ">=", "\u2265": ">=", "\u2267": ">=", "\u2a7e": ">=",
            "<=": "<=", "=<": "<=", "\u2264": "<=", "\u2266": "<=", "\u2a7d": "<=",
            ">": ">", "<": "<", "=": "="}
# Word comparators only count before a unit: "trên 01 vạn dân" is not a target.
_WORDS = {
    "toi thieu": ">=", "it nhat": ">=", "khong duoi": ">=", "khong it hon": ">=", "khong thap hon": ">=",
    "tren": ">", "hon": ">", "cao hon": ">", "lon hon": ">", "vuot": ">",
    "duoi": "<", "thap hon": "<", "nho hon": "<", "it hon": "<",
    "khong qua": "<=", "toi da": "<=", "khong vuot qua": "<=", "khong cao hon": "<=", "khong lon hon": "<=",
}
_T_WORD = re.compile(
    r"(?<![a-z])(" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r")\s*$"
)
_T_UNIT = re.compile(r"\s*(%|nguoi(?![a-z])|dn(?![a-z])|doanh nghiep(?![a-z]))")
_UNITS = {"%": "%", "nguoi": "người", "dn": "DN", "doanh nghiep": "DN"}
_T_PER_YEAR = re.compile(r"\s*/\s*nam(?![a-z])|\s+(?:moi|mot|hang) nam(?![a-z])")

# Deadline phrases inside a target sentence; a bare "ngày 22/12/2024" is a
# document date, so a deadline word is required.
_T_DATE_DAY = re.compile(
    r"(?<![a-z])(truoc|den het|den|vao|han|cham nhat)\s+ngay\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?!\d)"
)
# "trước năm 2045" is left out: before the year or by its end is anyone's guess.
_T_DATE_YEAR = re.compile(r"(?<![a-z])(?:den het|den|trong|vao)\s+nam\s*(\d{4})(?!\d)")
_T_SENTENCE_BREAK = re.compile(r";|\.\s")
_T_WINDOW = 32


def _target_dates(folded: str) -> list[tuple[int, int, date]]:
    found = []
    for m in _T_DATE_DAY.finditer(folded):
        due = _safe_date(int(m.group(4)), int(m.group(3)), int(m.group(2)))
        if due:
            if m.group(1) == "truoc":
                due = _before(due)
            found.append((m.start(), m.end(), due))
    for m in _T_DATE_YEAR.finditer(folded):
        y = int(m.group(1))
        if _year_ok(y):
            found.append((m.start(), m.end(), date(y, 12, 31)))
    return sorted(found)


def parse_target(text: str) -> list[Target]:
    display, folded = _prepare(text)
    if not folded:
        return []
    breaks = [m.start() for m in _T_SENTENCE_BREAK.finditer(folded)]

    def sentence(pos: int) -> int:
        return bisect_left(breaks, pos)

    found = []  # (start, end, comparator, value, unit, per_year)
    for m in _T_NUM.finditer(folded):
        value = parse_vn_number(m.group(1))
        if value is None:
            continue
        # Comparators sit right before the number; a short window keeps long cells linear.
        win = max(0, m.start() - _T_WINDOW)
        before = folded[win: m.start()]
        unit_m = _T_UNIT.match(folded, m.end())
        unit = _UNITS[unit_m.group(1)] if unit_m else None
        end = unit_m.end() if unit_m else m.end()
        rank = _T_RANK.search(before)
        sym = _T_SYMBOL.search(before)
        word = _T_WORD.search(before)
        if rank:
            found.append((win + rank.start(), m.end(), "rank<=", value, "thứ bậc", False))
            continue
        if sym:
            start, comparator = win + sym.start(), _SYMBOLS[sym.group(1)]
        elif word and unit:
            start, comparator = win + word.start(), _WORDS[word.group(1)]
        elif unit:
            start, comparator = m.start(), None  # resolved below
        else:
            continue  # a bare number in prose: a date part, an age, a count of hamlets ...
        per = _T_PER_YEAR.match(folded, end)
        if per:
            end = per.end()
        found.append((start, end, comparator, value, unit, bool(per)))

    dates = _target_dates(folded)
    targets = []
    for i, (start, end, comparator, value, unit, per_year) in enumerate(found):
        sent = sentence(start)
        if comparator is None:
            # "≥ 80% …, tiến tới 100%" / "≥ 80% cán bộ, 60% thành viên": the
            # comparator carries over within the sentence; otherwise it is exact.
            prev = targets[-1] if targets and sentence(found[i - 1][0]) == sent else None
            comparator = prev.comparator if prev and prev.comparator != "rank<=" else "="
        due = None
        after_dates = [d for d in dates if d[0] >= end and sentence(d[0]) == sent]
        if after_dates:
            due = after_dates[0][2]
        else:
            # A heading-style date ("đến năm 2030 đạt ≥ 2%/năm") applies only
            # when no earlier target in the sentence already claimed it.
            before_dates = [d for d in dates if d[1] <= start and sentence(d[0]) == sent]
            if before_dates:
                last = before_dates[-1]
                if not any(f[0] < last[0] and sentence(f[0]) == sent for f in found):
                    due = last[2]
        targets.append(Target(comparator, value, unit, per_year, due,
                              due.year if due else None, display[start:end].strip()))
    return targets
