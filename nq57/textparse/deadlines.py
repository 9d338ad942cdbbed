"""Deadline texts of Resolution 57 plans: a date, recurring, conditional, or unknown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from nq57.textparse.common import _before, _month_end, _prepare, _safe_date, _year_ok


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
