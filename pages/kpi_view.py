"""Chỉ tiêu: one KPI across the province — how units are spread, who leads and lags, their
trajectories against the targets, and the province roll-up (sums of numerators and denominators)."""
import pandas as pd
import streamlit as st

from components import chart_title, charts, data, drill, filters, kpi_tasks, unit_profile
from components.safe_text import md_escape
from nq57.vnformat import vn_date, vn_number

as_of = filters.current_as_of()
st.title("Chỉ tiêu trên toàn tỉnh")

# Only the columns the KPI list needs, then one KPI's rows: at national size kpi_progress has
# 585.000 rows and reading them all takes seconds.
catalogue = data.view("kpi_progress", as_of, columns=["kpi_id", "kpi_name"], is_current_horizon=True,
                      is_commune_level=True)
names = (catalogue
         .drop_duplicates("kpi_id").set_index("kpi_id")["kpi_name"].sort_values())
# without a choice in the URL: the KPI most communes and wards have (the first by name was held by one)
wanted = st.query_params.get("kpi") or catalogue["kpi_id"].value_counts().idxmax()
kpi_id = st.selectbox("Chỉ tiêu", list(names.index), index=list(names.index).index(wanted) if wanted in names.index else 0,
                      format_func=names.get, key="kpi_input")
st.query_params["kpi"] = kpi_id
rows = data.view("kpi_progress", as_of, kpi_id=kpi_id, is_current_horizon=True, is_commune_level=True)
if rows.empty:
    st.info("Chỉ tiêu này chưa có mục tiêu cho xã, phường nào.")
    st.stop()
first = rows.iloc[0]
uom = first["unit_of_measure"] or ""
lower_is_better = bool(first["is_lower_better"])
st.caption(f"Đơn vị tính: {md_escape(uom) or '—'} · số liệu tính đến ngày {vn_date(as_of)} · mốc đang xét {int(first['horizon'])}")

reported = rows[rows["actual_value"].notna()]
counts = rows["status"].value_counts()  # by code; the words are the labels table's
cols = st.columns(5)
cols[0].metric("Đơn vị có mục tiêu", vn_number(len(rows)))
cols[1].metric("Đã báo cáo", vn_number(len(reported)))
for col, code in zip(cols[2:], ["dat", "cham", "canh_bao_do"]):
    col.metric(charts.status_text(data.label("kpi_status", code), "kpi_status", code), vn_number(counts.get(code, 0)))

if reported.empty:
    st.info(f"Chưa có đơn vị nào báo cáo số liệu chỉ tiêu này tính đến {vn_date(as_of)}.")
    st.stop()

target = first["target_value"] if rows["target_value"].nunique() == 1 else None
left, right = st.columns(2)
chart_title.plot(left, charts.distribution(reported, "actual_value", "Phân bố giá trị thực tế giữa các đơn vị", target),
                  width="stretch", theme=None, alt="Phân bố giá trị thực tế")
province = data.view("kpi_progress", as_of, unit_id="dong-nai", kpi_id=kpi_id)
with right:
    st.subheader("Toàn tỉnh (cộng tử số, mẫu số)")
    if province.empty or province["actual_value"].isna().all():
        st.info("Chỉ tiêu không cộng dồn được (không phải tỷ lệ có tử số/mẫu số hoặc số đếm).")
    else:
        row = province.sort_values("due_date").iloc[0]
        st.metric("Giá trị toàn tỉnh", f"{vn_number(row['actual_value'], 1)}{'%' if uom == '%' else ' ' + md_escape(uom)}",
                  help="Tính bằng tổng tử số chia tổng mẫu số của các xã, phường; không lấy trung bình các tỷ lệ.")
        if pd.notna(row["numerator"]):
            st.write(f"Tử số: **{vn_number(row['numerator'])}** · Mẫu số: **{vn_number(row['denominator'])}**")
        st.write(f"Mục tiêu: {md_escape(row['target_text']) or '—'}")

ranking = chart_title.plot(st, charts.ranking_bar(reported, "actual_value", "Xếp hạng các đơn vị theo giá trị thực tế", target,
                                             lower_is_better), width="stretch", theme=None, alt="Xếp hạng đơn vị",
                          key="kpi_ranking", on_select="rerun", selection_mode="points")
if point := drill.first_point(ranking):
    drill.open_profile(point["customdata"])
kpi_tasks.red_kpi_tasks(rows, as_of, by="unit_name")

st.subheader("Diễn biến và mục tiêu")
history = data.view("kpi_history", as_of, kpi_id=kpi_id)
top = reported.sort_values("actual_value", ascending=lower_is_better)
default = list(dict.fromkeys([top.iloc[0]["unit_id"], top.iloc[-1]["unit_id"]]))  # one unit when only one reported
unit_names = dict(zip(rows["unit_id"], rows["unit_name"]))
chosen = st.multiselect("So sánh các đơn vị", list(unit_names), default=default, format_func=unit_names.get,
                        max_selections=6, key="kpi_units", placeholder="Chọn đơn vị",
                        bind="query-params")
lines = history[history["unit_id"].isin(chosen + ["dong-nai"])].copy()
lines["unit_name"] = lines["unit_id"].map(unit_names | {"dong-nai": "Toàn tỉnh"})
target_unit = chosen[0] if chosen else rows.iloc[0]["unit_id"]
targets = data.view("kpi_progress", as_of, unit_id=target_unit, kpi_id=kpi_id)
# how each target reads ('≥ 80'), worded as on the unit profile (this page printed '>= 80')
targets = unit_profile.with_target_labels(targets[targets["target_value"].notna()], as_of, target_unit, kpi_id=kpi_id)
chart_title.plot(st, charts.kpi_trajectory(lines.sort_values("period"), targets, names[kpi_id]), width="stretch", theme=None,
                alt="Diễn biến chỉ tiêu của các đơn vị được chọn")
