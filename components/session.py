"""Who is using the dashboard, resolved on every script run from the sign-in cookie.

The password form is a plain page of the server (components/sign_in_page.py) because only an
HTTP response can set an HttpOnly cookie. Here the cookie is checked against the server-side
session table on each run, never kept in Streamlit's session state: a replayed Streamlit session
id without the cookie is nobody, and a revoked session ends on the next click. The core functions
check permissions again; hiding a button is only a courtesy.
"""
from __future__ import annotations

import threading
import time
import html
from urllib.parse import quote, urlencode, urlsplit

import streamlit as st

from components import data
from components.safe_text import md_escape
from components.sign_in_page import SIGN_IN_PATH
from nq57 import auth, db, web_sessions

# A resolved cookie is trusted for this long per process, so a page's dozen permission checks
# cost one lookup; a sign-out here clears it at once, a change from the command line shows
# within this time.
_RESOLVE_SECONDS = 1.0
_resolved: dict[str, tuple[float, auth.User | None]] = {}
_resolved_guard = threading.Lock()


@st.cache_data(ttl=5, show_spinner=False)
def _settings(path: str) -> tuple[bool, bool, int]:
    with db.connect(path) as con:
        hours = web_sessions.session_hours(con)
        return auth.has_accounts(con), auth.read_requires_sign_in(con), int(hours * 3600)


@st.cache_data(ttl=data.STAMP_TTL, show_spinner=False, max_entries=32)
def _stamped_settings(path: str, stamp: tuple) -> tuple[bool, bool, int]:
    return _settings.__wrapped__(path)


def _state() -> tuple[bool, bool, int]:
    # a database file is read again only once it changed (components/data.file_stamp): opening
    # it every 5 s cost a page switch 0,05-0,1 s
    path = str(db.database_path())
    stamp = None if db.is_lake(path) else data.file_stamp(path)
    return _settings(path) if stamp is None else _stamped_settings(path, stamp)


@st.cache_resource(show_spinner=False)
def secret(path: str) -> str:
    return web_sessions.cookie_secret(db.database_path(path))


def cookie_value() -> str | None:
    """The sign-in cookie this browser sent (tests replace this function)."""
    return st.context.cookies.get(web_sessions.COOKIE_NAME)


def _token() -> str | None:
    path = str(db.database_path())
    return web_sessions.token_of(cookie_value(), secret(path), _state()[2])


def current_user() -> auth.User | None:
    """The signed-in account as stored now, or None (no cookie, expired, revoked, disabled)."""
    token = _token()
    if token is None:
        return _oidc_user()
    with _resolved_guard:
        hit = _resolved.get(token)
    if hit is not None and time.monotonic() - hit[0] < _RESOLVE_SECONDS:
        return hit[1]
    with db.connect() as con:
        name = web_sessions.resolve(con, token)
        user = auth.get_user(con, name) if name else None
    with _resolved_guard:
        if len(_resolved) > 10_000:
            _resolved.clear()
        _resolved[token] = (time.monotonic(), user)
    return user


def oidc_configured() -> bool:
    """An OpenID Connect provider in .streamlit/secrets.toml ([auth] section, as st.login expects)
    replaces local passwords; Streamlit keeps its identity in its own signed HttpOnly cookie."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_user() -> auth.User | None:
    """The account whose name is the e-mail st.login proved, so roles stay in one place."""
    if not (oidc_configured() and st.user.is_logged_in):
        return None
    with db.connect() as con:
        account = auth.get_user(con, st.user.email or "")
    return None if account is None or account.is_disabled else account


def can(action: str, unit_id: str | None = None) -> bool:
    user = current_user()
    if user is None:
        return False
    if unit_id is None and action == "import_report":
        return user.role in auth.PERMISSIONS[action]
    return auth.allowed(user, action, unit_id)


def sign_in_url() -> str:
    """The sign-in page, coming back to this page (path and query) afterwards."""
    try:
        path = urlsplit(st.context.url or "").path or "/"
    except (AttributeError, ValueError):
        path = "/"
    query = urlencode(st.query_params.to_dict())
    here = path + (f"?{query}" if query else "")
    return f"{SIGN_IN_PATH}?next={quote(here, safe='')}"


def sign_in_link(where=st) -> None:
    """A link to the sign-in page in this tab (st.link_button would open a new one)."""
    where.markdown(f'<a href="{html.escape(sign_in_url())}" target="_self" class="nq57-sign-in">Đăng nhập</a>',
                   unsafe_allow_html=True)


def require(action: str, what: str) -> auth.User:
    """Stop the page unless the signed-in account may do `action`; `what` names the page's work."""
    user = current_user()
    if user is None:
        st.info(f"Cần đăng nhập để {what}.", icon=":material/lock:")
        sign_in_link()
        st.stop()
    if not can(action):
        st.warning(f"Tài khoản {user.label} không có quyền {what}.", icon=":material/block:")
        st.stop()
    return user


def _sign_out() -> None:
    token = _token()
    if token is not None:
        with db.connect() as con:
            auth.end_web_session(con, token)
        with _resolved_guard:
            _resolved.pop(token, None)


def sidebar() -> None:
    """Who is signed in, or the way to sign in, at the bottom of the sidebar."""
    has_accounts, _, _ = _state()
    box = st.sidebar.container(border=True)
    if not has_accounts:
        box.caption("Chưa có tài khoản nào: bảng điều hành đang ở chế độ chỉ xem. Người quản trị máy chủ "
                    "tạo tài khoản quản trị đầu tiên bằng lệnh `python -m nq57 user add TEN --role admin`.")
        return
    user = current_user()
    oidc = oidc_configured()
    if user is None:
        if oidc and st.user.is_logged_in:
            box.error("Tài khoản chưa được cấp quyền trong hệ thống; liên hệ quản trị.")
            if box.button("Đăng xuất", key="oidc_sign_out"):
                st.logout()
        elif oidc:
            if box.button("Đăng nhập", key="oidc_sign_in"):
                st.login()
        else:
            sign_in_link(box)
        return
    box.markdown(f"**{md_escape(user.display_name or user.user_name)}** · {auth.ROLE_LABELS[user.role]}")
    if box.button("Đăng xuất", key="sign_out"):
        _sign_out()
        if oidc and st.user.is_logged_in:
            st.logout()
        st.rerun()


def reading_allowed() -> bool:
    """False when the setting asks for sign-in before reading and nobody is signed in."""
    has_accounts, read_requires, _ = _state()
    return not (has_accounts and read_requires and current_user() is None)
