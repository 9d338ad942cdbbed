"""The secretariat's corrections on the history page: roll a batch back (the previous version
becomes current again, nothing is deleted) and reopen a reviewed period for its unit. The page
shows them only to roles that may; the core (nq57/auth.py) checks again."""
import pandas as pd
import streamlit as st

from components import data, session
from components.safe_text import sentence
from nq57 import auth, verdicts
from nq57.vnformat import vn_number


def rollback_section(shown: pd.DataFrame) -> None:
    st.subheader("Hoàn tác một đợt")
    current = shown[shown["state"] == "current"]
    if current.empty:
        st.caption("Không có đợt nào đang hiệu lực trong bộ lọc.")
        return
    labels = {row.batch_id: f"Đợt {row.batch_id} · {row.unit_name} · kỳ {row.period_label} · {row.file_label or ''}"
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
            st.error(sentence(refusal), icon=":material/block:")
        else:
            st.success(f"Đã mở lại kỳ {row['period']:%m/%Y} của {row['unit_name']}; đơn vị nộp lại được cho đến "
                       "khi có kết luận thẩm định mới.", icon=":material/check_circle:")
