"""The life cycle of a difficulty or request (issue #15): open → assigned → answered → closed,
or reopened by the unit. One event row per transition (request_events), each audited in the same
transaction; the view `requests` reads the state from them.

Who may do what (auth.PERMISSIONS): the unit raises, closes and reopens its own; the secretariat
assigns (to a province department or a commune office of the catalogue) and may close; the office
it is assigned to answers (an account whose unit is that office); admins may do all; leaders read.
"""
from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from nq57 import audit, auth, db, storage, value_rules
from nq57.transaction import retried  # a lost write to another server is run again
from nq57.request_items import RequestError

# The states each action may start from (labels domain request_state), and its audit action.
FROM_STATES = {
    "assign": {"moi", "da_giao", "mo_lai"},
    "answer": {"da_giao", "mo_lai"},
    "close": {"da_tra_loi"},
    "reopen": {"da_tra_loi", "da_dong"},
}


def actions_from(state: str) -> set[str]:
    """The actions a request in `state` may take (what a page offers; _transition refuses the rest)."""
    return {action for action, states in FROM_STATES.items() if state in states}


PERMISSION = {"assign": "assign_request", "answer": "answer_request", "close": "close_request",
              "reopen": "reopen_request"}


def current(con: duckdb.DuckDBPyConnection, request_id: int) -> dict:
    """The request as the view says it is now; RequestError when there is none."""
    db.set_as_of(con, None)
    frame = con.execute("select * from requests where request_id = ?", [int(request_id)]).df()
    if frame.empty:
        raise RequestError(f"không có kiến nghị số {request_id}")
    return {key: (None if not isinstance(value, (list, tuple)) and pd.isna(value) else value)
            for key, value in frame.iloc[0].to_dict().items()}


def offices(con: duckdb.DuckDBPyConnection, unit_id: str) -> list[tuple[str, str]]:
    """Where a unit's request may be assigned: the offices inside that unit, then the province
    departments (unit_id, name), from the catalogue."""
    return [tuple(row) for row in con.execute(
        "select unit_id, unit_name from stg_units where (unit_kind = 'office' and parent_id = ?) "
        "or unit_kind = 'department' order by unit_kind = 'department', sort_order, unit_name", [unit_id]).fetchall()]


def _state_label(con, code: str) -> str:
    found = con.execute("select label from labels where domain = 'request_state' and code = ?", [code]).fetchall()
    return found[0][0] if found else code


def answers_for(user: auth.User, office_id: str | None) -> bool:
    """Answering needs the assigned office (an administrator answers for any)."""
    return user.role == "admin" or (bool(user.unit_id) and user.unit_id == office_id)


def allows(user: auth.User, action: str, unit_id: str, office_id: str | None) -> bool:
    """The role, unit and office rule _authorise enforces, without its audit: what a page offers."""
    if action == "answer":
        return auth.allowed(user, PERMISSION[action]) and answers_for(user, office_id)
    return auth.allowed(user, PERMISSION[action], unit_id)


def _authorise(con, user: auth.User, action: str, item: dict) -> auth.User:
    """The role check (audited 'denied' on refusal); answering also needs the assigned office."""
    if action == "answer":
        account = auth.check(con, user, PERMISSION[action])
        if not answers_for(account, item["office_id"]):
            refusal = auth.PermissionDenied(
                f"không có quyền trả lời kiến nghị số {item['request_id']}: kiến nghị đang giao cho "
                f"{item['office_name'] or 'đơn vị khác'}, tài khoản '{account.user_name}' không thuộc đơn vị đó")
            audit.record(con, "denied", account.user_name, unit_id=item["unit_id"], detail=str(refusal))
            raise refusal
        return account
    return auth.check(con, user, PERMISSION[action], item["unit_id"])


@retried
def _transition(con: duckdb.DuckDBPyConnection, user: auth.User, request_id: int, action: str,
                office_id: str | None = None, body: str | None = None, document_ref: str | None = None,
                at: datetime | None = None) -> int:
    item = current(con, request_id)
    account = _authorise(con, user, action, item)
    if item["state"] not in FROM_STATES[action]:
        allowed = ", ".join(sorted(_state_label(con, s) for s in FROM_STATES[action]))
        raise RequestError(f"kiến nghị số {request_id} đang ở trạng thái «{_state_label(con, item['state'])}»; "
                           f"chỉ được {auth_word(action)} khi ở trạng thái: {allowed}")
    limit = value_rules.max_text_chars(con)
    for field, text in (("Nội dung trả lời" if action == "answer" else "Lý do", body), ("Số văn bản", document_ref)):
        if problem := value_rules.too_long(text, limit):
            raise RequestError(f"{field}: {problem}")
    at = at or datetime.now()
    with storage.transaction(con):
        event_id = db.new_id(con, "request_events")
        con.execute(
            "insert into request_events (event_id, request_id, action, office_id, body, document_ref, acted_by, "
            "acted_at) values (?, ?, ?, ?, ?, ?, ?, ?)",
            [event_id, int(request_id), action, office_id, body, document_ref, account.user_name, at])
        detail = f"kiến nghị {request_id}: {auth_word(action)}" + (f" cho {office_id}" if office_id else "")
        audit.record(con, f"request_{action}", account.user_name, at=at, unit_id=item["unit_id"], detail=detail)
    return event_id


def auth_word(action: str) -> str:
    return auth.ACTION_LABELS[PERMISSION[action]]


def assign(con, user: auth.User, request_id: int, office_id: str, at: datetime | None = None) -> int:
    """Give the request to an office or department of the catalogue (the secretariat)."""
    item = current(con, request_id)
    if office_id not in {code for code, _ in offices(con, item["unit_id"])}:
        raise RequestError(f"Cơ quan xử lý: '{office_id}' không phải phòng, ban của đơn vị hay sở, ngành của tỉnh")
    return _transition(con, user, request_id, "assign", office_id=office_id, at=at)


def answer(con, user: auth.User, request_id: int, text: str, document_ref: str | None = None,
           at: datetime | None = None) -> int:
    """The assigned office's answer, with an optional document reference."""
    text = (text or "").strip()
    if not text:
        raise RequestError("Nội dung trả lời: chưa nhập nội dung trả lời")
    return _transition(con, user, request_id, "answer", body=text, document_ref=(document_ref or "").strip() or None,
                       at=at)


def close(con, user: auth.User, request_id: int, at: datetime | None = None) -> int:
    """The answer settles it: closed (the unit itself, or the secretariat)."""
    return _transition(con, user, request_id, "close", at=at)


def reopen(con, user: auth.User, request_id: int, reason: str, at: datetime | None = None) -> int:
    """The unit is not satisfied: open again, waiting from now, with why."""
    reason = (reason or "").strip()
    if not reason:
        raise RequestError("Lý do mở lại: chưa nhập lý do")
    return _transition(con, user, request_id, "reopen", body=reason, at=at)
