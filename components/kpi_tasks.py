"""The tasks behind a red KPI (task_kpis): which tasks move it and their state, so that a leader
can ask "this KPI is red — which tasks are behind on it?" on the unit profile and the KPI page."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import charts, data, page_style
from nq57.vnformat import vn_number

RED = "canh_bao_do"


def red_kpi_tasks(kpis: pd.DataFrame, as_of: date, by: str) -> None:
    """`kpis`: kpi_progress rows (one unit's, or one KPI's across units); `by`: the column that
    names a row to the reader ('kpi_name' on a unit's profile, 'unit_name' on a KPI's page)."""
    red = kpis[kpis["status"] == RED].drop_duplicates(["unit_id", "kpi_id"])
    red_label = data.label("kpi_status", RED)
    st.subheader(f"Nhiệm vụ liên quan đến chỉ tiêu {red_label.lower()}")
    if red.empty:
        st.info(f"Không có chỉ tiêu nào ở mức {red_label.lower()}.")
        return
    # one read per KPI on a unit's profile, one per unit on a KPI's page, then only the red pairs
    # kept: a read per pair made hundreds of cached reads on a national KPI page, 0,07 s a visit
    key = "kpi_id" if red["kpi_id"].nunique() <= red["unit_id"].nunique() else "unit_id"
    links = pd.concat([data.view("kpi_tasks", as_of, **{key: value}) for value in red[key].unique()])
    rows = links.merge(red[["unit_id", "kpi_id", by]], on=["unit_id", "kpi_id"]).sort_values([by, "sort_order"])
    if rows.empty:  # other units' tasks may move the KPI; none of the red units' do
        st.info(f"Kế hoạch chưa gắn nhiệm vụ nào với {vn_number(len(red))} chỉ tiêu {red_label.lower()} này.")
        return
    lagging = int(rows["is_lagging"].sum())
    st.caption(f"{vn_number(len(rows))} nhiệm vụ gắn với chỉ tiêu {red_label.lower()}, trong đó "
               f"{vn_number(lagging)} nhiệm vụ {data.label('task_lag', 'lagging').lower()} (quá hạn hoặc dưới lộ trình).")
    table = rows.assign(
        state=[charts.status_text(label, "task_status", code) for label, code in zip(rows["status_label"], rows["status"])],
        lag=rows["lag_label"].fillna(""),
        percent=rows["percent_complete"].map(lambda v: "" if pd.isna(v) else f"{vn_number(v)}%"),
    )[["task_no", "state", "lag", "percent", "content", by, "deadline_text"]]  # the state first: narrow screens
    page_style.dataframe(table, hide_index=True, width="stretch", column_config={
        by: st.column_config.TextColumn("Chỉ tiêu" if by == "kpi_name" else "Đơn vị", width="medium"), "task_no": "STT",
        "content": st.column_config.TextColumn("Nhiệm vụ", width="large"), "deadline_text": "Thời hạn",
        "state": "Tình trạng", "percent": "Tiến độ", "lag": "Nhiệm vụ chậm",
    })
