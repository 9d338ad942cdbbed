"""Nhập báo cáo: download a ready template, upload it, see every mistake by cell, preview what
changes, and commit in one click. Nothing is written until the file is valid and confirmed."""
import hashlib

import streamlit as st

from components import data, session, upload_views
from components.safe_text import md_escape
from nq57 import auth

st.title("Nhập báo cáo")

user = session.require("import_report", "nhập báo cáo")
units = data.view("stg_units")
reporting = units[units["is_commune_level"] | (units["unit_kind"] == "department")].sort_values("sort_order")
unit_labels = {"all": "Toàn tỉnh (tất cả đơn vị)"} | dict(zip(reporting["unit_id"], reporting["unit_name"]))
if user.role == "unit":
    # a unit's reporter works on its own unit only (the core refuses other units anyway)
    unit_labels = {k: v for k, v in unit_labels.items() if k == user.unit_id}

upload_views.template_download(unit_labels)

st.subheader("2. Nộp tệp đã điền")
uploader = user.display_name or user.user_name
st.caption(f"Người nộp: **{md_escape(uploader)}** ({auth.ROLE_LABELS[user.role]})")
upload = st.file_uploader("Chọn tệp Excel (.xlsx)", key="report_file")
content = upload.getvalue() if upload is not None else None
digest = hashlib.sha256(content).hexdigest() if content is not None else None  # up to 20 MB: hashed once
just_committed = st.session_state.get("committed")
if just_committed and digest in (None, just_committed.sha256):
    # the file just committed: what was written and its evidence, not its check again (which said
    # "already imported" and hid the evidence step at the next click)
    upload_views.committed_notice(just_committed)
    upload_views.evidence_attachments(user, just_committed)
    st.stop()
st.session_state.pop("committed", None)  # another file: a new round
if upload is None:
    st.info("Chưa chọn tệp. Tệp được kiểm tra toàn bộ trước khi ghi; nếu có lỗi, không có dữ liệu nào bị thay đổi.")
    st.stop()

cache_key = "check_" + digest
if cache_key not in st.session_state:
    st.session_state[cache_key] = upload_views.check_with_progress(content, upload.name)
    data.record_upload_check(user.user_name, st.session_state[cache_key][0])
result, preview = st.session_state[cache_key]

if not result.accepted:
    upload_views.rejected(result, upload.name)
    st.stop()

for warning in result.warnings:
    st.warning(md_escape(warning.line()), icon=":material/warning:")
if result.duplicate_of is not None:
    upload_views.already_imported(result.duplicate_of)
    st.stop()

upload_views.accepted(result, preview)
upload_views.commit_button(result, user, cache_key)
