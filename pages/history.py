"""Lịch sử nhập: every upload with who, when, which file, how many rows and its state; a batch
in force can be rolled back so the previous version becomes current again (nothing is deleted),
and a reviewed period can be reopened for its unit (secretariat, with a reason)."""
import pandas as pd
import streamlit as st

from components import data, session
from nq57 import auth, verdicts
from nq57.vnformat import vn_number

st.title("Lịch sử nhập báo cáo")
history = data.view("batch_history")

left, middle, right = st.columns([2, 1, 1])
units = sorted(history["unit_name"].dropna().unique())
chosen_unit = left.selectbox("Đơn vị", ["Tất cả"] + units, key="history_unit")
state_labels = data.labels("batch_state")
states = middle.multiselect("Trạng thái", list(state_labels), default=list(state_labels), format_func=state_labels.get,
                            key="history_states", placeholder="Tất cả")
hide_demo = right.toggle("Ẩn dữ liệu minh họa", value=True, key="history_hide_demo")

shown = history[history["state"].isin(states)]
if chosen_unit != "Tất cả":
    shown = shown[shown["unit_name"] == chosen_unit]
if hide_demo:
    shown = shown[~shown["is_demo"]]


def rollback_section(shown: pd.DataFrame) -> None:
    st.subheader("Hoàn tác một đợt")
    current = shown[shown["state"] == "current"]
    if current.empty:
        st.caption("Không có đợt nào đang hiệu lực trong bộ lọc.")
        return
    labels = {row.batch_id: f"Đợt {row.batch_id} · {row.unit_name} · kỳ {row.period_label} · {row.file_name or ''}"
              for row in current.itertuples()}
    batch_id = st.selectbox("Đợt cần hoàn tác", list(labels), format_func=labels.get, key="rollback_batch")
    confirmed = st.checkbox("Tôi xác nhận hoàn tác: bản nộp trước đó của kỳ này (nếu có) sẽ có hiệu lực trở lại.",
                            key="rollback_confirm")
    if st.button("Hoàn tác", disabled=not confirmed, type="primary"):
        data.roll_back(int(batch_id), session.current_user())
        st.success(f"Đã hoàn tác đợt {batch_id}. Dữ liệu vẫn được lưu trong lịch sử.", icon=":material/check_circle:")
        st.rerun()


def reopen_section(unit_name: str, hide_demo: bool) -> None:
    """A reviewed period is closed to its unit's account (nq57/verdicts.py); the secretariat
    reopens it here with a reason, recorded and audited."""
    st.subheader("Mở lại kỳ đã thẩm định")
    st.caption("Khi một kỳ báo cáo đã có kết luận thẩm định, tài khoản đơn vị không nộp lại được kỳ đó. "
               "Văn phòng mở lại kỳ (ghi rõ lý do) để đơn vị nộp lại; kết luận thẩm định mới sẽ khóa kỳ lại. "
               "Minh chứng không đổi giữ nguyên kết luận cũ.")
    locked = data.reviewed_periods()
    locked = locked[locked["is_locked"]]
    if unit_name != "Tất cả":
        locked = locked[locked["unit_name"] == unit_name]
    if hide_demo:
        locked = locked[~locked["is_demo"]]
    if locked.empty:
        st.caption("Không có kỳ nào đang khóa trong bộ lọc.")
        return
    labels = {i: f"{row.unit_name} · kỳ {row.period:%m/%Y} · {vn_number(row.verdict_count)} kết luận, "
                 f"mới nhất {row.last_verdict_at:%d/%m/%Y}" for i, row in locked.iterrows()}
    chosen = st.selectbox("Kỳ cần mở lại", list(labels), format_func=labels.get, key="reopen_period")
    reason = st.text_area("Lý do mở lại (bắt buộc)", key="reopen_reason")
    if st.button("Mở lại kỳ", disabled=not reason.strip(), key="reopen_submit"):
        row = locked.loc[chosen]
        try:
            data.reopen_period(row["unit_id"], row["period"].date(), session.current_user(), reason.strip())
        except (auth.PermissionDenied, verdicts.ReopenError) as refusal:
            st.error(str(refusal), icon=":material/block:")
        else:
            st.success(f"Đã mở lại kỳ {row['period']:%m/%Y} của {row['unit_name']}; đơn vị nộp lại được cho đến "
                       "khi có kết luận thẩm định mới.", icon=":material/check_circle:")


st.caption(f"{vn_number(len(shown))} đợt báo cáo")
if shown.empty:
    st.info("Chưa có đợt báo cáo nào khớp bộ lọc. Báo cáo nộp qua trang 'Nhập báo cáo' sẽ hiện ở đây.")
else:
    table = shown.assign(
        uploaded=shown["uploaded_at"].map(lambda t: f"{t:%d/%m/%Y %H:%M}"),
        rolled_back=shown["rolled_back_at"].map(lambda t: "" if pd.isna(t) else f"{t:%d/%m/%Y %H:%M}"),
    )[["batch_id", "unit_name", "period_label", "state_label", "uploaded", "uploaded_by", "file_name", "row_count",
       "rolled_back", "rolled_back_by"]]
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "batch_id": st.column_config.NumberColumn("Đợt", format="%d"),
        "unit_name": "Đơn vị", "period_label": "Kỳ", "state_label": "Trạng thái", "uploaded": "Thời điểm nộp",
        "uploaded_by": "Người nộp", "file_name": "Tệp", "row_count": st.column_config.NumberColumn("Số dòng"),
        "rolled_back": "Hoàn tác lúc", "rolled_back_by": "Người hoàn tác",
    })

if not session.can("rollback"):  # the secretariat's corrections: the core checks again
    st.caption("Chỉ văn phòng hoặc quản trị được hoàn tác một đợt báo cáo hoặc mở lại kỳ đã thẩm định.")
    st.stop()
rollback_section(shown)
reopen_section(chosen_unit, hide_demo)
