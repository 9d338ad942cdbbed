"""Sign-in, roles and permissions.

Accounts live in the `users` table with an argon2id password hash (argon2-cffi), never the
password itself. Permissions are checked in the core functions that write (ingest.commit,
plan_import.commit_plan, reports.roll_back_batch, reports.record_review, evidence.*), not
only in the pages: those functions take an optional `user`; None means the trusted local
command line or a test, and behaves as before accounts existed.

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

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

import duckdb
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from nq57 import audit

ROLE_LABELS = {
    "admin": "Quản trị",
    "secretariat": "Văn phòng",
    "unit": "Đơn vị",
    "reviewer": "Thẩm định",
    "leader": "Lãnh đạo",
}
ROLE_DESCRIPTIONS = {
    "admin": "Quản lý tài khoản và danh mục; được làm mọi việc",
    "secretariat": "Nhập báo cáo cho mọi đơn vị, nhập kế hoạch, hủy đợt báo cáo",
    "unit": "Nhập báo cáo và minh chứng của đơn vị mình",
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
}
UNIT_SCOPED_ACTIONS = {"import_report"}

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
DEFAULT_SESSION_TIMEOUT_MINUTES = 30
USER_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,63}")
WRONG_CREDENTIALS = "Sai tên đăng nhập hoặc mật khẩu"

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
# Verified when the name is unknown, so that a wrong name costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("nq57-dummy-password")


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
    return User(user_name=row[0], role=row[1], unit_id=row[2], display_name=row[3], is_disabled=bool(row[4]),
                last_login_at=row[5])


def _actor(by) -> str:
    if isinstance(by, User):
        return by.user_name
    return by or "cli"


# --- settings ---------------------------------------------------------------------------------------

def _setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("select value from settings where key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def session_timeout_minutes(con: duckdb.DuckDBPyConnection) -> int:
    try:
        return int(float(_setting(con, "session_timeout_minutes") or DEFAULT_SESSION_TIMEOUT_MINUTES))
    except ValueError:
        return DEFAULT_SESSION_TIMEOUT_MINUTES


def read_requires_sign_in(con: duckdb.DuckDBPyConnection) -> bool:
    return (_setting(con, "read_requires_sign_in") or "false").strip().lower() in ("true", "1", "yes", "có")


def session_expired(last_seen: datetime | None, now: datetime, minutes: int) -> bool:
    """True when `minutes` or more passed since the user's last action (or never seen)."""
    if last_seen is None:
        return True
    return now - last_seen >= timedelta(minutes=minutes)


# --- accounts ---------------------------------------------------------------------------------------

