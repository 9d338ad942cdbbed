"""Click to drill down, as Power BI and Metabase users expect: a bar or a row opens the filtered
list or the unit's profile. The filter lands in a widget bound to the URL, so the view that opens
can be sent on as a link."""
from __future__ import annotations

import streamlit as st

from components import filters

GRADE_FILTER = "league_grade"  # the overview's grade filter (pills, bound to ?league_grade=)
RULE_FILTER = "flag_rules"  # the red flags page's rule filter (bound to ?flag_rules=)


def first_point(event) -> dict | None:
    """The clicked point of a Plotly chart's selection event (or its session state), if any."""
    points = event.selection.points if event and event.selection else []
    return points[0] if points else None


def chosen_row(event) -> int | None:
    """The position of the clicked row of a dataframe's selection event, if any."""
    rows = event.selection.rows if event and event.selection else []
    return rows[0] if rows else None


def open_profile(unit_id: str) -> None:
    st.switch_page("pages/unit_profile.py", query_params=filters.link_params(unit=unit_id))


def open_flags(rule_label: str) -> None:
    st.switch_page("pages/red_flags.py", query_params=filters.link_params(**{RULE_FILTER: rule_label}))


def filter_by_grade(chart_key: str) -> None:
    """on_select callback of the grade chart: the clicked grade becomes the league table's filter
    (a callback, so it runs before the filter widget is drawn)."""
    point = first_point(st.session_state.get(chart_key))
    if point:
        st.session_state[GRADE_FILTER] = [point["customdata"]]


def filter_by_rule(chart_key: str) -> None:
    """on_select callback of the rule chart on the red flags page: filter the list by that rule."""
    point = first_point(st.session_state.get(chart_key))
    if point:
        st.session_state[RULE_FILTER] = [point["customdata"][1]]
