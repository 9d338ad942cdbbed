"""Tài khoản: the accounts, their roles and units; add, disable and enable accounts (admin only;
the first administrator is created on the command line, see nq57/first_start.py)."""

import streamlit as st

from components import data, page_style, session
from components.safe_text import md_escape
from nq57 import auth, passwords
from nq57.vnformat import vn_datetime

st.title("Tài khoản người dùng")
admin = session.require("manage_users", "quản lý tài khoản")
users = data.list_users()
units = data.view("stg_units")
if not users.empty:
    # the unit by its name and the last sign-in as dd/mm/yyyy hh:mm (it read "xa-nha-bich", "2026-12-07 15:05:34")
    shown = users.assign(last_login=users["last_login_at"].map(vn_datetime))
    page_style.dataframe(shown[["user_name", "display_name", "role_label", "unit_name", "is_disabled", "last_login"]],
                         hide_index=True, width="stretch", column_config={
                             "user_name": "Tên đăng nhập", "display_name": "Họ tên", "role_label": "Vai trò", "unit_name": "Đơn vị",
                             "is_disabled": "Đã khóa", "last_login": "Đăng nhập gần nhất"})

st.subheader("Thêm tài khoản")
communes = units[units["is_commune_level"] | (units["unit_kind"] == "department")].sort_values("sort_order")
unit_names = dict(zip(communes["unit_id"], communes["unit_name"]))
with st.form("add_user"):
    # a row of two per pair: a phone stacks columns, and two columns of three put the password's
    # confirmation three fields after it
    left, right = st.columns(2)
    name = left.text_input("Tên đăng nhập (chữ thường, số, gạch ngang)")
    display = right.text_input("Họ tên")
    left, right = st.columns(2)
    role = left.selectbox("Vai trò", list(auth.ROLE_LABELS), format_func=lambda r: f"{auth.ROLE_LABELS[r]} — {auth.ROLE_DESCRIPTIONS[r]}",
                          index=4)
    unit = right.selectbox("Đơn vị (với vai trò Đơn vị)", [""] + list(unit_names), format_func=lambda u: unit_names.get(u, "—"))
    left, right = st.columns(2)
    password = left.text_input("Mật khẩu (để trống để tạo ngẫu nhiên)", type="password")
    again = right.text_input("Nhập lại mật khẩu", type="password")
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
            st.error(md_escape(refusal))
        else:
            st.success(f"Đã tạo tài khoản {md_escape(name.strip())} ({auth.ROLE_LABELS[role]}).", icon=":material/check_circle:")
            if generated:
                st.warning("Mật khẩu được tạo (chỉ hiện một lần, hãy chuyển cho người dùng):", icon=":material/key:")
                st.code(chosen, language=None)

if not users.empty:
    st.subheader("Khóa hoặc mở tài khoản")
    target = st.selectbox("Tài khoản", list(users["user_name"]), key="toggle_user")
    disabled = bool(users.set_index("user_name").loc[target, "is_disabled"])
    if st.button("Mở khóa" if disabled else "Khóa tài khoản", key="toggle_button"):
        try:
            data.set_user_disabled(target, not disabled, by=admin)
        except (auth.AccountError, auth.PermissionDenied) as refusal:
            st.error(md_escape(refusal))
        else:
            st.rerun()
