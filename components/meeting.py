"""Meeting mode: the compare view as slides for a projector at 1920×1080 — type readable from the
back of the room (headline figures and table text ≥ 24 px), one chart filling each slide, no
click hints, ←/→ and PageUp/PageDown (a presenter's clicker) between slides, and the slide and
the frozen as-of date in the URL (?slide=3&as_of=…), so a reload or a link opens the same slide."""
from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import chart_title, charts, compare_views, data, filters, heatmap_chart, league_table
from nq57.vnformat import vn_date, vn_number, vn_percent, vn_shortened

SLIDE_KEY = "slide"
ITEM_CHARS = 80  # what is red, on the why-red slides
CHART_FONT = 24
TILE_FONT = 18  # a unit's name (12 characters) fits its tile at 1920 px
WORST_UNITS = 4  # the why-red slide: the last units of the table
REASONS_PER_UNIT = 2  # flags shown per unit on the why-red slides
HEATMAP_UNITS = 10

PROJECTOR_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 1rem; max-width: 100%;}
h1 {font-size: 3rem !important;}
h2 {font-size: 2.4rem !important;}
p, li, label, [data-testid="stMetricLabel"] p {font-size: 1.6rem !important;}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {font-size: 3.2rem !important;}
[data-testid="stTable"] td, [data-testid="stTable"] th {font-size: 26px !important; line-height: 1.3; max-width: none !important;}
[data-testid="stTable"] td div, [data-testid="stTable"] th div {max-width: none !important;}
[data-baseweb="select"] * {font-size: 1.6rem !important;}
[data-testid="stAlert"] p, [data-testid="stAlert"] code {font-size: 1rem !important;}
[data-testid="stMainBlockContainer"] {padding-top: 0.5rem !important; padding-bottom: 0 !important;}
</style>
"""


def is_on() -> bool:
    return SLIDE_KEY in st.query_params


def start(as_of: date) -> None:
    """The first slide, the as-of date frozen in the URL (today's date too: a reload tomorrow
    still shows the figures of the meeting)."""
    st.query_params[SLIDE_KEY] = "1"
    st.query_params[filters.AS_OF_KEY] = as_of.isoformat()


def stop() -> None:
    st.query_params.pop(SLIDE_KEY, None)


def _big(fig, height: int, titled: bool = True):
    """A chart filling the slide, its text projector-sized (a copy: the pages' figure is cached and
    shared); untitled where its title would repeat the slide's."""
    fig = go.Figure(fig)
    fig.update_layout(font={"size": CHART_FONT}, height=height)
    if not titled:
        fig.update_layout(title=None)
    return fig


def _chart(fig, height: int = 700, titled: bool = True) -> None:
    chart_title.plot(st, _big(fig, height, titled), width="stretch", theme=None, config={"displayModeBar": False})


def _reasons(flags: pd.DataFrame, per_unit: int) -> pd.DataFrame:
    """Each unit's first flags by rule, with what is red (two tasks late by the same days read as one
    sentence twice) and, beside the unit, how many of its flags are shown."""
    counts = flags.groupby("unit_id")["rule"].transform("size")
    ordered = flags.assign(flag_total=counts).sort_values(["unit_name", "rule", "due_date"]).groupby(
        "unit_id", sort=False).head(per_unit)
    # what is red, cut at a word so a slide shows every unit's rows at once (the page has the whole text)
    ordered = ordered.assign(item_name=[vn_shortened(n, ITEM_CHARS) for n in ordered["item_name"]])
    ordered = ordered.assign(unit_name=[
        name if total <= per_unit else f"{name} ({vn_number(per_unit)} trong {vn_number(total)} cảnh báo)"
        for name, total in zip(ordered["unit_name"], ordered["flag_total"])])
    return ordered.rename(columns={"unit_name": "Đơn vị", "rule_label": "Quy tắc", "item_name": "Nội dung",
                                   "reason": "Vì sao đỏ"})[["Đơn vị", "Quy tắc", "Nội dung", "Vì sao đỏ"]]


