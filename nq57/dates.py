"""Calendar helpers shared by the pages and by the snapshot refresh (which builds the dates the
pages will ask for)."""
from __future__ import annotations

from datetime import date

FIRST_MONTH_END = date(2025, 7, 31)  # the two-level local government starts on 01/07/2025


def month_ends_before(as_of: date, count: int) -> list[date]:
    """The last `count` month ends before as_of (none before July 2025), oldest first, then
    as_of itself."""
    ends, year, month = [], as_of.year, as_of.month
    for _ in range(count):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        next_first = date(year + (month == 12), 1 if month == 12 else month + 1, 1)
        ends.append(date.fromordinal(next_first.toordinal() - 1))
    return [d for d in reversed(ends) if d >= FIRST_MONTH_END] + [as_of]


def page_days(today: date) -> list[date]:
    """Every date the pages ask for by default: today and the six month ends before it (the
    overview's trend and 'since last month', the compare page's rank change)."""
    return month_ends_before(today, 6)
