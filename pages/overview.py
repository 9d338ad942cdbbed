"""Tổng quan: the province's headline figures with the change since last month, grades, red
flags by rule, the trend, and all 95 units as tiles that open a unit's profile."""
import pandas as pd
import streamlit as st

from components import charts, data, filters
from nq57.vnformat import vn_date, vn_number, vn_percent

as_of = filters.current_as_of()
st.title("Tổng quan tỉnh Đồng Nai")
st.caption(f"Tiến độ thực hiện Nghị quyết 57-NQ/TW tại 95 xã, phường · số liệu tính đến ngày {vn_date(as_of)} · "
           "mũi tên: thay đổi so với cuối tháng trước")

months = filters.month_ends_before(as_of, 6)
summary = data.view("province_summary", as_of).iloc[0]
previous = data.view("province_summary", months[-2]).iloc[0] if len(months) > 1 else None


def delta(column: str, as_percent: bool = False) -> str | None:
    """Change since the end of last month, in the same unit as the figure."""
    if previous is None or pd.isna(previous[column]) or pd.isna(summary[column]):
        return None
    change = summary[column] - previous[column]
    if round(100 * change if as_percent else change, 1) == 0:
        return None  # "-0,0" would show a red arrow for no change at all
    text = vn_number(100 * change, 1) + " điểm %" if as_percent else vn_number(change)
    return ("+" if change > 0 else "") + text


units, tasks, kpis, flags, reports = st.columns(5)
units.metric("Đơn vị cấp xã", vn_number(summary["units_count"]),
             help=f"{vn_number(summary['wards_count'])} phường, {vn_number(summary['communes_count'])} xã")
tasks.metric("Nhiệm vụ hoàn thành / đến hạn",
             f"{vn_number(summary['tasks_done'])} / {vn_number(summary['tasks_due'])}",
             delta=delta("completion_rate", as_percent=True),
             help=f"Tỷ lệ hoàn thành {vn_percent(summary['completion_rate'])}; "
                  f"{vn_number(summary['tasks_overdue'])} nhiệm vụ quá hạn")
kpis.metric("Chỉ tiêu đạt hoặc đúng tiến độ",
            f"{vn_number(summary['kpis_on_track'])} / {vn_number(summary['kpis_evaluated'])}",
            delta=delta("kpi_on_track_rate", as_percent=True),
            help=f"Tỷ lệ {vn_percent(summary['kpi_on_track_rate'])}")
flags.metric("Cảnh báo đỏ", vn_number(summary["red_flag_count"]), delta=delta("red_flag_count"),
             delta_color="inverse")
reports.metric("Báo cáo đúng hạn", vn_percent(summary["timeliness_rate"]),
               delta=delta("timeliness_rate", as_percent=True),
               help=f"{vn_number(summary['periods_on_time'])} / {vn_number(summary['periods_due'])} kỳ báo cáo đã đến hạn")

left, right = st.columns(2)
left.plotly_chart(charts.grade_distribution(summary), width="stretch", theme=None,
                  alt="Số đơn vị theo xếp loại A đến E")
right.plotly_chart(charts.flags_by_rule(data.view("flags_by_rule", as_of)), width="stretch", theme=None,
                   alt="Số cảnh báo đỏ theo từng quy tắc")

trend = pd.DataFrame([data.view("province_summary", day).iloc[0] for day in months])
trend["as_of"] = months
st.plotly_chart(charts.trend_lines(trend), width="stretch", theme=None,
                alt="Tỷ lệ hoàn thành, chỉ tiêu đúng tiến độ và báo cáo đúng hạn theo tháng")

scorecard = data.view("unit_scorecard", as_of)
event = st.plotly_chart(charts.unit_tile_grid(scorecard), width="stretch", theme=None, key="unit_tiles",
                        on_select="rerun", selection_mode="points",
                        alt="95 xã, phường theo thứ hạng, màu theo xếp loại")
points = event.selection.points if event and event.selection else []
if points:
    unit_id = points[0]["customdata"][0]
    st.switch_page("pages/unit_profile.py", query_params=filters.link_params(unit=unit_id))

st.subheader("Bảng xếp hạng 95 xã, phường")
table = scorecard.assign(
    completion=scorecard["completion_rate"].map(vn_percent),
    kpi=scorecard["kpi_on_track_rate"].map(vn_percent),
    timeliness=scorecard["timeliness_rate"].map(vn_percent),
    score_text=scorecard["score"].map(lambda s: vn_number(s, 1)),
)[["rank", "unit_name", "grade", "score_text", "completion", "kpi", "red_flag_count", "timeliness"]]
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "rank": st.column_config.NumberColumn("Hạng"),
        "unit_name": st.column_config.TextColumn("Đơn vị"),
        "grade": st.column_config.TextColumn("Xếp loại"),
        "score_text": st.column_config.TextColumn("Điểm"),
        "completion": st.column_config.TextColumn("Hoàn thành nhiệm vụ"),
        "kpi": st.column_config.TextColumn("Chỉ tiêu đúng tiến độ"),
        "red_flag_count": st.column_config.NumberColumn("Cảnh báo đỏ"),
        "timeliness": st.column_config.TextColumn("Báo cáo đúng hạn"),
    },
)