def has_accounts(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select count(*) from users").fetchall()[0][0] > 0


def get_user(con: duckdb.DuckDBPyConnection, name: str) -> User | None:
    rows = con.execute(f"select {_USER_COLUMNS} from users where user_name = ?", [name]).fetchall()
    return _user(rows[0]) if rows else None


def list_users(con: duckdb.DuckDBPyConnection):
    """Accounts without their hashes: user_name, display_name, role, role_label, unit_id,
    is_disabled, failed_attempts, locked_until, created_at, last_login_at (a DataFrame)."""
    frame = con.execute(
        "select user_name, display_name, role, unit_id, is_disabled, failed_attempts, locked_until, created_at, "
        "last_login_at from users order by user_name"
    ).df()
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


def add_user(con: duckdb.DuckDBPyConnection, name: str, role: str, password: str, unit_id: str | None = None,
             display_name: str | None = None, by: User | str | None = None, now: datetime | None = None) -> User:
    """Create an account. `by`: a User (must be admin) or a name for the audit log."""
    _require_manager(con, by)
    if not isinstance(name, str) or not USER_NAME_PATTERN.fullmatch(name):
        raise AccountError(f"tên đăng nhập '{name}' không hợp lệ (2–64 ký tự: chữ không dấu, số, . _ - @)")
    if role not in ROLE_LABELS:
        raise AccountError(f"vai trò '{role}' không hợp lệ (chọn: {', '.join(ROLE_LABELS)})")
    if role == "unit" and not unit_id:
        raise AccountError("tài khoản vai trò đơn vị cần mã đơn vị (--unit)")
    if unit_id and not con.execute("select count(*) from units where unit_id = ?", [unit_id]).fetchall()[0][0]:
        raise AccountError(f"mã đơn vị '{unit_id}' không có trong danh mục")
    _check_password(password)
    if get_user(con, name) is not None:
        raise AccountError(f"tài khoản '{name}' đã có")
    now = now or datetime.now()
    password_hash = _hasher.hash(password)
    con.execute("begin transaction")
    try:
        con.execute(
            "insert into users (user_name, display_name, role, unit_id, password_hash, created_at) "
            "values (?, ?, ?, ?, ?, ?)",
            [name, display_name, role, unit_id, password_hash, now],
        )
        audit.record(con, "user_add", _actor(by), at=now, unit_id=unit_id,
                     detail=f"tài khoản {name}, vai trò {role}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return get_user(con, name)


def _set_disabled(con, name: str, by, disabled: bool, now: datetime | None) -> None:
    _require_manager(con, by)
    if get_user(con, name) is None:
        raise AccountError(f"không có tài khoản '{name}'")
    if disabled and isinstance(by, User) and by.user_name == name:
        raise AccountError("không thể tự khóa tài khoản của chính mình")
    now = now or datetime.now()
    con.execute("begin transaction")
    try:
        con.execute("update users set is_disabled = ?, failed_attempts = 0, locked_until = null where user_name = ?",
                    [disabled, name])
        audit.record(con, "user_disable" if disabled else "user_enable", _actor(by), at=now,
                     detail=f"tài khoản {name}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


def disable_user(con: duckdb.DuckDBPyConnection, name: str, by: User | str | None = None,
                 now: datetime | None = None) -> None:
    """The account can no longer sign in (kept for the audit trail; never deleted)."""
    _set_disabled(con, name, by, True, now)


def enable_user(con: duckdb.DuckDBPyConnection, name: str, by: User | str | None = None,
                now: datetime | None = None) -> None:
    _set_disabled(con, name, by, False, now)


def set_password(con: duckdb.DuckDBPyConnection, name: str, password: str, by: User | str | None = None,
                 now: datetime | None = None) -> None:
    """Reset a password (admin) or change one's own (`by` is that same user); clears a lockout."""
    if not (isinstance(by, User) and by.user_name == name):
        _require_manager(con, by)
    if get_user(con, name) is None:
        raise AccountError(f"không có tài khoản '{name}'")
    _check_password(password)
    now = now or datetime.now()
    con.execute("begin transaction")
    try:
        con.execute("update users set password_hash = ?, failed_attempts = 0, locked_until = null where user_name = ?",
                    [_hasher.hash(password), name])
        audit.record(con, "password_set", _actor(by), at=now, detail=f"tài khoản {name}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise


# --- sign-in ----------------------------------------------------------------------------------------

def _lock_message(until: datetime) -> str:
    return f"Tài khoản bị khóa đến {until:%H:%M %d/%m/%Y} do nhập sai mật khẩu {MAX_FAILED_ATTEMPTS} lần"


def _refuse(con, name: str, now: datetime, reason: str, message: str, updates: tuple[str, list] | None = None):
    con.execute("begin transaction")
    try:
        if updates:
            con.execute(updates[0], updates[1])
        audit.record(con, "sign_in_failed", name, at=now, detail=reason)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    raise AuthError(message)


def authenticate(con: duckdb.DuckDBPyConnection, name: str, password: str, now: datetime | None = None) -> User:
    """The account when name and password match; raises AuthError otherwise. Five wrong
    passwords in a row lock the account for 15 minutes. Every attempt is audited."""
    now = now or datetime.now()
    name = (name or "").strip()
    rows = con.execute(
        "select password_hash, is_disabled, failed_attempts, locked_until from users where user_name = ?", [name]
    ).fetchall()
    if not rows:
        try:
            _hasher.verify(_DUMMY_HASH, password or "")
        except VerificationError:
            pass
        _refuse(con, name[:64] or None, now, "không có tài khoản", WRONG_CREDENTIALS)
    password_hash, is_disabled, failed, locked_until = rows[0]
    if locked_until is not None and locked_until > now:
        _refuse(con, name, now, "tài khoản đang bị khóa", _lock_message(locked_until))
    try:
        _hasher.verify(password_hash, password or "")
    except (VerificationError, VerifyMismatchError, InvalidHashError):
        failed = (0 if locked_until is not None else failed) + 1  # a lock that ran out starts a new count
        if failed >= MAX_FAILED_ATTEMPTS:
            until = now + LOCKOUT
            _refuse(con, name, now, f"sai mật khẩu lần {failed}; khóa đến {until:%H:%M %d/%m/%Y}", _lock_message(until),
                    ("update users set failed_attempts = 0, locked_until = ? where user_name = ?", [until, name]))
        _refuse(con, name, now, f"sai mật khẩu lần {failed}", WRONG_CREDENTIALS,
                ("update users set failed_attempts = ?, locked_until = null where user_name = ?", [failed, name]))
    if is_disabled:
        _refuse(con, name, now, "tài khoản đã bị vô hiệu hóa",
                "Tài khoản đã bị vô hiệu hóa; hãy liên hệ quản trị hệ thống")
    new_hash = _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else password_hash
    con.execute("begin transaction")
    try:
        con.execute("update users set failed_attempts = 0, locked_until = null, last_login_at = ?, password_hash = ? "
                    "where user_name = ?", [now, new_hash, name])
        audit.record(con, "sign_in", name, at=now, detail="thành công")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return get_user(con, name)


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
