"""The league table, drawn one way wherever it is shown (overview, compare page, meeting mode):
the rows of the league_table view (rank, change in rank since the end of last month, grade,
score, rates, red flags). The pack writes the same view to its league sheet (nq57/pack)."""
from __future__ import annotations

import functools
from datetime import date

import pandas as pd
import streamlit as st

from components import data, drill, filters, page_style
from nq57 import exports
from nq57.vnformat import vn_number

ALL_KINDS = "Tất cả"


def rows(as_of: date) -> pd.DataFrame:
    """The league table as of a date, rank change against the last month end before it."""
    return data.view("league_table", as_of, previous=filters.month_ends_before(as_of, 1)[0])


def _rate(header: str):
    return st.column_config.ProgressColumn(header, format="%.0f%%", min_value=0, max_value=100)


def _columns(compact: bool) -> dict:
    header = functools.partial(exports.header, "league_table")  # the pack's and export page's words
    config = {
        # "localized": the browser's locale, which the page says is vi-VN (components/vietnamese_chrome.js): 3.321
        "rank": st.column_config.NumberColumn(header("rank"), format="localized"),
        "rank_change_text": st.column_config.TextColumn("Thay đổi"),  # the long header does not fit a phone
        "unit_name": st.column_config.TextColumn(header("unit_name")),
        "grade": st.column_config.TextColumn(header("grade")),
        "score": st.column_config.TextColumn(header("score")),
    }
    if not compact:
        config.update(completion_rate=_rate(header("completion_rate")),
                      # no rate for a unit without KPI targets (the view's rule): a progress bar drew a
                      # blank there, a number column prints the page's "—" (and sorts as numbers)
                      kpi_on_track_rate=st.column_config.NumberColumn(header("kpi_on_track_rate"), format="%.0f%%"))
    config["red_flag_count"] = st.column_config.NumberColumn(header("red_flag_count"), format="localized")
    if not compact:
        config["timeliness_rate"] = _rate(header("timeliness_rate"))
    return config


def show(table: pd.DataFrame, key: str | None = None, compact: bool = False, height: int | str = "auto") -> None:
    """Draw league rows: every column, or (compact, for a projector) rank, change, grade, score
    and red flags. With a key, clicking a row opens that unit's profile."""
    config = _columns(compact)
    shown = table[list(config)].assign(score=table["score"].map(lambda v: vn_number(v, 1)))
    for rate in ("completion_rate", "kpi_on_track_rate", "timeliness_rate"):
        if rate in shown:
            shown[rate] = table[rate] * 100
    event = page_style.dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config, height=height,
                                 on_select="rerun" if key else "ignore", selection_mode="single-row")
    row = drill.chosen_row(event) if key else None
    if row is not None:
        drill.open_profile(table.iloc[row]["unit_id"])


def big(table: pd.DataFrame) -> None:
    """League rows for a projector: a plain table whose type the meeting CSS can set large
    (a dataframe draws on a canvas at a fixed small size)."""
    config = _columns(compact=True)
    shown = table[list(config)].assign(score=table["score"].map(lambda v: vn_number(v, 1)))
    # the rank a column, not the index: st.table hides a numeric index by itself, and the slide of
    # the last ten read without their ranks
    st.table(shown.rename(columns={k: c["label"] for k, c in config.items()}), hide_index=True)


def grade_filter(table: pd.DataFrame) -> pd.DataFrame:
    """The grade pills above the overview's table (a click on a grade bar sets them too)."""
    grades = data.labels("grade")
    chosen = st.pills("Lọc theo xếp loại", list(grades), selection_mode="multi", format_func=grades.get,
                      key=drill.GRADE_FILTER, bind="query-params")
    return table[table["grade"].isin(chosen)] if chosen else table


def filtered(table: pd.DataFrame) -> pd.DataFrame:
    """The filter row above the full table: kind of unit (its label from the view) and a name search."""
    left, middle = st.columns([1, 2])
    kinds = [k for k in data.labels("unit_kind").values() if k in set(table["unit_kind_label"])]
    kind = left.radio("Loại đơn vị", [ALL_KINDS, *kinds], horizontal=True, key="league_kind", bind="query-params")
    search = middle.text_input("Tìm theo tên", key="league_search", placeholder="Ví dụ: Phước",
                           bind="query-params")
    if kind != ALL_KINDS:
        table = table[table["unit_kind_label"] == kind]
    if search.strip():
        table = table[table["unit_name"].str.contains(search.strip(), case=False, regex=False)]
    return table


def draw(as_of: date, with_filters: bool = True) -> pd.DataFrame:
    """The full league table with its filters and a count; returns the rows (every unit)."""
    table = rows(as_of)
    shown = filtered(table) if with_filters else table
    show(shown, key="league_table")
    st.caption(f"{vn_number(len(shown))} đơn vị · thay đổi thứ hạng so với cuối tháng trước · "
               "bấm tiêu đề cột để sắp xếp")
    return table
