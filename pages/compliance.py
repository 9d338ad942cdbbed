"""Tình hình nộp báo cáo: who has reported for a period, on time, late or not at all, and a
ready-to-copy list of the units still missing for a reminder."""
from datetime import date

import pandas as pd
import streamlit as st

from components import chart_title, charts, data, filters, page_style
from nq57.vnformat import vn_date, vn_datetime, vn_number

as_of = filters.current_as_of()
st.title("Tình hình nộp báo cáo")
day = data.setting("report_deadline_day")
st.caption(f"Tính đến ngày {vn_date(as_of)}. Hạn nộp: ngày {day} tháng sau (đơn vị báo cáo quý: ngày {day} tháng cuối quý).")

compliance = data.view("reporting_compliance", as_of)
if compliance.empty:
    st.info("Chưa có kỳ báo cáo nào.")
    st.stop()

periods = sorted(compliance["period"].unique(), reverse=True)
due_periods = sorted(compliance.loc[compliance["is_due"], "period"].unique(), reverse=True)
default = due_periods[0] if due_periods else periods[0]
period = st.selectbox("Kỳ báo cáo", periods, index=periods.index(default),
                      format_func=lambda p: f"{pd.Timestamp(p):%m/%Y}", key="compliance_period")
rows = compliance[compliance["period"] == period].sort_values(["status", "unit_name"])

counts = rows["status"].value_counts()  # by code; the words are the labels table's
statuses = data.labels("report_status")
for col, (code, label) in zip(st.columns(len(statuses)), statuses.items()):
    col.metric(label, vn_number(counts.get(code, 0)))

chart_title.plot(st, charts.compliance_bar(counts, statuses), width="stretch", theme=None)

missing = rows[~rows["is_received"]].sort_values(["deadline", "unit_name"])
st.subheader(f"Đơn vị chưa nộp ({vn_number(len(missing))})")
if missing.empty:
    st.success("Tất cả đơn vị đã nộp báo cáo kỳ này.", icon=":material/check_circle:")
else:
    # each unit's own deadline: quarterly units are due later than monthly ones
    lines = [f"- {row.unit_name} (hạn {vn_date(row.deadline)}{', đã quá hạn' if row.status == 'chua_nop' else ''})"
             for row in missing.itertuples()]
    reminder = (f"Đề nghị các đơn vị sau khẩn trương nộp báo cáo kỳ {pd.Timestamp(period):%m/%Y}:\n" + "\n".join(lines))
    # lines wrap on a phone, and a long list (218 units nationally) scrolls in its box instead of
    # making the page 6.000 px long; the copy button still copies every line
    st.code(reminder, language=None, wrap_lines=True, height=320 if len(lines) > 12 else "content")

st.subheader("Chi tiết")
table = rows.assign(
    received=rows["received_at"].map(vn_datetime),
    deadline_text=rows["deadline"].map(vn_date),
)[["unit_name", "period_label", "deadline_text", "received", "status_label"]]
page_style.dataframe(table, hide_index=True, width="stretch", column_config={
    "unit_name": "Đơn vị", "period_label": "Kỳ", "deadline_text": "Hạn nộp", "received": "Đã nhận lúc",
    "status_label": "Tình trạng",
})
