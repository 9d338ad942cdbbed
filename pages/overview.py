"""Tổng quan: the province's headline figures, grades and red flags, as of the chosen date."""
import streamlit as st

from components import charts, data, filters
from components.format import vn_date, vn_number, vn_percent

as_of = filters.current_as_of()
st.title("Tổng quan tỉnh Đồng Nai")
st.caption(f"Tiến độ thực hiện Nghị quyết 57-NQ/TW tại 95 xã, phường · số liệu tính đến ngày {vn_date(as_of)}")

summary = data.view("province_summary", as_of).iloc[0]

units, tasks, kpis, flags, reports = st.columns(5)
units.metric("Đơn vị cấp xã", vn_number(summary["units_count"]),
             help=f"{vn_number(summary['wards_count'])} phường, {vn_number(summary['communes_count'])} xã")
tasks.metric("Nhiệm vụ hoàn thành / đến hạn",
             f"{vn_number(summary['tasks_done'])} / {vn_number(summary['tasks_due'])}",
             help=f"Tỷ lệ hoàn thành {vn_percent(summary['completion_rate'])}; "
                  f"{vn_number(summary['tasks_overdue'])} nhiệm vụ quá hạn")
kpis.metric("Chỉ tiêu đạt hoặc đúng tiến độ",
            f"{vn_number(summary['kpis_on_track'])} / {vn_number(summary['kpis_evaluated'])}",
            help=f"Tỷ lệ {vn_percent(summary['kpi_on_track_rate'])}")
flags.metric("Cảnh báo đỏ", vn_number(summary["red_flag_count"]))
reports.metric("Báo cáo đúng hạn", vn_percent(summary["timeliness_rate"]),
               help=f"{vn_number(summary['periods_on_time'])} / {vn_number(summary['periods_due'])} kỳ báo cáo đã đến hạn")

left, right = st.columns(2)
left.plotly_chart(charts.grade_distribution(summary), width="stretch", theme=None)
right.plotly_chart(charts.flags_by_rule(data.view("flags_by_rule", as_of)), width="stretch", theme=None)

st.subheader("Bảng xếp hạng 95 xã, phường")
scorecard = data.view("unit_scorecard", as_of)
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
