"""Xuất dữ liệu: any contract view or catalogue table as Excel or CSV, as of the chosen date."""
import io

import streamlit as st

from components import data, filters, page_style
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
st.caption(f"Số liệu tính đến ngày {vn_date(as_of)}. Bảng dưới đây ghi tên cột bằng tiếng Việt và mỗi mã "
           "(loại đơn vị, trạng thái, quy tắc…) bằng tên gọi của nó; tệp Excel có đủ các cột, tên cột bằng tiếng Việt; "
           "tệp CSV giữ tên cột gốc của hệ thống cho người phân tích, đúng như lệnh `python -m nq57 export`.")

name = st.selectbox("Bảng dữ liệu", list(VIEW_TITLES), format_func=VIEW_TITLES.get)
frame = exports.flatten_lists(data.view(name, as_of))
headers = exports.vietnamese_headers(name, frame.columns)
shown = frame.rename(columns=headers)
st.write(f"{vn_number(len(frame))} dòng")
# the screen shows each coded column by its label only (the files keep every contract column)
domains = {domain: data.labels(domain) for domain in exports.coded_domains(name)}
preview = exports.reader_frame(name, frame, domains)
preview_headers = exports.vietnamese_headers(name, preview.columns)


# How the grid draws each kind of column (exports.column_format says which kind, as for Excel).
GRID_FORMATS = {"datetime": (st.column_config.DatetimeColumn, "DD/MM/YYYY HH:mm"),
                "period": (st.column_config.DateColumn, "MM/YYYY"),
                "date": (st.column_config.DateColumn, "DD/MM/YYYY"),
                "percent": (st.column_config.NumberColumn, "percent"),
                "number": (st.column_config.NumberColumn, "localized")}


def column_config(column: str, dtype) -> dict | None:
    """Vietnamese formats whatever the browser's own language: 0,75 as 75%, 1.234,5, 31/12/2025,
    periods as 12/2025 (the chrome script makes the browser report vi-VN for "localized")."""
    kind = exports.column_format(column, dtype)
    if kind is None:
        return None
    make, number_format = GRID_FORMATS[kind]
    return make(preview_headers[column], format=number_format)


formats = {preview_headers[c]: f for c, t in preview.dtypes.items() if (f := column_config(c, t)) is not None}
page_style.dataframe(preview.head(500).rename(columns=preview_headers), hide_index=True, width="stretch",
                     column_config=formats)


def excel_bytes() -> bytes:
    excel = io.BytesIO()
    exports.to_xlsx({name: shown}, excel)
    return excel.getvalue()


# Both files are built when clicked (Streamlit runs the callable on download), not on every visit:
# the Excel file of 3.321 scorecards took a second on each rerun. The CSV is the command line's
# export byte for byte (contract column names), for analysts; the Excel file is for readers. A download
# does not rerun the page (on_click="ignore"): the rerun swallowed a second click made right after.
left, right = st.columns(2)
left.download_button("Tải Excel (.xlsx)", excel_bytes, file_name=f"{name}_{as_of:%Y-%m-%d}.xlsx", on_click="ignore",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
right.download_button("Tải CSV (tên cột gốc)", lambda: exports.to_csv(frame).encode("utf-8"), on_click="ignore",
                      file_name=f"{name}_{as_of:%Y-%m-%d}.csv", mime="text/csv")
