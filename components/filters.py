"""Selectors shared by every page; their values live in the URL so a link reproduces a view."""
from __future__ import annotations

from datetime import date

import streamlit as st

from nq57.dates import month_ends_before, page_days  # noqa: F401  (pages call filters.month_ends_before)

AS_OF_KEY = "as_of"
EARLIEST = date(2025, 6, 1)


def _as_of_from_url() -> date:
    raw = st.query_params.get(AS_OF_KEY)
    try:
        chosen = date.fromisoformat(raw) if raw else date.today()
    except ValueError:
        chosen = date.today()
    return min(max(chosen, EARLIEST), date.today())


QUARTERS = {3: "I", 6: "II", 9: "III", 12: "IV"}
SHORTCUT_KEY = "as_of_shortcut"
URL_SEEN_KEY = "_as_of_in_url"


def shortcut_label(day: date) -> str:
    """A stored day as a reader names it: a quarter end, a month end, or today."""
    if day == date.today():
        return f"Hôm nay ({day:%d/%m/%Y})"
    if day.month in QUARTERS:
        return f"Cuối quý {QUARTERS[day.month]}/{day.year} ({day:%d/%m/%Y})"
    return f"Cuối tháng {day:%m/%Y} ({day:%d/%m/%Y})"


def _apply_shortcut() -> None:
    # a callback runs before the script, so the date field can still be set in this run
    chosen = st.session_state.get(SHORTCUT_KEY)
    if chosen:
        st.session_state["as_of_input"] = chosen
        st.session_state[SHORTCUT_KEY] = None


def as_of_selector() -> date:
    """The as-of date in the sidebar, mirrored to ?as_of=YYYY-MM-DD, with shortcuts to the days
    whose figures are stored (recent month ends and quarter ends: they open fastest)."""
    # the URL's date, else (a page switch dropped it) the one last chosen; set into the field
    # when the field has no state (first run, page switch) or a link / back button changed it
    wanted = _as_of_from_url() if AS_OF_KEY in st.query_params else st.session_state.get(URL_SEEN_KEY, date.today())
    if "as_of_input" not in st.session_state or st.session_state.get(URL_SEEN_KEY) != wanted:
        st.session_state["as_of_input"] = wanted
    chosen = st.sidebar.date_input(
        "Số liệu tính đến ngày",
        min_value=EARLIEST,
        max_value=date.today(),
        format="DD/MM/YYYY",
        key="as_of_input",
        help="Gõ ngày rồi nhấn Enter, hoặc chọn nhanh bên dưới. Đường dẫn trên trình duyệt giữ ngày đã chọn.",
    )
    st.sidebar.selectbox("Chọn nhanh", list(reversed(page_days(date.today()))), index=None, key=SHORTCUT_KEY,
                         format_func=shortcut_label, on_change=_apply_shortcut,
                         placeholder="Cuối tháng, cuối quý…", label_visibility="collapsed")
    if chosen == date.today():
        st.query_params.pop(AS_OF_KEY, None)
    else:
        st.query_params[AS_OF_KEY] = chosen.isoformat()
    st.session_state[AS_OF_KEY] = chosen
    st.session_state[URL_SEEN_KEY] = chosen
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


def hide_demo_toggle(key: str, container=st) -> bool:
    """Whether "Ẩn dữ liệu minh họa" is on: on by default on every page that lists batches or
    evidence (History hid the demo, Review showed it): these are where an office checks its real
    work, and the demo is one click away. A default that followed the data flipped at the first
    real import, under the eyes of whoever had the page open."""
    return container.toggle("Ẩn dữ liệu minh họa", value=True, key=key,
                            help="Các báo cáo mẫu (dữ liệu minh họa) không phải số liệu thật.")
