"""Lịch sử nhập: every upload with who, when, which file, how many rows and its state; a batch
in force can be rolled back so the previous version becomes current again (nothing is deleted),
and a reviewed period can be reopened for its unit (secretariat, with a reason)."""
import streamlit as st

from components import corrections, data, filters, page_style, session
from nq57 import exports
from nq57.vnformat import vn_datetime, vn_number

st.title("Lịch sử nhập báo cáo")
history = data.view("batch_history")

left, middle, right = st.columns([2, 1, 1])
units = sorted(history["unit_name"].dropna().unique())
chosen_unit = left.selectbox("Đơn vị", ["Tất cả"] + units, key="history_unit")
state_labels = data.labels("batch_state")
# none chosen reads "Tất cả": the three states chosen by default were cut to "Đã bị th…" at 1440 px
states = middle.multiselect("Trạng thái", list(state_labels), format_func=state_labels.get,
                            key="history_states", placeholder="Tất cả") or list(state_labels)
hide_demo = filters.hide_demo_toggle(key="history_hide_demo", container=right)

shown = history[history["state"].isin(states)]
if chosen_unit != "Tất cả":
    shown = shown[shown["unit_name"] == chosen_unit]
if hide_demo:
    shown = shown[~shown["is_demo"]]


st.caption(f"{vn_number(len(shown))} đợt báo cáo")
if shown.empty:
    st.info("Chưa có đợt báo cáo nào khớp bộ lọc. Báo cáo nộp qua trang 'Nhập báo cáo' sẽ hiện ở đây.")
else:
    table = shown.assign(
        uploaded_at=shown["uploaded_at"].map(vn_datetime),
        rolled_back_at=shown["rolled_back_at"].map(vn_datetime),  # never rolled back: "—", as the next column
    )[["batch_id", "unit_name", "period_label", "state_label", "uploaded_at", "uploaded_by_label", "file_label", "row_count",
       "rolled_back_at", "rolled_back_by_label"]]
    headers = exports.vietnamese_headers("batch_history", table.columns)  # worded once, in column_labels.csv
    page_style.dataframe(table, hide_index=True, width="stretch", column_config={
        **headers,
        "batch_id": st.column_config.NumberColumn(headers["batch_id"], format="%d"),
        "state_label": st.column_config.TextColumn(headers["state_label"], width="medium"),  # "Đã bị thay thế" whole
        "row_count": st.column_config.NumberColumn(headers["row_count"], format="localized"),
    })

if not session.can("rollback"):  # the secretariat's corrections: the core checks again
    st.caption("Chỉ văn phòng hoặc quản trị được hoàn tác một đợt báo cáo hoặc mở lại kỳ đã thẩm định.")
    st.stop()
corrections.rollback_section(shown)
corrections.reopen_section(chosen_unit, hide_demo)
