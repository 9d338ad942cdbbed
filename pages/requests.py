"""Kiến nghị: every open difficulty and request of the units, how long each has waited, the offices
with the most unanswered, and the life cycle (assign, answer, close, reopen) by role
(drawn by components/request_views.py, from the views requests, request_summary and
requests_by_office)."""
import streamlit as st

from components import chart_title, data, filters, request_charts, request_views
from nq57.vnformat import vn_date, vn_number

as_of = filters.current_as_of()
request_views.empty_what_was_stored()
summary = data.view("request_summary", as_of).iloc[0]
days = int(summary["answer_days"])
st.title("Khó khăn, vướng mắc và kiến nghị")
st.caption(f"Tính đến ngày {vn_date(as_of)}. Đơn vị nêu trong báo cáo hoặc nhập trực tiếp; văn phòng giao cơ quan "
           f"xử lý; cơ quan được giao trả lời; chờ quá {vn_number(days)} ngày là cảnh báo đỏ (quy tắc 5).")
request_views.counts(summary)

rows = data.view("requests", as_of)
offices = data.view("requests_by_office", as_of)
if offices["unanswered_count"].sum() > 0:
    chart_title.plot(st, request_charts.requests_by_office(offices, days), width="stretch", theme=None,
                    alt="Cơ quan có nhiều kiến nghị chờ trả lời nhất")
shown = request_views.chosen_rows(rows, days) if len(rows) else rows
st.subheader(f"{vn_number(len(shown))} kiến nghị · {vn_number(shown['unit_id'].nunique() if len(shown) else 0)} đơn vị")
if shown.empty:
    st.info(f"Không có khó khăn, kiến nghị nào đang mở theo bộ lọc, tính đến ngày {vn_date(as_of)}.")
else:
    request_views.table(shown)
request_views.actions(shown)
request_views.raise_form(as_of)
