"""Server-side sign-in sessions for the web, referenced by a signed, expiring cookie.

Why not Streamlit's own session: its id travels in upload URLs and a fresh browser that
reconnects with it inherits the session, so it is a bearer token anyone in a proxy log can
replay, and it dies on every reload. Here the browser holds only a random token, signed with the
server's secret (itsdangerous) and sent as an HttpOnly cookie; the table keeps its sha256 hash, the
account and the expiry. Every script run resolves the cookie again, so sign-out, disabling an
account or changing its password (which revoke the account's sessions in the same transaction)
take effect on the next click of every open tab.
"""
from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
from itsdangerous import BadSignature, URLSafeTimedSerializer

from nq57 import db

COOKIE_NAME = "nq57_session"
SECRET_ENV = "NQ57_COOKIE_SECRET"
SECRET_FILE_NAME = ".nq57_cookie_secret"
_SALT = "nq57-web-session"


def session_hours(con: duckdb.DuckDBPyConnection) -> float:
    return db.number_setting(con, "session_hours")


def cookie_secret(database: Path) -> str:
    """NQ57_COOKIE_SECRET when set (several servers must share it); otherwise a random secret
    made once and kept beside the stored data, readable by its owner only: beside the database
    file, or on the lake in NQ57_DATA_PATH (which every replica shares; the working directory when
    it is unset, git ignores the file there: a clone once carried one)."""
    configured = os.environ.get(SECRET_ENV, "").strip()
    if configured:
        return configured
    folder = Path(os.environ.get("NQ57_DATA_PATH") or ".") if db.is_lake(database) else Path(database).resolve().parent
    path = folder.resolve() / SECRET_FILE_NAME
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secret)
    return secret


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=_SALT)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def create(con: duckdb.DuckDBPyConnection, user_name: str, secret: str, client: str | None = None,
           now: datetime | None = None) -> tuple[str, int]:
    """Store a new session for the account; returns (cookie value, lifetime in seconds).
    Runs inside the caller's transaction (the sign-in's audit row goes with it)."""
    now = now or datetime.now()
    lifetime = timedelta(hours=session_hours(con))
    token = secrets.token_urlsafe(32)
    con.execute(
        "insert into web_sessions (token_hash, user_name, created_at, expires_at, client) values (?, ?, ?, ?, ?)",
        [_hash(token), user_name, now, now + lifetime, (client or "")[:64] or None],
    )
    return _serializer(secret).dumps(token), int(lifetime.total_seconds())


def token_of(cookie_value: str | None, secret: str, max_age_seconds: int) -> str | None:
    """The token inside a cookie value, or None when it is forged, altered or too old."""
    if not cookie_value:
        return None
    try:
        token = _serializer(secret).loads(cookie_value, max_age=max_age_seconds)
    except BadSignature:  # SignatureExpired is a subclass
        return None
    return token if isinstance(token, str) else None


def resolve(con: duckdb.DuckDBPyConnection, token: str | None, now: datetime | None = None) -> str | None:
    """The account name of a live session: not revoked, not expired, account enabled."""
    if not token:
        return None
    rows = con.execute(
        "select s.user_name from web_sessions s join users u using (user_name) "
        "where s.token_hash = ? and s.revoked_at is null and s.expires_at > ? and not u.is_disabled",
        [_hash(token), now or datetime.now()],
    ).fetchall()
    return rows[0][0] if rows else None


def revoke(con: duckdb.DuckDBPyConnection, token: str, now: datetime | None = None) -> str | None:
    """End one session (sign-out); returns its account name. Inside the caller's transaction."""
    # read, then stamp (DuckLake has no RETURNING), in the caller's transaction
    rows = con.execute("select user_name from web_sessions where token_hash = ? and revoked_at is null",
                       [_hash(token)]).fetchall()
    con.execute("update web_sessions set revoked_at = ? where token_hash = ? and revoked_at is null",
                [now or datetime.now(), _hash(token)])
    return rows[0][0] if rows else None


def revoke_all(con: duckdb.DuckDBPyConnection, user_name: str, now: datetime | None = None) -> int:
    """End every session of an account (disabled, password changed). Inside the caller's transaction."""
    count = con.execute("select count(*) from web_sessions where user_name = ? and revoked_at is null",
                        [user_name]).fetchall()[0][0]
    con.execute("update web_sessions set revoked_at = ? where user_name = ? and revoked_at is null",
                [now or datetime.now(), user_name])
    return count
