"""Tổng quan: the province's headline figures with the change since last month, grades, red
flags by rule, the trend, every commune/ward as a tile that opens its profile, the league table."""
import pandas as pd
import streamlit as st

from components import chart_title, charts, data, drill, filters, league_table
from nq57.vnformat import vn_date, vn_number, vn_percent

as_of = filters.current_as_of()
st.title("Tổng quan tỉnh Đồng Nai")
st.caption(f"Tiến độ thực hiện Nghị quyết 57-NQ/TW tại {vn_number(data.commune_count())} xã, phường · số liệu tính đến ngày {vn_date(as_of)} · "
           "mũi tên: thay đổi so với cuối tháng trước")

months = filters.month_ends_before(as_of, 6)
summary = data.view("province_summary", as_of).iloc[0]
# "since last month": the change of each figure against the last month end, as province_change words it
change = data.view("province_change", as_of, previous=months[-2] if len(months) > 1 else None).iloc[0]
red = data.label("kpi_status", "canh_bao_do")

units, tasks, kpis, flags, reports, asks = st.columns(6)
units.metric("Đơn vị cấp xã", vn_number(summary["units_count"]),
             help=f"{vn_number(summary['wards_count'])} phường, {vn_number(summary['communes_count'])} xã")
tasks.metric("Nhiệm vụ hoàn thành / đến hạn",
             f"{vn_number(summary['tasks_done'])} / {vn_number(summary['tasks_due'])}",
             delta=change["completion_rate_change"],
             help=f"Tỷ lệ hoàn thành {vn_percent(summary['completion_rate'])}; "
                  f"{vn_number(summary['tasks_overdue'])} nhiệm vụ quá hạn")
kpis.metric("Chỉ tiêu đạt hoặc đúng tiến độ",
            f"{vn_number(summary['kpis_on_track'])} / {vn_number(summary['kpis_evaluated'])}",
            delta=change["kpi_on_track_rate_change"],
            help=f"Tỷ lệ {vn_percent(summary['kpi_on_track_rate'])}")
flags.metric(red, vn_number(summary["red_flag_count"]), delta=change["red_flag_count_change"],
             delta_color="inverse")
reports.metric(data.tile("timeliness_rate"), vn_percent(summary["timeliness_rate"]),
               delta=change["timeliness_rate_change"],
               help=f"{vn_number(summary['periods_on_time'])} / {vn_number(summary['periods_due'])} kỳ báo cáo đã đến hạn")
# the units' difficulties and requests still waiting for an answer (the Kiến nghị page lists them)
asking = data.view("request_summary", as_of).iloc[0]
asks.metric("Kiến nghị chờ trả lời", vn_number(asking["unanswered_count"]),
            help=f"{vn_number(asking['overdue_count'])} kiến nghị chờ quá {vn_number(asking['answer_days'])} ngày; "
                 f"{vn_number(asking['open_count'])} đang mở")

if not summary["periods_due"]:
    # before the first report deadline every unit would show E, rank 1 and a trend of one 0%
    st.info(f"Tính đến ngày {vn_date(as_of)} chưa có kỳ báo cáo nào đến hạn, nên chưa có xếp loại, thứ hạng "
            "hay diễn biến để hiển thị. Hãy chọn một ngày sau hạn nộp báo cáo kỳ đầu tiên.", icon=":material/info:")
    st.stop()

left, right = st.columns(2)
# a click on a grade filters the league table below; on a rule, opens the red flags of that rule
chart_title.plot(left, charts.grade_distribution(summary, data.view("grade_bands")), width="stretch", theme=None,
                  key="grade_chart", on_select=lambda: drill.filter_by_grade("grade_chart"), selection_mode="points",
                  alt="Số đơn vị theo xếp loại A đến E")
rule_click = chart_title.plot(right, charts.flags_by_rule(data.view("flags_by_rule", as_of)), width="stretch", theme=None,
                                key="rule_chart", on_select="rerun", selection_mode="points",
                                alt="Số cảnh báo đỏ theo từng quy tắc")
if point := drill.first_point(rule_click):
    drill.open_flags(point["customdata"][1])

trend = pd.DataFrame([data.view("province_summary", day).iloc[0] for day in months])
trend["as_of"] = months
chart_title.plot(st, charts.trend_lines(trend), width="stretch", theme=None,
                alt="Tỷ lệ hoàn thành, chỉ tiêu đúng tiến độ và báo cáo đúng hạn theo tháng")

league = league_table.rows(as_of)
with st.container(key="tiles_box"):  # keeps the width twelve names need (page_style.TILES_CSS)
    event = chart_title.plot(st, charts.unit_tile_grid(league), width="stretch", theme=None, key="unit_tiles",
                            on_select="rerun", selection_mode="points",
                            alt=f"{vn_number(len(league))} xã, phường theo thứ hạng, màu theo xếp loại")
if point := drill.first_point(event):
    drill.open_profile(point["customdata"][0])

st.subheader(f"Bảng xếp hạng {vn_number(len(league))} xã, phường")
shown = league_table.grade_filter(league)
league_table.show(shown, key="overview_league")
st.caption(f"{vn_number(len(shown))} đơn vị · bấm một dòng để mở hồ sơ đơn vị · bấm một cột của biểu đồ xếp loại để lọc")
