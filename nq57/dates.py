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


# Quarter ends stored beyond the six recent month ends: two years of quarterly meetings.
QUARTER_ENDS_KEPT = 8


def page_days(today: date) -> list[date]:
    """The dates whose figures are stored (snapshots), oldest first, today last: the six month
    ends before today (the overview's trend and "since last month", the compare page's rank
    change) and the quarter ends of the last two years (the quarterly meetings). A page asked for
    any other date computes it and keeps it in memory only; a read never stores anything."""
    recent = month_ends_before(today, 6)
    quarters = [d for d in month_ends_before(today, 3 * QUARTER_ENDS_KEPT)[:-1] if d.month % 3 == 0]
    return sorted(set(recent) | set(quarters[-QUARTER_ENDS_KEPT:]))

