"""Xuất dữ liệu: any contract view or catalogue table as Excel or CSV, as of the chosen date."""
import io

import streamlit as st

from components import data, filters
from nq57.vnformat import vn_date, vn_number
from nq57 import exports

VIEW_TITLES = {
    "unit_scorecard": "Bảng điểm đơn vị (unit_scorecard)",
    "red_flags": "Cảnh báo đỏ (red_flags)",
    "task_progress": "Tiến độ nhiệm vụ (task_progress)",
    "kpi_progress": "Tiến độ chỉ tiêu (kpi_progress)",
    "reporting_compliance": "Tình hình nộp báo cáo (reporting_compliance)",
    "units": "Danh mục đơn vị (units)",
    "tasks": "Danh mục nhiệm vụ (tasks)",
    "kpis": "Danh mục chỉ tiêu (kpis)",
    "targets": "Danh mục mục tiêu (targets)",
}

as_of = filters.current_as_of()
st.title("Xuất dữ liệu")
st.caption(f"Số liệu tính đến ngày {vn_date(as_of)}. Cùng nội dung với lệnh `python -m nq57 export`.")

name = st.selectbox("Bảng dữ liệu", list(VIEW_TITLES), format_func=VIEW_TITLES.get)
frame = exports.flatten_lists(data.view(name, as_of))
st.write(f"{vn_number(len(frame))} dòng")
# numbers in the reader's (Vietnamese) format, 0,75 and 1.234 instead of 0.75 and 1234
numbers = {column: st.column_config.NumberColumn(format="localized")
           for column in frame.columns if frame[column].dtype.kind in "iuf"}
st.dataframe(frame.head(500), hide_index=True, width="stretch", column_config=numbers)



def excel_bytes() -> bytes:
    excel = io.BytesIO()
    exports.to_xlsx({name: frame}, excel)
    return excel.getvalue()


# Both files are built when clicked (Streamlit runs the callable on download), not on every visit:
# the Excel file of 3.321 scorecards took a second on each rerun.
left, right = st.columns(2)
left.download_button("Tải Excel (.xlsx)", excel_bytes, file_name=f"{name}_{as_of:%Y-%m-%d}.xlsx",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button("Tải CSV", lambda: exports.to_csv(frame).encode("utf-8"), file_name=f"{name}_{as_of:%Y-%m-%d}.csv",
                      mime="text/csv")
