"""Verdicts that stick: a reviewed period stays closed to its unit until the secretariat reopens it.

The views make a verdict follow the evidence (queries/evidence_status.sql): uploading the same
rows again keeps it, changed evidence waits for a new one and does not count meanwhile. This
module closes the other door: once any item of a unit's period has a verdict, a `unit` account's
new upload for that unit and period is refused (audited 'denied') unless the secretariat
(admin/secretariat) reopened the period after the latest verdict. A reopening is a row of
period_reopenings plus an audit row 'reopen', written in one transaction; the next verdict on
the period closes it again. The secretariat's own uploads and the trusted command line (a plain
name, no account) supersede as before.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Iterable

import duckdb
import pandas as pd

from nq57 import audit, auth, db
from nq57.transaction import retried  # a lost write to another server is run again

# Who may reopen: the roles that correct the record (they may also roll a batch back).
REOPEN_ROLES = {"admin", "secretariat"}
LOCKED_ROLES = {"unit"}

# Per unit and period: the latest verdict on any of its batches and the latest reopening, both
# up to ? (a moment); locked while a verdict is newer than every reopening.
_STATE_SQL = """
with verdicts as (
    select b.unit_id, b.period, max(r.reviewed_at) as last_verdict_at, count(*) as verdict_count,
           bool_and(r.is_demo) as is_demo
    from evidence_reviews r
    join report_batches b on b.batch_id = r.batch_id
    where r.reviewed_at <= $at
    group by all
),
reopenings as (
    select unit_id, period, max(reopened_at) as last_reopened_at
    from period_reopenings
    where reopened_at <= $at
    group by all
)
select v.unit_id, u.name as unit_name, v.period, v.verdict_count, v.last_verdict_at, v.is_demo, o.last_reopened_at,
       o.last_reopened_at is null or v.last_verdict_at > o.last_reopened_at as is_locked
from verdicts v
join units u on u.unit_id = v.unit_id
left join reopenings o on o.unit_id = v.unit_id and o.period = v.period
"""


class PeriodLocked(auth.PermissionDenied):
    """A unit's upload into a period that has been reviewed (the message says which)."""


class ReopenError(ValueError):
    """A reopening that cannot be made as asked (Vietnamese message)."""


def period_states(con: duckdb.DuckDBPyConnection, at: datetime | None = None,
                  unit_ids: Iterable[str] | None = None) -> pd.DataFrame:
    """Every unit (of `unit_ids`, else all) and period with a verdict by `at` (now): unit_id,
    unit_name, period, verdict_count, last_verdict_at, is_demo (demo verdicts only),
    last_reopened_at, is_locked; newest first."""
    params = {"at": at or datetime.now()}
    sql = _STATE_SQL
    if unit_ids is not None:
        sql += " where list_contains($units, v.unit_id)"
        params["units"] = sorted(set(unit_ids))
    return con.execute(sql + " order by v.period desc, u.sort_order, v.unit_id", params).df()


def locked_periods(con: duckdb.DuckDBPyConnection, unit_periods: Iterable[tuple[str, date]],
                   at: datetime | None = None) -> pd.DataFrame:
    """The (unit, period) pairs among `unit_periods` that are locked at `at`."""
    wanted = {(unit, pd.Timestamp(period).date()) for unit, period in unit_periods}
    states = period_states(con, at, {unit for unit, _ in wanted} or {""})
    states = states[states["is_locked"]]
    keys = zip(states["unit_id"], pd.to_datetime(states["period"]).dt.date)
    return states[pd.Series([key in wanted for key in keys], index=states.index, dtype=bool)]


def _locked_message(locked: pd.DataFrame) -> str:
    parts = []
    for unit_name, rows in locked.groupby("unit_name", sort=False):
        periods = ", ".join(f"{p:%m/%Y}" for p in sorted(pd.to_datetime(rows["period"])))
        parts.append(f"Kỳ báo cáo {periods} của {unit_name} đã được thẩm định")
    many = len(locked) > 1
    return ("; ".join(parts) + f"; chỉ Văn phòng mới mở lại được {'các kỳ' if many else 'kỳ'} này. "
            "Không có gì được ghi.")


def refuse_locked(con: duckdb.DuckDBPyConnection, user: auth.User, unit_periods: Iterable[tuple[str, date]],
                  at: datetime, file_name: str | None = None) -> None:
    """For a `unit` account (as stored now): PeriodLocked when any pair is a reviewed period not
    reopened since its latest verdict, audited 'denied' (one row per period). Call it before the
    upload's transaction, so the refusal's audit rows stay when nothing else is written."""
    if user.role not in LOCKED_ROLES:
        return
    locked = locked_periods(con, unit_periods, at)
    if locked.empty:
        return
    message = _locked_message(locked)
    for row in locked.itertuples():
        audit.record(con, "denied", user.user_name, at=at, unit_id=row.unit_id, period=row.period,
                     file_name=file_name, detail=message)
    raise PeriodLocked(message)


def _reopener(con, user: auth.User | str | None) -> str:
    if not isinstance(user, auth.User):
        return auth.trusted_name(user)  # the trusted command line: the name is only recorded
    fresh = auth.get_user(con, user.user_name)
    if fresh is not None and not fresh.is_disabled and fresh.role in REOPEN_ROLES:
        return fresh.user_name
    refusal = auth.PermissionDenied(
        f"không có quyền mở lại kỳ báo cáo đã thẩm định: tài khoản '{user.user_name}' "
        + ("đã bị vô hiệu hóa" if fresh is not None and fresh.is_disabled
           else "không phải Văn phòng hoặc Quản trị"))
    audit.record(con, "denied", user.user_name, detail=str(refusal))
    raise refusal


@retried
def reopen(con: duckdb.DuckDBPyConnection, unit_id: str, period: date, user: auth.User | str | None,
           reason: str, now: datetime | None = None) -> int:
    """Reopen a reviewed period of a unit so its unit account may upload it again (until the next
    verdict). `user`: a signed-in account (admin or secretariat, else auth.PermissionDenied,
    audited) or a plain name for the trusted command line. A reason is required. The reopening
    and its audit row 'reopen' are one transaction; returns the reopening's id."""
    by = _reopener(con, user)
    reason = (reason or "").strip()
    if not reason:
        raise ReopenError("cần ghi lý do mở lại kỳ báo cáo")
    period = date(period.year, period.month, 1)
    now = now or datetime.now()
    names = con.execute("select name from units where unit_id = ?", [unit_id]).fetchall()
    if not names:
        raise ReopenError(f"mã đơn vị '{unit_id}' không có trong danh mục")
    state = period_states(con, now, [unit_id])
    state = state[pd.to_datetime(state["period"]).dt.date == period]
    if state.empty:
        raise ReopenError(f"kỳ báo cáo {period:%m/%Y} của {names[0][0]} chưa được thẩm định; đơn vị vẫn nộp lại được")
    if not bool(state.iloc[0]["is_locked"]):
        raise ReopenError(f"kỳ báo cáo {period:%m/%Y} của {names[0][0]} đã được mở lại và chưa có kết luận mới")
    with db.transaction(con):
        reopening_id = db.new_id(con, "period_reopenings")
        con.execute("insert into period_reopenings (reopening_id, unit_id, period, reopened_by, reopened_at, reason) "
                    "values (?, ?, ?, ?, ?, ?)", [reopening_id, unit_id, period, by, now, reason])
        audit.record(con, "reopen", by, at=now, unit_id=unit_id, period=period,
                     detail=f"mở lại kỳ {period:%m/%Y}: {reason}")
    return reopening_id
