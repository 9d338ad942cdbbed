"""Selectors shared by every page; their values live in the URL so a link reproduces a view."""
from __future__ import annotations

from datetime import date

import streamlit as st

from nq57.dates import month_ends_before  # noqa: F401  (pages call filters.month_ends_before)

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


UNIT_KEY = "unit"


def unit_selector(units: dict[str, str], label: str = "Đơn vị", default: str | None = None) -> str:
    """Choose a unit; the choice is kept in ?unit= so a link opens the same unit."""
    options = list(units)
    wanted = st.query_params.get(UNIT_KEY) or default or options[0]
    index = options.index(wanted) if wanted in options else 0
    chosen = st.selectbox(label, options, index=index, format_func=units.get, key="unit_input")
    st.query_params[UNIT_KEY] = chosen
    return chosen


def matches(frame, column: str, chosen: list) -> "pd.Series":
    """Rows whose column is among the chosen values; every row when nothing is chosen."""
    return frame[column].isin(chosen) if chosen else frame[column].notna() | frame[column].isna()


def link_params(**extra: str) -> dict[str, str]:
    """Query parameters for a link to another page that keep the chosen as-of date."""
    params = {k: v for k, v in extra.items() if v}
    if AS_OF_KEY in st.query_params:
        params[AS_OF_KEY] = st.query_params[AS_OF_KEY]
    return params
