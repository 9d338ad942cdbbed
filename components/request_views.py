"""The Kiến nghị page's blocks (pages/requests.py): the counts, the offices with the most
unanswered, the filtered list, and the forms of the life cycle for whoever may use them
(nq57/request_flow.py checks the role again)."""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import charts, data, filters, page_style, session
from components.safe_text import md_escape, sentence
from nq57 import auth, request_flow
from nq57.request_items import RequestError
from nq57.vnformat import vn_date, vn_number, vn_shortened

ALL = "Tất cả"


def counts(summary: pd.Series) -> None:
    days = int(summary["answer_days"])
    cols = st.columns(4)
    cols[0].metric("Đang mở", vn_number(summary["open_count"]))
    cols[1].metric("Chờ trả lời", vn_number(summary["unanswered_count"]),
                   help=f"{vn_number(summary['units_waiting'])} đơn vị đang chờ")
    cols[2].metric(f"Chờ quá {days} ngày", vn_number(summary["overdue_count"]),
                   help=f"{data.label('rule', 5)} (quy tắc 5)")
    cols[3].metric(data.label("request_state", "da_tra_loi") + ", chưa đóng", vn_number(summary["answered_count"]))


def chosen_rows(rows: pd.DataFrame, answer_days: int) -> pd.DataFrame:
    """The list as filtered: unit, office, task group, how long it has waited; open ones unless asked."""
    top, bottom = st.columns(2), st.columns(3)
    units = top[0].multiselect("Đơn vị", sorted(rows["unit_name"].unique()), key="req_units", placeholder=ALL)
    offices = top[1].multiselect("Cơ quan xử lý", sorted(rows["office_name"].dropna().unique()), key="req_offices",
                                 placeholder=ALL)
    groups = bottom[0].multiselect("Nhóm nhiệm vụ", sorted(rows["task_group"].dropna().unique()), key="req_groups",
                                   placeholder=ALL)
    ages = {0: ALL, 7: "Chờ trên 7 ngày", answer_days: f"Chờ trên {answer_days} ngày", 90: "Chờ trên 90 ngày"}
    age = bottom[1].selectbox("Thời gian chờ", list(ages), format_func=ages.get, key="req_age")
    closed_too = bottom[2].toggle("Gồm cả kiến nghị đã đóng, đã rút", key="req_closed")
    shown = rows[filters.matches(rows, "unit_name", units) & filters.matches(rows, "office_name", offices)
                 & filters.matches(rows, "task_group", groups)]
    if age:
        shown = shown[shown["days_waiting"].fillna(-1) > age]
    if not closed_too:
        shown = shown[shown["is_open"]]
    return shown.sort_values(["days_waiting", "request_id"], ascending=[False, True], na_position="last")


def table(shown: pd.DataFrame) -> None:
    page_style.dataframe(shown.assign(
        state_text=[charts.status_text(label, "request_state", code) for label, code in zip(shown["state_label"], shown["state"])],
        raised=shown["raised_at"].map(vn_date),
        waiting=shown["days_waiting"].map(lambda d: "" if pd.isna(d) else f"{vn_number(d)} ngày"),
        task=shown["task_no"].map(lambda n: "" if pd.isna(n) else f"NV {n}") + " " + shown["task_content"].fillna(""),
        office_name=shown["office_name"].fillna(""),  # not assigned yet: an empty cell, never "None"
    )[["request_id", "unit_name", "kind_label", "text", "state_text", "waiting", "office_name", "raised", "task"]],
        hide_index=True, width="stretch", column_config={
            "request_id": st.column_config.NumberColumn("Số", format="%d"), "unit_name": "Đơn vị", "kind_label": "Loại",
            "text": st.column_config.TextColumn("Nội dung", width="large"), "state_text": "Trạng thái",
            "waiting": "Đã chờ", "office_name": "Cơ quan xử lý", "raised": "Ngày nêu",
            "task": st.column_config.TextColumn("Nhiệm vụ", width="medium")})


# the texts a person typed into this page's forms: emptied once what they said is stored, so the
# answer just sent does not sit in the box, ready to be sent again to the next request
TYPED_KEYS = ("req_answer", "req_doc", "req_reason", "req_new_text")


def _done(message: str) -> None:
    st.session_state["req_notice"] = message
    st.session_state["req_typed_stored"] = True  # emptied at the next run, before the fields are drawn
    st.rerun()


def empty_what_was_stored() -> None:
    """Once what a person typed is stored, the boxes read empty. Set before the fields are drawn:
    a field's value removed after it is drawn stayed in the browser's box."""
    if st.session_state.pop("req_typed_stored", False):
        for key in TYPED_KEYS:
            st.session_state[key] = ""


def _attempt(action: str, request_id: int, **fields) -> None:
    """One transition; a refusal or a wrong state is said on the page and stores nothing."""
    try:
        data.move_request(session.current_user(), action, request_id, **fields)
    except (auth.PermissionDenied, RequestError) as problem:
        st.error(sentence(problem), icon=":material/block:")
        return
    _done(f"Đã cập nhật kiến nghị số {request_id}.")


