"""Sign-in, roles and permissions.

Accounts live in the `users` table with an argon2id password hash (argon2-cffi), never the
password itself. Permissions are checked in the core functions that write (ingest.commit,
plan_import.commit_plan, reports.roll_back_batch, reports.record_review, evidence.*), not
only in the pages: they take a signed-in `User` (checked) or a plain name (the trusted command
line's --user/--system, and tests); nobody named is refused (`trusted_name`).

Roles (ids in code, Vietnamese names for the pages in ROLE_LABELS):
    admin        quản trị    accounts and catalogue; everything below
    secretariat  văn phòng   imports reports for every unit, imports plans, rolls batches back
    unit         đơn vị      imports reports for its own unit only (unit_id required)
    reviewer     thẩm định   judges evidence
    leader       lãnh đạo    reads only
Reading needs no sign-in by default (setting read_requires_sign_in = 'false'): the dashboard
shows figures that the province publishes anyway, and the demo must open for anyone.
"""
from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from nq57 import audit, db, web_sessions

ROLE_LABELS = {
    "admin": "Quản trị",
    "secretariat": "Văn phòng",
    "unit": "Đơn vị",
    "reviewer": "Thẩm định",
    "leader": "Lãnh đạo",
}
ROLE_DESCRIPTIONS = {
    "admin": "Quản lý tài khoản và danh mục; được làm mọi việc",
    "secretariat": "Nhập báo cáo cho mọi đơn vị, nhập kế hoạch, hủy đợt báo cáo, giao xử lý kiến nghị",
    "unit": "Nhập báo cáo, minh chứng và kiến nghị của đơn vị mình; tài khoản của phòng, sở trả lời kiến nghị được giao",
    "reviewer": "Thẩm định minh chứng",
    "leader": "Chỉ xem",
}
ACTION_LABELS = {
    "import_report": "nhập báo cáo",
    "import_plan": "nhập kế hoạch",
    "rollback": "hủy đợt báo cáo",
    "review_evidence": "thẩm định minh chứng",
    "manage_users": "quản lý tài khoản",
    "manage_catalogue": "quản lý danh mục và dữ liệu minh họa",
    "read": "xem số liệu",
    "raise_request": "nêu khó khăn, kiến nghị",
    "assign_request": "giao xử lý kiến nghị",
    "answer_request": "trả lời kiến nghị",
    "close_request": "đóng kiến nghị",
    "reopen_request": "mở lại kiến nghị",
}
# Which roles may do what; 'import_report' is further limited to the own unit for the unit role.
PERMISSIONS = {
    "import_report": {"admin", "secretariat", "unit"},
    "import_plan": {"admin", "secretariat"},
    "rollback": {"admin", "secretariat"},
    "review_evidence": {"admin", "reviewer"},
    "manage_users": {"admin"},
    "manage_catalogue": {"admin"},
    "read": set(ROLE_LABELS),
    # difficulties and requests (nq57/request_flow.py): answering also needs the assigned office
    "raise_request": {"admin", "secretariat", "unit"},
    "assign_request": {"admin", "secretariat"},
    "answer_request": {"admin", "unit"},
    "close_request": {"admin", "secretariat", "unit"},
    "reopen_request": {"admin", "unit"},
}
UNIT_SCOPED_ACTIONS = {"import_report", "raise_request", "close_request", "reopen_request"}

MIN_PASSWORD_LENGTH = 8
USER_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Checked for an unknown name, so it costs what a wrong password does; made at first use (0,25 s).
_dummy_hash = functools.cache(lambda: _hasher.hash("nq57-dummy-password"))


class AuthError(Exception):
    """Sign-in refused; the message (Vietnamese) can be shown as is."""


class PermissionDenied(Exception):
    """The user may not do this; the message says what and for which unit."""


class AccountError(ValueError):
    """An account cannot be created or changed as asked (Vietnamese message)."""


@dataclass(frozen=True)
class User:
    user_name: str
    role: str
    unit_id: str | None = None
    display_name: str | None = None
    is_disabled: bool = False
    last_login_at: datetime | None = None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def label(self) -> str:
        """'Nguyễn Văn A (văn phòng)' for the page header."""
        return f"{self.display_name or self.user_name} ({self.role_label.lower()})"


_USER_COLUMNS = "user_name, role, unit_id, display_name, is_disabled, last_login_at"


def _user(row) -> User:
    return User(*row[:4], is_disabled=bool(row[4]), last_login_at=row[5])  # the order of _USER_COLUMNS


