"""Tài khoản: the accounts, their roles and units; add, disable and enable accounts (admin only;
the first administrator is created on the command line, see nq57/first_start.py)."""

import streamlit as st

from components import data, page_style, session
from components.safe_text import md_escape, sentence
from nq57 import auth, exports, passwords
from nq57.vnformat import vn_datetime

st.title("Tài khoản người dùng")
admin = session.require("manage_users", "quản lý tài khoản")
users = data.list_users()
units = data.view("stg_units")
states = data.labels("account_state")
if not users.empty:
    # the unit by its name, the last sign-in as dd/mm/yyyy hh:mm (it read "xa-nha-bich", "2026-12-07 15:05:34")
    # and the state in words (a checkbox was read aloud as "false")
    shown = users.assign(last_login=users["last_login_at"].map(vn_datetime),
                         state_label=users["is_disabled"].map({True: states["locked"], False: states["active"]}))
    columns = ["user_name", "display_name", "role_label", "unit_name", "state_label", "last_login"]
    page_style.dataframe(shown[columns], hide_index=True, width="stretch",
                         column_config=exports.vietnamese_headers("users", columns))

if notice := st.session_state.pop("users_notice", None):  # said after the form was emptied
    message, generated = notice
    st.success(message, icon=":material/check_circle:")
    if generated:
        st.warning("Mật khẩu được tạo (chỉ hiện một lần, hãy chuyển cho người dùng):", icon=":material/key:")
        st.code(generated, language=None)

st.subheader("Thêm tài khoản")
communes = units[units["is_commune_level"] | (units["unit_kind"] == "department")].sort_values("sort_order")
unit_names = dict(zip(communes["unit_id"], communes["unit_name"]))
# emptied once the account exists (kept after a refusal, to be corrected)
FORM_KEYS = ("new_user_name", "new_user_display", "new_user_role", "new_user_unit", "new_user_password", "new_user_again")
with st.form("add_user"):
    # a row of two per pair: a phone stacks columns, and two columns of three put the password's
    # confirmation three fields after it
    left, right = st.columns(2)
    name = left.text_input("Tên đăng nhập (chữ thường, số, gạch ngang)", key="new_user_name")
    display = right.text_input("Họ tên", key="new_user_display")
    left, right = st.columns(2)
    role = left.selectbox("Vai trò", list(auth.ROLE_LABELS), format_func=lambda r: f"{auth.ROLE_LABELS[r]} — {auth.ROLE_DESCRIPTIONS[r]}",
                          index=4, key="new_user_role")
    unit = right.selectbox("Đơn vị (với vai trò Đơn vị)", [""] + list(unit_names), format_func=lambda u: unit_names.get(u, "—"),
                           key="new_user_unit")
    left, right = st.columns(2)
    password = left.text_input("Mật khẩu (để trống để tạo ngẫu nhiên)", type="password", key="new_user_password")
    again = right.text_input("Nhập lại mật khẩu", type="password", key="new_user_again")
    submitted = st.form_submit_button("Tạo tài khoản", type="primary")
if submitted:
    generated = not password
    chosen = passwords.generate() if generated else password
    if not generated and password != again:
        st.error("Hai lần nhập mật khẩu không khớp.")
    else:
        try:
            data.add_user(name.strip(), role, chosen, unit or None, display.strip() or None, by=admin)
        except (auth.AccountError, auth.PermissionDenied) as refusal:
            st.error(sentence(refusal), icon=":material/block:")
        else:
            for key in FORM_KEYS:
                st.session_state.pop(key, None)
            st.session_state["users_notice"] = (
                f"Đã tạo tài khoản {md_escape(name.strip())} ({auth.ROLE_LABELS[role]}).", chosen if generated else None)
            st.rerun()

if not users.empty:
    st.subheader("Khóa hoặc mở tài khoản")
    target = st.selectbox("Tài khoản", list(users["user_name"]), key="toggle_user")
    disabled = bool(users.set_index("user_name").loc[target, "is_disabled"])

    def toggle() -> None:
        try:
            data.set_user_disabled(target, not disabled, by=admin)
        except (auth.AccountError, auth.PermissionDenied) as refusal:
            st.error(sentence(refusal), icon=":material/block:")
        else:
            st.rerun()

    if disabled:
        if st.button("Mở khóa", key="toggle_button"):
            toggle()
    elif st.session_state.get("confirm_lock") == target:
        # locking signs a person out of every tab at once: one more click, with who it is said
        st.warning(f"Khóa tài khoản **{md_escape(target)}**? Người dùng sẽ bị đăng xuất và không đăng nhập được "
                   "cho đến khi được mở khóa.", icon=":material/lock:")
        yes, no = st.columns(2)
        if yes.button("Xác nhận khóa", type="primary", key="confirm_lock_button"):
            st.session_state.pop("confirm_lock", None)
            toggle()
        if no.button("Hủy", key="cancel_lock_button"):
            st.session_state.pop("confirm_lock", None)
            st.rerun()
    elif st.button("Khóa tài khoản", key="toggle_button"):
        st.session_state["confirm_lock"] = target
        st.rerun()
