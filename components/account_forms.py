"""The accounts page's forms (pages/users.py): a new account, emptied once it exists, and locking
or unlocking one, asked once more before a lock."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data
from components.safe_text import md_escape, sentence
from nq57 import auth, passwords

ROLES = list(auth.ROLE_LABELS)
# a new account reads only until its role is chosen
DEFAULTS = {"new_user_name": "", "new_user_display": "", "new_user_role": "leader", "new_user_unit": "",
            "new_user_password": "", "new_user_again": ""}


def _create(admin: auth.User) -> None:
    """The account, made in the button's callback (before the page runs again), so the form can be
    emptied once it exists (a form kept its values, and the typed passwords, after creating) and
    kept after a refusal, to be corrected."""
    form = {key: st.session_state.get(key, default) for key, default in DEFAULTS.items()}
    generated = not form["new_user_password"]
    chosen = passwords.generate() if generated else form["new_user_password"]
    name = form["new_user_name"].strip()
    try:
        if not generated and form["new_user_password"] != form["new_user_again"]:
            raise auth.AccountError("hai lần nhập mật khẩu không khớp")
        data.add_user(name, form["new_user_role"], chosen, form["new_user_unit"] or None,
                      form["new_user_display"].strip() or None, by=admin)
    except (auth.AccountError, auth.PermissionDenied) as refusal:
        st.session_state["users_refusal"] = sentence(refusal)
        return
    st.session_state.update(DEFAULTS)
    st.session_state["users_notice"] = (
        f"Đã tạo tài khoản {md_escape(name)} ({auth.ROLE_LABELS[form['new_user_role']]}).", chosen if generated else None)


def new_account(admin: auth.User, units: pd.DataFrame) -> None:
    """Thêm tài khoản: what was just created (and a generated password, shown once), then the form."""
    for key, default in DEFAULTS.items():
        st.session_state.setdefault(key, default)
    if notice := st.session_state.pop("users_notice", None):  # said once the form is emptied
        message, generated = notice
        st.success(message, icon=":material/check_circle:")
        if generated:
            st.warning("Mật khẩu được tạo (chỉ hiện một lần, hãy chuyển cho người dùng):", icon=":material/key:")
            st.code(generated, language=None)

    st.subheader("Thêm tài khoản")
    communes = units[units["is_commune_level"] | (units["unit_kind"] == "department")].sort_values("sort_order")
    unit_names = dict(zip(communes["unit_id"], communes["unit_name"]))
    with st.form("add_user"):
        # a row of two per pair: a phone stacks columns, and two columns of three put the password's
        # confirmation three fields after it
        left, right = st.columns(2)
        left.text_input("Tên đăng nhập (chữ không dấu, số, dấu . _ - @)", key="new_user_name")
        right.text_input("Họ tên", key="new_user_display")
        left, right = st.columns(2)
        # the role by its name (typing "Đơn vị" matched the Văn phòng role's description); what each
        # may do in the field's help
        left.selectbox("Vai trò", ROLES, format_func=auth.ROLE_LABELS.get, key="new_user_role",
                       help="\n".join(f"- **{auth.ROLE_LABELS[r]}**: {auth.ROLE_DESCRIPTIONS[r]}" for r in ROLES))
        right.selectbox("Đơn vị (chỉ với vai trò Đơn vị)", [""] + list(unit_names), format_func=lambda u: unit_names.get(u, "—"),
                        key="new_user_unit")
        left, right = st.columns(2)
        left.text_input("Mật khẩu (để trống để tạo ngẫu nhiên)", type="password", key="new_user_password")
        right.text_input("Nhập lại mật khẩu", type="password", key="new_user_again")
        st.form_submit_button("Tạo tài khoản", type="primary", on_click=_create, args=(admin,))
    if refusal := st.session_state.pop("users_refusal", None):
        st.error(refusal, icon=":material/block:")


def lock_or_unlock(admin: auth.User, users: pd.DataFrame) -> None:
    """Khóa hoặc mở tài khoản: unlocking in one click; locking asks once more, naming the person;
    one's own account is not offered."""
    st.subheader("Khóa hoặc mở tài khoản")
    people = users.set_index("user_name")
    names = {name: (f"{name} ({row.display_name})" if isinstance(row.display_name, str) and row.display_name else name)
             for name, row in people.iterrows()}
    target = st.selectbox("Tài khoản", list(names), format_func=names.get, key="toggle_user")
    disabled = bool(people.loc[target, "is_disabled"])

    def toggle() -> None:
        try:
            data.set_user_disabled(target, not disabled, by=admin)
        except (auth.AccountError, auth.PermissionDenied) as refusal:
            st.error(sentence(refusal), icon=":material/block:")
        else:
            st.session_state["lock_notice"] = f"Đã {'mở khóa' if disabled else 'khóa'} tài khoản {md_escape(names[target])}."
            st.rerun()

    if st.session_state.get("confirm_lock") not in (None, target):  # another account chosen: its own question
        st.session_state.pop("confirm_lock")
    if notice := st.session_state.pop("lock_notice", None):
        st.success(notice, icon=":material/check_circle:")
    if target == admin.user_name:
        st.caption("Đây là tài khoản của chính bạn: không tự khóa được.")
    elif disabled:
        if st.button("Mở khóa", key="toggle_button"):
            toggle()
    elif st.session_state.get("confirm_lock") == target:
        # locking signs a person out of every tab at once: one more click, with who it is said
        st.warning(f"Khóa tài khoản **{md_escape(names[target])}**? Người dùng sẽ bị đăng xuất và không đăng nhập "
                   "được cho đến khi được mở khóa.", icon=":material/lock:")
        with st.container(horizontal=True):
            if st.button("Xác nhận khóa", type="primary", key="confirm_lock_button"):
                st.session_state.pop("confirm_lock", None)
                toggle()
            if st.button("Hủy", key="cancel_lock_button"):
                st.session_state.pop("confirm_lock", None)
                st.rerun()
    elif st.button("Khóa tài khoản", key="toggle_button"):
        st.session_state["confirm_lock"] = target
        st.rerun()
