"""Who is using the dashboard: sign-in in the sidebar, session expiry, and what the pages may
offer. The core functions check permissions again; hiding a button is only a courtesy."""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from components.safe_text import md_escape
from nq57 import audit, auth, db

USER_KEY = "signed_in_user"
LAST_SEEN_KEY = "last_seen"


@st.cache_data(ttl=5, show_spinner=False)
def _settings(path: str) -> tuple[bool, bool, int]:
    with db.connect(path) as con:
        return auth.has_accounts(con), auth.read_requires_sign_in(con), auth.session_timeout_minutes(con)


def _state() -> tuple[bool, bool, int]:
    return _settings(str(db.database_path()))


def open_mode() -> bool:
    """No account exists yet: a trial install where everyone may do everything."""
    return not _state()[0]


def current_user() -> auth.User | None:
    return st.session_state.get(USER_KEY)


def can(action: str, unit_id: str | None = None) -> bool:
    if open_mode():
        return True
    user = current_user()
    if user is None:
        return False
    if unit_id is None and action == "import_report":
        return user.role in auth.PERMISSIONS[action]
    return auth.allowed(user, action, unit_id)


def actor() -> auth.User | str:
    """What the core functions receive: the signed-in account (checked) or, in trial mode, a name."""
    return current_user() or "khách (chế độ dùng thử)"


def _sign_out(reason: str | None = None) -> None:
    user = current_user()
    if user is not None:
        with db.connect() as con:
            audit.record(con, "sign_out", user.user_name, detail=reason)
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(LAST_SEEN_KEY, None)


def sidebar() -> None:
    """The sign-in box (or who is signed in) at the bottom of the sidebar; expires idle sessions."""
    has_accounts, _, timeout = _state()
    box = st.sidebar.container(border=True)
    if not has_accounts:
        box.caption("Chế độ dùng thử: chưa có tài khoản nào, mọi người đều có quyền nhập. "
                    "Tạo tài khoản quản trị: `python -m nq57 user add admin --role admin`.")
        return
    user = current_user()
    now = datetime.now()
    if user is not None and auth.session_expired(st.session_state.get(LAST_SEEN_KEY), now, timeout):
        _sign_out("hết phiên do không hoạt động")
        box.warning(f"Phiên làm việc đã hết sau {timeout} phút không hoạt động. Vui lòng đăng nhập lại.")
        user = None
    if user is not None:
        st.session_state[LAST_SEEN_KEY] = now
        box.markdown(f"**{md_escape(user.display_name or user.user_name)}** · {auth.ROLE_LABELS[user.role]}")
        if box.button("Đăng xuất", key="sign_out"):
            _sign_out()
            if oidc_configured() and st.user.is_logged_in:
                st.logout()
            st.rerun()
        return
    if oidc_configured():
        _oidc_sign_in(box, now)
        return
    with box.form("sign_in", clear_on_submit=False, border=False):
        st.markdown("**Đăng nhập**")
        name = st.text_input("Tên đăng nhập", key="sign_in_name")
        password = st.text_input("Mật khẩu", type="password", key="sign_in_password")
        submitted = st.form_submit_button("Đăng nhập")
    if submitted:
        try:
            with db.connect() as con:
                signed_in = auth.authenticate(con, name.strip(), password)
        except auth.AuthError as refusal:
            box.error(md_escape(refusal))
        else:
            st.session_state[USER_KEY] = signed_in
            st.session_state[LAST_SEEN_KEY] = now
            st.rerun()


def oidc_configured() -> bool:
    """An OpenID Connect provider in .streamlit/secrets.toml ([auth] section) replaces local passwords."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _oidc_sign_in(box, now: datetime) -> None:
    """st.login proves who the person is; the account with that e-mail as its name says what
    they may do, so roles stay in one place whichever way people sign in."""
    if not st.user.is_logged_in:
        if box.button("Đăng nhập", key="oidc_sign_in"):
            st.login()
        return
    with db.connect() as con:
        account = auth.get_user(con, st.user.email or "")
        if account is None or account.is_disabled:
            audit.record(con, "sign_in_failed", st.user.email, detail="OIDC: chưa có tài khoản hoặc đã bị khóa")
            box.error("Tài khoản chưa được cấp quyền trong hệ thống; liên hệ quản trị.")
            if box.button("Đăng xuất", key="oidc_sign_out"):
                st.logout()
            return
        audit.record(con, "sign_in", account.user_name, detail="OIDC")
    st.session_state[USER_KEY] = account
    st.session_state[LAST_SEEN_KEY] = now
    st.rerun()


def reading_allowed() -> bool:
    """False when the setting asks for sign-in before reading and nobody is signed in."""
    has_accounts, read_requires, _ = _state()
    return not (has_accounts and read_requires and current_user() is None)
