"""Meeting mode: the compare view as slides for a projector — large type, no sidebar, one chart
per screen, next/previous buttons, and the as-of date frozen and shown on every slide."""
from __future__ import annotations

from datetime import date

import streamlit as st

from components import charts, data
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
    scorecard = data.view("unit_scorecard", as_of).sort_values("rank")

    def headline():
        cols = st.columns(4)
        cols[0].metric("Nhiệm vụ hoàn thành / đến hạn", f"{vn_number(summary['tasks_done'])} / {vn_number(summary['tasks_due'])}")
        cols[1].metric("Chỉ tiêu đúng tiến độ", vn_percent(summary["kpi_on_track_rate"]))
        cols[2].metric("Cảnh báo đỏ", vn_number(summary["red_flag_count"]))
        cols[3].metric("Báo cáo đúng hạn", vn_percent(summary["timeliness_rate"]))
        st.plotly_chart(charts.grade_distribution(summary), width="stretch", theme=None)

    def table(rows):
        def draw():
            shown = rows.assign(score=rows["score"].map(lambda v: vn_number(v, 1)))
            st.dataframe(shown[["rank", "unit_name", "grade", "score", "red_flag_count"]], hide_index=True, width="stretch",
                         column_config={"rank": "Hạng", "unit_name": "Đơn vị", "grade": "Xếp loại", "score": "Điểm",
                                        "red_flag_count": "Cảnh báo đỏ"}, height=420)
        return draw

    def flags():
        st.plotly_chart(charts.flags_by_rule(data.view("flags_by_rule", as_of)), width="stretch", theme=None)

    def tiles():
        st.plotly_chart(charts.unit_tile_grid(scorecard), width="stretch", theme=None)

    return [
        ("Toàn cảnh tỉnh Đồng Nai", headline),
        ("10 đơn vị dẫn đầu — biểu dương", table(scorecard.head(10))),
        ("10 đơn vị cuối bảng — cần giải trình", table(scorecard.tail(10).iloc[::-1])),
        ("Cảnh báo đỏ theo quy tắc", flags),
        ("95 xã, phường theo xếp loại", tiles),
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
