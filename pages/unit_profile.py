"""Hồ sơ đơn vị: one unit's whole picture — scorecard and rank, tasks and their deadlines,
each KPI against its schedule and targets, red flags with reasons, reports, and requests
(drawn by components/unit_profile.py)."""
import streamlit as st

from components import data, filters, kpi_tasks, unit_profile
from components.safe_text import md_escape
from nq57.vnformat import vn_date

as_of = filters.current_as_of()
units = data.view("stg_units", columns=["unit_id", "unit_name", "unit_kind", "is_commune_level", "sort_order"])
# the ranked communes/wards and the departments that answer for tasks
choices = units[units["is_commune_level"] | (units["unit_kind"] == "department")].sort_values("sort_order")
unit_id = filters.unit_selector(dict(zip(choices["unit_id"], choices["unit_name"])), default="xa-nha-bich")
unit_name = choices.set_index("unit_id").loc[unit_id, "unit_name"]

st.title(f"Hồ sơ {md_escape(unit_name)}")
st.caption(f"Số liệu tính đến ngày {vn_date(as_of)}")
unit_profile.scorecard(unit_id, as_of)

# Only the open tab is drawn (a tab click reruns the page): drawing all five at once, a dozen
# charts and four long tables, took the browser 2 s of every visit (issue #12).
tasks_tab, kpis_tab, flags_tab, reports_tab, requests_tab = st.tabs(
    ["Nhiệm vụ", "Chỉ tiêu", data.label("kpi_status", "canh_bao_do"), "Báo cáo", "Khó khăn, kiến nghị"],
    key="profile_tab", on_change="rerun")
if tasks_tab.open:
    with tasks_tab:
        unit_profile.tasks_section(data.view("task_progress", as_of, unit_id=unit_id), unit_name, as_of)
if kpis_tab.open:
    with kpis_tab:
        unit_kpis = data.view("kpi_progress", as_of, unit_id=unit_id)
        unit_profile.kpis_section(unit_kpis, unit_id, unit_name, as_of)
        if len(unit_kpis):
            kpi_tasks.red_kpi_tasks(unit_kpis, as_of, by="kpi_name")
if flags_tab.open:
    with flags_tab:
        unit_profile.flags_section(unit_id, unit_name, as_of)
if reports_tab.open:
    with reports_tab:
        unit_profile.reports_section(unit_id, as_of)
if requests_tab.open:
    with requests_tab:
        unit_profile.requests_section(unit_id, unit_name, as_of)
