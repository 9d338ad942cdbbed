"""Meeting mode: the compare view as slides for a projector — large type, no sidebar, one chart
per screen, next/previous buttons, and the as-of date frozen and shown on every slide."""
from __future__ import annotations

from datetime import date

import streamlit as st

from components import charts, data, league_table
from nq57.vnformat import vn_date, vn_number, vn_percent

PROJECTOR_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
.block-container {padding-top: 1rem; max-width: 100%;}
h1 {font-size: 3rem !important;}
h2 {font-size: 2.4rem !important;}
p, li, [data-testid="stMetricValue"] {font-size: 1.6rem !important;}
</style>
"""


def start(as_of: date) -> None:
    st.session_state["meeting_mode"] = True
    st.session_state["meeting_as_of"] = as_of
    st.session_state["meeting_slide"] = 0


def stop() -> None:
    st.session_state["meeting_mode"] = False


def _slides(as_of: date) -> list[tuple[str, callable]]:
    summary = data.view("province_summary", as_of).iloc[0]
    league = league_table.rows(as_of)  # by rank
    red = data.label("kpi_status", "canh_bao_do")

    def headline():
        cols = st.columns(4)
        cols[0].metric("Nhiệm vụ hoàn thành / đến hạn", f"{vn_number(summary['tasks_done'])} / {vn_number(summary['tasks_due'])}")
        cols[1].metric("Chỉ tiêu đúng tiến độ", vn_percent(summary["kpi_on_track_rate"]))
        cols[2].metric(red, vn_number(summary["red_flag_count"]))
        cols[3].metric("Báo cáo đúng hạn", vn_percent(summary["timeliness_rate"]))
        st.plotly_chart(charts.grade_distribution(summary, data.view("grade_bands")), width="stretch", theme=None)

    def table(rows):
        return lambda: league_table.show(rows, compact=True, height=420)

    def flags():
        st.plotly_chart(charts.flags_by_rule(data.view("flags_by_rule", as_of)), width="stretch", theme=None)

    def tiles():
        st.plotly_chart(charts.unit_tile_grid(league), width="stretch", theme=None)

    return [
        ("Toàn cảnh tỉnh Đồng Nai", headline),
        ("10 đơn vị dẫn đầu — biểu dương", table(league.head(10))),
        ("10 đơn vị cuối bảng — cần giải trình", table(league.tail(10).iloc[::-1])),
        (f"{red} theo quy tắc", flags),
        (f"{vn_number(len(league))} xã, phường theo xếp loại", tiles),
    ]


def run_slides() -> None:
    as_of = st.session_state["meeting_as_of"]
    slides = _slides(as_of)
    index = min(st.session_state.get("meeting_slide", 0), len(slides) - 1)
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)
    title, draw = slides[index]
    st.title(title)
    st.markdown(f"**Số liệu tính đến ngày {vn_date(as_of)}** · trang {index + 1}/{len(slides)}")
    draw()
    previous, _, following, leave = st.columns([1, 4, 1, 1])
    if previous.button("◀ Trước", disabled=index == 0, key="slide_previous"):
        st.session_state["meeting_slide"] = index - 1
        st.rerun()
    if following.button("Tiếp ▶", disabled=index == len(slides) - 1, key="slide_next", type="primary"):
        st.session_state["meeting_slide"] = index + 1
        st.rerun()
    if leave.button("Thoát", key="slide_exit"):
        stop()
        st.rerun()