def trusted_name(by) -> str:
    """The plain name a trusted caller acts under; refuses nobody (None or an empty name)."""
    if isinstance(by, str) and by.strip():
        return by
    raise PermissionDenied("không rõ ai thực hiện: cần đăng nhập (hoặc chạy lệnh với --user TÊN hay --system)")


def _actor(by) -> str:
    return by.user_name if isinstance(by, User) else trusted_name(by)


def read_requires_sign_in(con: duckdb.DuckDBPyConnection) -> bool:
    return db.setting(con, "read_requires_sign_in").strip().lower() in ("true", "1", "yes", "có")


# --- accounts ---------------------------------------------------------------------------------------

def has_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from users").fetchall()[0][0] > 0


def get_user(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    rows = con.execute(f"select {_USER_COLUMNS} from users where user_name = ?", [name]).fetchall()
    return _user(rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection):
    """Accounts without their hashes: user_name, display_name, role, role_label, unit_id,
    is_disabled, created_at, last_login_at, unit_name (a DataFrame)."""
    frame = con.execute("select user_name, display_name, role, s.unit_id, is_disabled, created_at, last_login_at, "
                        "u.name as unit_name from users s left join units u using (unit_id) order by user_name").df()
    frame.insert(3, "role_label", frame["role"].map(ROLE_LABELS))
    return frame


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"mật khẩu cần ít nhất {MIN_PASSWORD_LENGTH} ký tự")
    if password != password.strip():
        raise AccountError("mật khẩu không được bắt đầu hoặc kết thúc bằng khoảng trắng")


def _require_manager(con, by) -> None:
    if isinstance(by, User):
        check(con, by, "manage_users")


@db.retried
def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str, unit_id: str | None = None,
             display_name: str | None = None, by: User | str | None = None, now: datetime | None = None) -> User:
    """Create an account. `by`: a User (must be admin) or a name for the audit log."""
    _require_manager(con, by)
    if not isinstance(name, str) or not USER_NAME_PATTERN.fullmatch(name):
        raise AccountError(f"tên đăng nhập '{name}' không hợp lệ (2–64 ký tự: chữ không dấu, số, . _ - @)")
    if role not in ROLE_LABELS:
        raise AccountError(f"vai trò '{role}' không hợp lệ (chọn: {', '.join(ROLE_LABELS)})")
    if (role == "unit") != bool(unit_id):  # a unit only for a unit's account: a Văn phòng one with a unit misled
        raise AccountError("tài khoản vai trò Đơn vị cần chọn đơn vị" if role == "unit" else "chỉ tài khoản vai trò Đơn vị mới gắn với một đơn vị")
    if unit_id and not con.execute("select count(*) from units where unit_id = ?", [unit_id]).fetchall()[0][0]:
        raise AccountError(f"mã đơn vị '{unit_id}' không có trong danh mục")
    _check_password(password)
    if get_user(con, name) is not None:
        raise AccountError(f"tài khoản '{name}' đã có")
    now = now or datetime.now()
    password_hash = _hasher.hash(password)
    with db.transaction(con):
        con.execute(
            "insert into users (user_name, display_name, role, unit_id, password_hash, created_at) "
            "values (?, ?, ?, ?, ?, ?)",
            [name, display_name, role, unit_id, password_hash, now],
        )
        audit.record(con, "user_add", _actor(by), at=now, unit_id=unit_id,
                     detail=f"tài khoản {name}, vai trò {ROLE_LABELS[role]}")  # the role in words, as the log reads it
    return get_user(con, name)


@db.retried
def _set_disabled(con, name: str, by, disabled: bool, now: datetime | None) -> None:
    _require_manager(con, by)
    if get_user(con, name) is None:
        raise AccountError(f"không có tài khoản '{name}'")
    if disabled and isinstance(by, User) and by.user_name == name:
        raise AccountError("không thể tự khóa tài khoản của chính mình")
    now = now or datetime.now()
    with db.transaction(con):
        con.execute("update users set is_disabled = ? where user_name = ?", [disabled, name])
        if disabled:
            web_sessions.revoke_all(con, name, now)
        audit.record(con, "user_disable" if disabled else "user_enable", _actor(by), at=now,
                     detail=f"tài khoản {name}")


def disable_user(con: duckdb.DuckDBPyConnection, name: str, by: User | str | None = None, now=None) -> None:
    """The account can no longer sign in (kept for the audit trail; never deleted)."""
    _set_disabled(con, name, by, True, now)


def enable_user(con: duckdb.DuckDBPyConnection, name: str, by: User | str | None = None, now=None) -> None:
    _set_disabled(con, name, by, False, now)


