"""Thẩm định minh chứng: evidence awaiting review, the file or document reference, and a
decision — hợp lệ / không hợp lệ / thiếu chất lượng — that the views follow at once."""
import streamlit as st

from components import data, filters, page_style, session
from components.safe_text import md_escape, sentence
from nq57 import auth, evidence, reports
from nq57.vnformat import vn_number

st.title("Thẩm định minh chứng")
user = session.require("review_evidence", "thẩm định minh chứng")

pending = data.pending_evidence()
if filters.hide_demo_toggle(key="review_hide_demo"):
    pending = pending[~pending["is_demo"]]
units = ["Tất cả"] + sorted(pending["unit_name"].unique())
unit = st.selectbox("Đơn vị", units, key="review_unit")
if unit != "Tất cả":
    pending = pending[pending["unit_name"] == unit]
st.caption(f"{vn_number(len(pending))} mục chờ thẩm định (cũ nhất trước)")
if pending.empty:
    if notice := st.session_state.pop("review_notice", None):  # the last one just judged
        st.success(notice, icon=":material/check_circle:")
    st.success("Không còn minh chứng nào chờ thẩm định.", icon=":material/check_circle:")
    st.stop()

rereviews = int(pending["is_rereview"].sum())
if rereviews:
    st.caption(f"{vn_number(rereviews)} mục thẩm định lại: minh chứng đã đổi sau kết luận trước, chưa được tính là "
               "hoàn thành cho đến khi có kết luận mới.")
previous = pending["previous_decision"].map(lambda d: reports.REVIEW_DECISIONS.get(d, "") if isinstance(d, str) else "")
page_style.dataframe(pending[["unit_name", "period", "item_name", "evidence_ref", "file_count", "uploaded_by_label"]].assign(
    period=pending["period"].map(lambda d: f"{d:%m/%Y}"), previous=previous), hide_index=True, width="stretch",
    column_config={
        "unit_name": "Đơn vị", "period": "Kỳ", "item_name": st.column_config.TextColumn("Nội dung", width="large"),
        "evidence_ref": "Minh chứng", "file_count": "Số tệp", "uploaded_by_label": "Người nộp",
        "previous": "Kết luận trước (minh chứng cũ)"})

labels = {i: ("Thẩm định lại · " if r.is_rereview else "") + f"{r.unit_name} · {r.item_name[:80]}"
          for i, r in pending.iterrows()}
chosen = st.selectbox("Mục cần thẩm định", list(labels), format_func=labels.get, key="review_item")
item = pending.loc[chosen]
if item["is_rereview"]:
    st.warning("Minh chứng đã đổi so với lần thẩm định trước (kết luận trước: "
               f"{reports.REVIEW_DECISIONS.get(item['previous_decision'], '')}).", icon=":material/history:")
    if isinstance(item["previous_comment"], str):
        st.text(f"Nhận xét lần trước: {item['previous_comment']}")  # the reviewer's text, shown as text
st.markdown("**Minh chứng ghi trong báo cáo:**")
st.text(item["evidence_ref"] or "(không ghi)")
for row in data.evidence_files(int(item["batch_id"]), item["unit_id"], item["item_type"], item["item_id"]).itertuples():
    try:
        content, mime, name = data.read_evidence(int(row.evidence_id))
    except evidence.EvidenceError as problem:
        # a file gone or a folder unreachable: said for this file, the review goes on with the others
        st.warning(f"Không mở được {md_escape(problem)}.", icon=":material/warning:")  # names the sender's file
        continue
    st.download_button(f"Mở tệp: {md_escape(name)}", content, file_name=name, mime=mime, key=f"evidence_{row.evidence_id}")

states, kpi = data.labels("evidence_state"), data.labels("kpi_status")
decisions = {"valid": states["hop_le"], "invalid": f"{states['khong_hop_le']} → {kpi['cho_hoan_thien']}",
             "insufficient": f"{states['thieu_chat_luong']} → {kpi['canh_bao_do'].lower()}"}


def record(item, label) -> None:
    """The verdict, stored before the page runs again; then the form is emptied: the next item
    opened with the last verdict and its comment, one click from judging another unit alike."""
    decision, comment = st.session_state["review_decision"], st.session_state["review_comment"]
    try:
        data.review_evidence(user, int(item["batch_id"]), item["unit_id"], item["item_type"], item["item_id"],
                             decision, comment.strip() or None)
    except (auth.PermissionDenied, evidence.EvidenceError) as refusal:
        st.session_state["review_refusal"] = sentence(refusal)
        return
    st.session_state["review_notice"] = (f"Đã ghi kết luận «{decisions[decision]}» cho {md_escape(label)}. "
                                         "Các trang số liệu cập nhật ngay.")
    st.session_state["review_decision"], st.session_state["review_comment"] = None, ""


# no verdict chosen until the reviewer chooses one
decision = st.radio("Kết luận", list(decisions), format_func=decisions.get, horizontal=True, key="review_decision",
                    index=None)
comment = st.text_area("Nhận xét (bắt buộc khi không hợp lệ hoặc thiếu chất lượng)", key="review_comment")
st.button("Ghi kết luận", type="primary", key="review_submit", disabled=decision is None,
          on_click=record, args=(item, labels[chosen]))
if refusal := st.session_state.pop("review_refusal", None):
    st.error(refusal, icon=":material/block:")
if notice := st.session_state.pop("review_notice", None):  # the verdict just recorded, where the eye is
    st.success(notice, icon=":material/check_circle:")
