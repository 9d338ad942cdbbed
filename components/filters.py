"""Selectors shared by every page; their values live in the URL so a link reproduces a view."""
from __future__ import annotations

from datetime import date

import streamlit as st

AS_OF_KEY = "as_of"
EARLIEST = date(2025, 6, 1)


def _as_of_from_url() -> date:
    raw = st.query_params.get(AS_OF_KEY)
    try:
        chosen = date.fromisoformat(raw) if raw else date.today()
    except ValueError:
        chosen = date.today()
    return min(max(chosen, EARLIEST), date.today())


def as_of_selector() -> date:
    """The as-of date in the sidebar, mirrored to ?as_of=YYYY-MM-DD."""
    chosen = st.sidebar.date_input(
        "Số liệu tính đến ngày",
        value=_as_of_from_url(),
        min_value=EARLIEST,
        max_value=date.today(),
        format="DD/MM/YYYY",
        key="as_of_input",
        help="Mọi trang tính theo ngày này. Đường dẫn trên trình duyệt giữ ngày đã chọn.",
    )
    if chosen == date.today():
        st.query_params.pop(AS_OF_KEY, None)
    else:
        st.query_params[AS_OF_KEY] = chosen.isoformat()
    st.session_state[AS_OF_KEY] = chosen
    return chosen


def current_as_of() -> date:
    return st.session_state.get(AS_OF_KEY) or _as_of_from_url()