@db.retried
def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str, by: User | str | None = None,
                 now: datetime | None = None) -> None:
    """Reset a password (admin) or change one's own (`by` is that same user); clears a lockout."""
    if not (isinstance(by, User) and by.user_name == name):
        _require_manager(con, by)
    if get_user(con, name) is None:
        raise AccountError(f"không có tài khoản '{name}'")
    _check_password(password)
    now = now or datetime.now()
    with db.transaction(con):
        con.execute("update users set password_hash = ? where user_name = ?", [_hasher.hash(password), name])
        web_sessions.revoke_all(con, name, now)
        audit.record(con, "password_set", _actor(by), at=now, detail=f"tài khoản {name}")


# --- sign-in ----------------------------------------------------------------------------------------

# Throttling is per client and name (so a guesser elsewhere cannot shut the real user out) and
# per client (so one machine cannot try every name); both windows slide.
MAX_FAILED_ATTEMPTS = 5
MAX_CLIENT_FAILURES = 30
THROTTLE_WINDOW = timedelta(minutes=15)
# One message for a wrong password, an unknown name and a throttled attempt: none of them may
# tell a guesser whether the name exists.
WRONG_CREDENTIALS = (f"Sai tên đăng nhập hoặc mật khẩu. Sau {MAX_FAILED_ATTEMPTS} lần sai, máy này phải chờ "
                     f"{int(THROTTLE_WINDOW.total_seconds() // 60)} phút mới thử lại được tên đăng nhập đó.")
DISABLED_MESSAGE = "Tài khoản đã bị vô hiệu hóa; hãy liên hệ quản trị hệ thống"
# Attempts are written and counted under this lock (DuckDB refuses concurrent updates of one row
# with a TransactionException); the slow password check runs outside it.
_attempts_guard = threading.Lock()


@db.retried
def _start_attempt(con, client: str, name: str, now: datetime) -> tuple[int, bool]:
    """Store the attempt, then count: the k-th of any number of parallel guesses sees at least k,
    so no more than MAX_FAILED_ATTEMPTS are ever judged; in a transaction, so ids stay unique on the lake."""
    with _attempts_guard, db.transaction(con):
        attempt_id = db.new_id(con, "sign_in_attempts")
        con.execute(
            'insert into sign_in_attempts (attempt_id, "at", client, user_name, outcome) '
            "values (?, ?, ?, ?, 'pending')",
            [attempt_id, now, client, name])
        since = now - THROTTLE_WINDOW
        pair, per_client = con.execute(
            """select count(*) filter (where user_name = ? and attempt_id > coalesce((
                          select max(attempt_id) from sign_in_attempts
                          where client = ? and user_name = ? and outcome = 'ok'), 0)),
                      count(*)
               from sign_in_attempts where client = ? and "at" > ? and outcome <> 'ok' and attempt_id <= ?""",
            [name, client, name, client, since, attempt_id]).fetchall()[0]
    return attempt_id, pair > MAX_FAILED_ATTEMPTS or per_client > MAX_CLIENT_FAILURES


@db.retried
def _finish_attempt(con, attempt_id: int, outcome: str, action: str, name: str, now: datetime, detail: str,
                    extra: tuple[str, list] | None = None) -> None:
    """The attempt's outcome, its audit row and any account change, in one transaction."""
    with _attempts_guard:
        with db.transaction(con):
            con.execute("update sign_in_attempts set outcome = ? where attempt_id = ?", [outcome, attempt_id])
            if extra:
                con.execute(extra[0], extra[1])
            audit.record(con, action, name or None, at=now, detail=detail)


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str, client: str | None = None,
                 now: datetime | None = None) -> User:
    """The account when name and password match; raises AuthError otherwise. `client` is who
    asks (the browser's address); more than MAX_FAILED_ATTEMPTS failures for one client and name
    within THROTTLE_WINDOW, or MAX_CLIENT_FAILURES for one client, are refused unjudged with the
    same message as a wrong password. Every attempt is stored and audited."""
    now = now or datetime.now()
    name = (name or "").strip()[:64]
    client = (client or "local")[:64]
    attempt_id, throttled = _start_attempt(con, client, name, now)
    if throttled:
        _finish_attempt(con, attempt_id, "throttled", "sign_in_failed", name, now, f"tạm chặn máy {client}")
        raise AuthError(WRONG_CREDENTIALS)
    rows = con.execute("select password_hash, is_disabled from users where user_name = ?", [name]).fetchall()
    try:
        # an unknown name is checked against a dummy hash, so it costs the same time as a wrong password
        _hasher.verify(rows[0][0] if rows else _dummy_hash(), password or "")
        matched = bool(rows)
    except (VerificationError, VerifyMismatchError, InvalidHashError):
        matched = False
    if not matched:
        reason = "sai mật khẩu" if rows else "không có tài khoản"
        _finish_attempt(con, attempt_id, "failed", "sign_in_failed", name, now, f"{reason} (máy {client})")
        raise AuthError(WRONG_CREDENTIALS)
    password_hash, is_disabled = rows[0]
    if is_disabled:
        _finish_attempt(con, attempt_id, "failed", "sign_in_failed", name, now, "tài khoản đã bị vô hiệu hóa")
        raise AuthError(DISABLED_MESSAGE)
    new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else password_hash
    _finish_attempt(con, attempt_id, "ok", "sign_in", name, now, f"thành công (máy {client})",
                    ("update users set last_login_at = ?, password_hash = ? where user_name = ?", [now, new_hash, name]))
    return get_user(con, name)