def _slides(as_of: date) -> list[tuple[str, callable]]:
    summary = data.view("province_summary", as_of).iloc[0]
    league = league_table.rows(as_of)  # by rank
    red = data.label("kpi_status", "canh_bao_do")

    def headline():
        cols = st.columns(4)
        cols[0].metric("Nhiệm vụ hoàn thành / đến hạn", f"{vn_number(summary['tasks_done'])} / {vn_number(summary['tasks_due'])}")
        cols[1].metric(data.tile("kpi_on_track_rate"), vn_percent(summary["kpi_on_track_rate"]))
        cols[2].metric(red, vn_number(summary["red_flag_count"]))
        cols[3].metric(data.tile("timeliness_rate"), vn_percent(summary["timeliness_rate"]))
        _chart(charts.grade_distribution(summary, data.view("grade_bands")), 520)

    def table(rows):
        return lambda: league_table.big(rows)

    def flags():
        _chart(charts.flags_by_rule(data.view("flags_by_rule", as_of)), titled=False)  # the slide says it

    def heatmap():
        grid = compare_views.Grid(as_of, league)
        worst = list(league.sort_values("rank")["unit_name"].tail(HEATMAP_UNITS))
        cells = grid.progress[grid.in_grid & grid.progress["kpi_id"].isin(grid.common)
                              & grid.progress["unit_name"].isin(worst)]
        if cells.empty:
            st.info(f"Chưa có số liệu chỉ tiêu nào tính đến {vn_date(as_of)}.")
            return
        units = [u for u in worst if u in set(cells["unit_name"])]
        if len(units) < len(worst):  # the title promises the last HEATMAP_UNITS; say why fewer rows
            st.caption(f"Chỉ {vn_number(len(units))} trong {vn_number(len(worst))} đơn vị cuối bảng có số liệu "
                       "ở các chỉ tiêu này.")
        fig = go.Figure(heatmap_chart.progress_heatmap(cells, units, grid.common, grid.kpi_names))  # cached: a copy to change
        fig.update_traces(textfont={"size": CHART_FONT})
        _chart(fig, 640)

    def why_red():
        worst = league.sort_values("rank").tail(WORST_UNITS)
        flagged = [data.view("red_flags", as_of, unit_id=u) for u in worst["unit_id"]]
        flagged = [f for f in flagged if len(f)]
        if not flagged:
            st.success(f"Không có {red.lower()} nào.", icon=":material/check_circle:")
            return
        st.table(_reasons(pd.concat(flagged), REASONS_PER_UNIT).set_index("Đơn vị"), hide_index=False)

    def tiles():
        _chart(charts.unit_tile_grid(league, clickable=False, text_size=TILE_FONT), 680)

    def one_unit():
        ranked = league.sort_values("rank")
        default = ranked["unit_id"].iloc[-1]
        unit_id = filters.unit_selector(dict(zip(ranked["unit_id"], ranked["unit_name"])), label="Đơn vị",
                                        default=default)
        row = ranked.set_index("unit_id").loc[unit_id]
        cols = st.columns(5)
        cols[0].metric("Thứ hạng", f"{int(row['rank'])}/{vn_number(len(league))}")
        cols[1].metric("Xếp loại · điểm", f"{row['grade']} · {vn_number(row['score'], 1)}")
        cols[2].metric(data.tile("completion_rate"), vn_percent(row["completion_rate"]))
        cols[3].metric(data.tile("kpi_on_track_rate"), vn_percent(row["kpi_on_track_rate"]))
        cols[4].metric(red, vn_number(row["red_flag_count"]))
        unit_flags = data.view("red_flags", as_of, unit_id=unit_id)
        if len(unit_flags):
            st.table(_reasons(unit_flags, REASONS_PER_UNIT)[["Quy tắc", "Nội dung", "Vì sao đỏ"]].set_index("Quy tắc"), hide_index=False)
            if len(unit_flags) > REASONS_PER_UNIT:
                st.caption(f"{vn_number(REASONS_PER_UNIT)} trong {vn_number(len(unit_flags))} cảnh báo; "
                           "đủ cả ở trang Cảnh báo đỏ.")

    return [
        ("Toàn cảnh tỉnh Đồng Nai", headline),
        ("10 đơn vị dẫn đầu — biểu dương", table(league.head(10))),
        ("10 đơn vị cuối bảng — cần giải trình", table(league.tail(10).iloc[::-1])),
        (f"{red} theo quy tắc", flags),
        (f"Bản đồ nhiệt: {HEATMAP_UNITS} đơn vị cuối bảng × chỉ tiêu", heatmap),
        (f"Vì sao đỏ: {WORST_UNITS} đơn vị cuối bảng", why_red),
        (f"{vn_number(len(league))} xã, phường theo xếp loại", tiles),
        ("Một đơn vị", one_unit),
    ]


def _slide_number(count: int) -> int:
    try:
        wanted = int(st.query_params.get(SLIDE_KEY, "1"))
    except ValueError:
        wanted = 1
    return min(max(wanted, 1), count)


def run_slides() -> None:
    as_of = filters.current_as_of()
    slides = _slides(as_of)
    number = _slide_number(len(slides))
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)
    title, draw = slides[number - 1]
    st.title(title)
    st.markdown(f"**Số liệu tính đến ngày {vn_date(as_of)}** · trang {number}/{len(slides)}")
    draw()
    with st.container(key="slide_nav"):
        previous, _, following, leave = st.columns([1, 4, 1, 1])
        if previous.button("◀ Trước", disabled=number == 1, key="slide_previous"):
            st.query_params[SLIDE_KEY] = str(number - 1)
            st.rerun()
        if following.button("Tiếp ▶", disabled=number == len(slides), key="slide_next", type="primary"):
            st.query_params[SLIDE_KEY] = str(number + 1)
            st.rerun()
        if leave.button("Thoát", key="slide_exit"):
            stop()
            st.rerun()