def _mine(user, rows: pd.DataFrame) -> dict[int, set[str]]:
    """The actions this person may take on each request now: what its state allows
    (request_flow.actions_from) and what the role, unit and office allow (request_flow.allows, the
    rule the core enforces). Each rule asked once per unit or office, not per row: thousands of
    requests nationally."""
    asked = {}

    def may(action: str, unit_id: str, office_id) -> bool:
        key = (action, office_id if action == "answer" else unit_id)
        if key not in asked:
            asked[key] = request_flow.allows(user, action, unit_id, office_id)
        return asked[key]

    return {int(request_id): {action for action in request_flow.actions_from(state) if may(action, unit_id, office_id)}
            for request_id, state, unit_id, office_id in zip(rows["request_id"], rows["state"], rows["unit_id"],
                                                             rows["office_id"])}


def actions(rows: pd.DataFrame) -> None:
    """The forms of the life cycle for the requests this person may act on, shown only to who may
    use each (a unit's account saw every unit's requests offered, with nothing it could do)."""
    user = session.current_user()
    if st.session_state.get("req_notice"):
        st.success(st.session_state.pop("req_notice"), icon=":material/check_circle:")
    if user is None or rows.empty:
        return
    mine = _mine(user, rows)
    rows = rows[rows["request_id"].map(lambda request_id: bool(mine[int(request_id)]))]
    if rows.empty:
        return
    st.subheader("Xử lý một kiến nghị")
    names = {int(r.request_id): f"Số {r.request_id} · {r.unit_name} · {vn_shortened(r.text, 70)}" for r in rows.itertuples()}
    request_id = st.selectbox("Chọn kiến nghị", list(names), format_func=names.get, key="req_chosen")
    item = rows.set_index("request_id").loc[request_id]
    allowed = mine[request_id]
    st.caption(f"{md_escape(item['kind_label'])} · {md_escape(item['state_label'])} · nêu ngày {vn_date(item['raised_at'])}"
               + (f" · giao {md_escape(item['office_name'])}" if isinstance(item["office_name"], str) else ""))
    if isinstance(item["answer"], str):
        st.text(f"Trả lời ({vn_date(item['answered_at'])}, {item['answered_by']}): {item['answer']}"
                + (f" — văn bản {item['document_ref']}" if isinstance(item["document_ref"], str) else ""))
    if "assign" in allowed:
        offices = dict(data.request_offices(item["unit_id"]))
        codes = list(offices)
        # the office it is assigned to (a reassignment starts from it), else the plan's suggestion, else
        # none: the first by name (a newspaper) was one click from being assigned
        current = next((o for o in (item["office_id"], item["suggested_office_id"]) if o in offices), None)
        start = codes.index(current) if current is not None else None
        office_id = st.selectbox("Giao cho cơ quan", codes, index=start, format_func=offices.get, key="req_office",
                                 placeholder="Chọn cơ quan xử lý")
        if st.button("Giao xử lý", key="req_assign", disabled=office_id is None):
            _attempt("assign", request_id, office_id=office_id)
    if "answer" in allowed:
        answer = st.text_area("Nội dung trả lời", key="req_answer")
        document_ref = st.text_input("Số, ngày văn bản trả lời (nếu có)", key="req_doc")
        if st.button("Gửi trả lời", type="primary", key="req_answer_submit"):
            _attempt("answer", request_id, text=answer, document_ref=document_ref)
    if "close" in allowed:
        if st.button("Đóng kiến nghị (đã được giải quyết)", key="req_close"):
            _attempt("close", request_id)
    if "reopen" in allowed:
        reason = st.text_input("Lý do mở lại", key="req_reason")
        if st.button("Mở lại kiến nghị", key="req_reopen"):
            _attempt("reopen", request_id, reason=reason)


def raise_form(as_of: date) -> None:
    """A unit reporter (or the secretariat for a unit) enters a difficulty or request directly."""
    user = session.current_user()
    if user is None or not session.can("raise_request", user.unit_id):
        return
    # read only for who may raise: the tasks each unit answers for
    tasks = data.view("task_progress", as_of, columns=["unit_id", "unit_name", "task_id", "plan_id", "sort_order",
                                                       "task_no", "content"])
    with st.expander("Nêu khó khăn, kiến nghị mới", icon=":material/add_comment:"):
        units = tasks.drop_duplicates("unit_id")
        if user.role == "unit":
            units = units[units["unit_id"] == user.unit_id]
        if units.empty:
            st.info("Đơn vị của tài khoản chưa được giao nhiệm vụ nào.")
            return
        unit_names = dict(zip(units["unit_id"], units["unit_name"]))
        unit_id = st.selectbox("Đơn vị", list(unit_names), format_func=unit_names.get, key="req_new_unit")
        own = tasks[tasks["unit_id"] == unit_id]
        own = own.sort_values(["plan_id", "sort_order"])  # in the plan's order (they came as stored)
        task_names = {"": "(không gắn với nhiệm vụ)", **{t: f"NV {n} · {vn_shortened(c, 80)}" for t, n, c in
                                                        zip(own["task_id"], own["task_no"], own["content"])}}
        task_id = st.selectbox("Nhiệm vụ", list(task_names), format_func=task_names.get, key="req_new_task")
        kinds = data.labels("request_kind")
        kind = st.radio("Loại", list(kinds), format_func=kinds.get, horizontal=True, key="req_new_kind")
        text = st.text_area("Nội dung", key="req_new_text")
        if st.button("Gửi", type="primary", key="req_new_submit"):
            try:
                request_id = data.raise_request(user, unit_id, kind, text, task_id or None)
            except (auth.PermissionDenied, RequestError) as problem:
                st.error(sentence(problem), icon=":material/block:")
                return
            _done(f"Đã ghi nhận kiến nghị số {request_id}; văn phòng sẽ giao cơ quan xử lý.")
