"""Tài khoản: the accounts, their roles and units; add, disable and enable accounts (admin only;
the first administrator is created on the command line, see nq57/first_start.py)."""

import streamlit as st

from components import account_forms, data, page_style, session
from nq57 import exports
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

account_forms.new_account(admin, units)
if not users.empty:
    account_forms.lock_or_unlock(admin, users)
