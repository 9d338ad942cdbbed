"""Target texts of Resolution 57 plans: comparator, value, unit, per year, and the deadline the
sentence gives them."""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date

from nq57.textparse.common import _before, _prepare, _safe_date, _year_ok, parse_vn_number


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
