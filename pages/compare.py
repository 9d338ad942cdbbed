"""So sánh đơn vị: the league table with the change in rank, a units × KPIs heatmap, units
side by side, "Vì sao đỏ" for any red cell, and a meeting mode that turns it into slides."""
from datetime import date

import pandas as pd
import streamlit as st

from components import charts, data, filters, meeting, session
from components.safe_text import md_escape
from nq57.vnformat import vn_date, vn_number, vn_percent

as_of = filters.current_as_of()

if st.session_state.get("meeting_mode"):
    meeting.run_slides()
    st.stop()

st.title("So sánh đơn vị")
top_left, top_right = st.columns([3, 1])
top_left.caption(f"Số liệu tính đến ngày {vn_date(as_of)} · thay đổi thứ hạng so với cuối tháng trước")
if top_right.button("Chế độ trình chiếu", icon=":material/slideshow:", type="primary", key="start_meeting"):
    meeting.start(as_of)
    st.rerun()

with st.expander("Gói tài liệu cuộc họp (Excel + PDF)", icon=":material/folder_zip:"):
    st.caption("Bảng xếp hạng, cảnh báo đỏ kèm lý do, một trang cho mỗi đơn vị, biểu đồ; tính đến ngày đã chọn.")
    # seconds of drawing per click: for signed-in accounts, not for every anonymous visitor
    user = session.current_user()
    if user is None:
        st.info("Đăng nhập để tạo gói tài liệu cuộc họp.", icon=":material/lock:")
        session.sign_in_link()
        st.session_state.pop("pack", None)
    elif st.button("Tạo gói tài liệu", key="make_pack"):
        bar = st.progress(0.0, text="Đang chuẩn bị…")
        st.session_state["pack"] = data.meeting_pack(as_of, user, progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
        bar.empty()
    if "pack" in st.session_state:
        workbook, pdf, stem = st.session_state["pack"]
        left, right = st.columns(2)
        left.download_button("Tải Excel", workbook, file_name=f"{stem}.xlsx", icon=":material/download:",
                             mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        right.download_button("Tải PDF", pdf, file_name=f"{stem}.pdf", mime="application/pdf", icon=":material/download:")

previous_day = filters.month_ends_before(as_of, 1)[0]
scorecard = data.view("unit_scorecard", as_of)
previous = data.view("unit_scorecard", previous_day)[["unit_id", "rank"]].rename(columns={"rank": "previous_rank"})
league = scorecard.merge(previous, on="unit_id", how="left")
# a smaller rank number is better: moving from 12th to 9th is "↑ 3"
league["rank_change"] = league["previous_rank"] - league["rank"]
league["rank_change_text"] = league["rank_change"].map(
    lambda c: "—" if pd.isna(c) else ("↑ " + str(int(c))) if c > 0 else ("↓ " + str(int(-c))) if c < 0 else "=")

st.subheader("Bảng xếp hạng")
left, middle = st.columns([1, 2])
kind = left.radio("Loại đơn vị", ["Tất cả", "Phường", "Xã"], horizontal=True, key="league_kind")
search = middle.text_input("Tìm theo tên", key="league_search", placeholder="Ví dụ: Phước")
shown = league
if kind != "Tất cả":
    shown = shown[shown["unit_kind"] == ("ward" if kind == "Phường" else "commune")]
if search.strip():
    shown = shown[shown["unit_name"].str.contains(search.strip(), case=False, regex=False)]
table = shown[["rank", "rank_change_text", "unit_name", "grade", "score", "completion_rate", "kpi_on_track_rate",
               "red_flag_count", "timeliness_rate"]].assign(
    completion_rate=shown["completion_rate"] * 100, kpi_on_track_rate=shown["kpi_on_track_rate"] * 100,
    timeliness_rate=shown["timeliness_rate"] * 100, score=shown["score"].map(lambda v: vn_number(v, 1)))
st.dataframe(table, hide_index=True, width="stretch", key="league_table", column_config={
    "rank": st.column_config.NumberColumn("Hạng", format="%d"),
    "rank_change_text": st.column_config.TextColumn("Thay đổi"),
    "unit_name": "Đơn vị", "grade": "Xếp loại",
    "score": st.column_config.TextColumn("Điểm"),
    "completion_rate": st.column_config.ProgressColumn("Hoàn thành nhiệm vụ", format="%.0f%%", min_value=0, max_value=100),
    "kpi_on_track_rate": st.column_config.ProgressColumn("Chỉ tiêu đúng tiến độ", format="%.0f%%", min_value=0, max_value=100),
    "red_flag_count": st.column_config.NumberColumn("Cảnh báo đỏ"),
    "timeliness_rate": st.column_config.ProgressColumn("Báo cáo đúng hạn", format="%.0f%%", min_value=0, max_value=100),
})
st.caption(f"{vn_number(len(shown))} đơn vị · bấm tiêu đề cột để sắp xếp")

st.subheader("Bản đồ nhiệt: đơn vị × chỉ tiêu")
# the current horizon's rows and only the columns drawn: at national size all of kpi_progress is
# 585.000 rows with long texts
progress = data.view("kpi_progress", as_of, is_current_horizon=True, columns=[
    "unit_id", "unit_name", "unit_kind", "kpi_id", "kpi_name", "comparator", "actual_value", "expected_value",
    "progress_ratio", "target_text", "status", "status_label", "flag_rule"])
# masks instead of filtered copies: each copy of 302.000 national rows costs a tenth of a second
in_grid = progress["unit_kind"].isin(["ward", "commune"]) & progress["comparator"].notna()
coverage = progress.loc[in_grid, ["kpi_id", "unit_id"]].groupby("kpi_id")["unit_id"].nunique()
common = list(coverage[coverage >= 0.5 * scorecard["unit_id"].nunique()].index)
# vectorised: a Python loop over the 302.000 national rows took 0,7 s
kpi_names = progress.drop_duplicates("kpi_id").set_index("kpi_id")["kpi_name"].to_dict()
left, right = st.columns(2)
order_by = left.selectbox("Sắp xếp đơn vị theo", ["Thứ hạng", "Tên"] + [kpi_names[k] for k in common], key="heat_order")
limit = right.slider("Số đơn vị hiển thị", 10, len(scorecard), min(40, len(scorecard)), step=5, key="heat_limit")
in_heat = in_grid & progress["kpi_id"].isin(common)
if order_by == "Tên":
    units = sorted(scorecard["unit_name"])
elif order_by == "Thứ hạng":
    units = list(scorecard.sort_values("rank")["unit_name"])
else:
    kpi_id = [k for k in common if kpi_names[k] == order_by][0]
    ordered = progress.loc[in_heat & (progress["kpi_id"] == kpi_id), ["unit_name", "progress_ratio"]]
    units = list(ordered.sort_values("progress_ratio", na_position="last")["unit_name"])
with_cells = set(progress.loc[in_heat, "unit_name"].unique())
units = [u for u in units if u in with_cells][:limit]
heat = progress[in_heat & progress["unit_name"].isin(units)]
if heat.empty:
    st.info(f"Chưa có số liệu chỉ tiêu nào tính đến {vn_date(as_of)}.")
else:
    st.plotly_chart(charts.progress_heatmap(heat, units, common, kpi_names),
                    width="stretch", theme=None, alt="Bản đồ nhiệt tiến độ chỉ tiêu theo đơn vị")

st.subheader("Vì sao đỏ")
# the red cells of the units shown in the heatmap: a national list would run to 100.000 options
red = progress[in_grid & (progress["status"] == "canh_bao_do") & progress["unit_name"].isin(units)].sort_values(
    ["unit_name", "kpi_name"])
if red.empty:
    st.success("Không có ô đỏ nào.", icon=":material/check_circle:")
else:
    labels = {i: f"{r.unit_name} · {r.kpi_name}" for i, r in red.iterrows()}
    chosen = st.selectbox("Chọn một ô đỏ", list(labels), format_func=labels.get, key="why_red")
    cell = red.loc[chosen]
    flags = data.view("red_flags", as_of, unit_id=cell["unit_id"], item_id=cell["kpi_id"])
    rule = {1: "Quy tắc 1 — quá hạn, chưa đạt", 2: "Quy tắc 2 — dưới 50% tiến độ theo lộ trình"}.get(cell["flag_rule"], "")
    st.markdown(f"**{rule}**")
    for reason in flags["reason"]:
        st.markdown(md_escape(reason))
    numbers = st.columns(4)
    numbers[0].metric("Thực tế", vn_number(cell["actual_value"], 1))
    numbers[1].metric("Lộ trình yêu cầu", vn_number(cell["expected_value"], 1))
    numbers[2].metric("Mục tiêu", md_escape(cell["target_text"]) or "—")
    numbers[3].metric("Thực tế / lộ trình", vn_percent(cell["progress_ratio"], 0))

st.subheader("Đặt cạnh nhau")
names = dict(zip(scorecard["unit_id"], scorecard["unit_name"]))
default = list(scorecard.sort_values("rank")["unit_id"].iloc[[0, -1]])
picked = st.multiselect("Chọn 2–6 đơn vị", list(names), default=default, format_func=names.get, max_selections=6,
                        key="side_units", placeholder="Chọn đơn vị")
if len(picked) < 2:
    st.info("Chọn ít nhất 2 đơn vị để so sánh.")
else:
    columns = st.columns(len(picked))
    for column, unit_id in zip(columns, picked):
        row = scorecard.set_index("unit_id").loc[unit_id]
        column.markdown(f"**{md_escape(row['unit_name'])}**")
        column.metric("Hạng · xếp loại", f"{int(row['rank'])} · {row['grade']}")
        column.metric("Điểm", vn_number(row["score"], 1))
        column.metric("Cảnh báo đỏ", vn_number(row["red_flag_count"]))
    # a panel per KPI: a dozen read on one screen (and 120 subplots would take Plotly minutes)
    chosen_kpis = st.multiselect("Chỉ tiêu so sánh", common, default=common[:9], format_func=kpi_names.get,
                                 max_selections=12, key="side_kpis", placeholder="Chọn chỉ tiêu")
    panels = progress[in_grid & progress["unit_id"].isin(picked) & progress["kpi_id"].isin(chosen_kpis)]
    if len(panels):
        st.plotly_chart(charts.side_by_side(panels, kpi_names), width="stretch", theme=None,
                        alt="So sánh các chỉ tiêu của các đơn vị được chọn")
