"""Nhật ký hoạt động: every sign-in, upload, commit, supersede, rollback, review and account
change — who, when, what, from which file — filterable and downloadable."""
from datetime import date, timedelta

import streamlit as st

from components import data, page_style, session
from nq57 import audit, exports
from nq57.vnformat import vn_datetime, vn_month, vn_number

# what a reader sees of each row: the actor and the unit in words (the CLI's `audit` keeps the codes)
SHOWN = ["when", "user_label", "action_label", "unit_name", "period_text", "batch_id", "file_name", "detail"]

st.title("Nhật ký hoạt động")
session.require("manage_users", "xem nhật ký hoạt động")
left, middle, right = st.columns(3)
since = left.date_input("Từ ngày", value=date.today() - timedelta(days=30), format="DD/MM/YYYY", key="audit_since")
actions = middle.multiselect("Hoạt động", list(audit.ACTION_LABELS), format_func=audit.ACTION_LABELS.get,
                             key="audit_actions", placeholder="Tất cả")
who = right.text_input("Người thực hiện", key="audit_user")
log = data.audit_log(since)
if actions:
    log = log[log["action"].isin(actions)]
if who.strip():
    typed = who.strip()
    log = log[log["user_name"].fillna("").str.contains(typed, case=False, regex=False)
              | log["user_label"].fillna("").str.contains(typed, case=False, regex=False)]
st.caption(f"{vn_number(len(log))} dòng")
if log.empty:
    st.info("Không có hoạt động nào khớp bộ lọc.")
    st.stop()
shown = log.assign(action_label=log["action"].map(lambda a: audit.ACTION_LABELS.get(a, a)),
                   when=log["at"].map(lambda t: vn_datetime(t, seconds=True)),
                   period_text=log["period"].map(vn_month))[SHOWN]
headers = exports.vietnamese_headers("audit_log", SHOWN)  # the grid and the CSV say the same
page_style.dataframe(shown, hide_index=True, width="stretch", column_config={
    **headers, "detail": st.column_config.TextColumn(headers["detail"], width="large")})
st.download_button("Tải CSV", exports.to_csv(shown.rename(columns=headers)).encode("utf-8"),
                   file_name=f"nhat_ky_{date.today():%Y-%m-%d}.csv", mime="text/csv", icon=":material/download:")