def start_web_session(con: duckdb.DuckDBPyConnection, name: str, password: str, secret: str,
                      client: str | None = None, now: datetime | None = None) -> tuple[User, str, int]:
    """Sign in for the web: (account, signed cookie value, lifetime in seconds); AuthError if refused."""
    user = authenticate(con, name, password, client=client, now=now)
    cookie, max_age = web_sessions.create(con, user.user_name, secret, client=client, now=now)
    return user, cookie, max_age


@db.retried
def end_web_session(con: duckdb.DuckDBPyConnection, token: str, now: datetime | None = None) -> None:
    """Sign-out: the session is revoked and the sign-out audited together."""
    now = now or datetime.now()
    with db.transaction(con):
        name = web_sessions.revoke(con, token, now)
        if name is not None:
            audit.record(con, "sign_out", name, at=now)


# --- permissions ------------------------------------------------------------------------------------

def _own_unit(user: User, unit_id: str | None) -> bool:
    """A unit account answers for its unit and the offices inside it ('xa-a' covers 'xa-a/phong-vhxh')."""
    return bool(user.unit_id) and unit_id is not None and (unit_id == user.unit_id
                                                         or unit_id.startswith(user.unit_id + "/"))


def allowed(user: User | None, action: str, unit_id: str | None = None) -> bool:
    try:
        require(user, action, unit_id)
    except PermissionDenied:
        return False
    return True


def require(user: User | None, action: str, unit_id: str | None = None) -> None:
    """Raise PermissionDenied unless `user` may do `action` (for `unit_id` when it matters)."""
    if action not in PERMISSIONS:
        raise ValueError(f"quyền không xác định: {action}")
    what = ACTION_LABELS[action] + (f" của đơn vị '{unit_id}'" if unit_id and action in UNIT_SCOPED_ACTIONS else "")
    if user is None:
        raise PermissionDenied(f"không có quyền {what}: cần đăng nhập")
    if user.is_disabled:
        raise PermissionDenied(f"không có quyền {what}: tài khoản '{user.user_name}' đã bị vô hiệu hóa")
    if user.role not in PERMISSIONS[action]:
        raise PermissionDenied(f"không có quyền {what}: tài khoản '{user.user_name}' có vai trò "
                               f"{ROLE_LABELS.get(user.role, user.role).lower()}")
    if user.role == "unit" and action in UNIT_SCOPED_ACTIONS and not _own_unit(user, unit_id):
        raise PermissionDenied(f"không có quyền {what}: tài khoản '{user.user_name}' chỉ được "
                               f"{ACTION_LABELS[action]} của đơn vị '{user.unit_id}'")


def check(con: duckdb.DuckDBPyConnection, user: User, action: str, unit_id: str | None = None) -> User:
    """`require` against the account as stored now (a session may hold a User whose role changed
    or who was disabled since sign-in). A refusal is audited ('denied'). Returns the fresh User."""
    fresh = get_user(con, user.user_name)
    try:
        if fresh is None:
            raise PermissionDenied(f"không có tài khoản '{user.user_name}'")
        require(fresh, action, unit_id)
    except PermissionDenied as refusal:
        try:
            audit.record(con, "denied", user.user_name, unit_id=unit_id, detail=str(refusal))
        except duckdb.Error:
            pass  # a read-only connection: the refusal still stands
        raise
    return fresh


def check_units(con: duckdb.DuckDBPyConnection, user: User, action: str, unit_ids: Iterable[str]) -> User:
    """`check` for every unit of a file (a province workbook, unit 'all', names many)."""
    fresh = user
    units = sorted(set(unit_ids)) or [None]
    for unit_id in units:
        fresh = check(con, user, action, unit_id)
    return fresh
