"""The upload page's drawing (pages/upload.py): the template download, the check with its
progress bar, a refused file's problems by cell, a valid file's summary and preview of changes,
the commit button, and evidence attachments for what was just committed."""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import NamedTuple

import pandas as pd
import streamlit as st

from components import data, page_style
from components.safe_text import md_escape, sentence
from nq57 import auth, evidence, exports, storage
from nq57.vnformat import vn_datetime, vn_number, vn_short, vn_shortened


def month_options() -> list[str]:
    today, first = date.today(), date.fromisoformat(data.setting("first_period"))  # the settings table's first period
    months, year, month = [], today.year, today.month
    while (year, month) >= (first.year, first.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def template_download(unit_labels: dict[str, str]) -> None:
    """1. Tải mẫu báo cáo: a template for a unit (or all) and a month, built when clicked."""
    st.subheader("1. Tải mẫu báo cáo")
    left, right = st.columns([2, 1])
    unit = left.selectbox("Đơn vị", list(unit_labels), format_func=unit_labels.get, key="template_unit")
    # the month just ended is the one being reported, so it is the default
    period = right.selectbox("Kỳ báo cáo", month_options(), index=1 if len(month_options()) > 1 else 0, format_func=lambda p: f"{p[5:]}/{p[:4]}", key="template_period")
    # Built when clicked (Streamlit runs the callable on download): a template for every unit at
    # national size is 400.000 rows and would hold up every visit to this page.
    st.download_button(
        "Tải mẫu Excel", lambda: data.report_template(unit, period), icon=":material/download:",
        file_name=f"mau_bao_cao_{unit}_{period}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        help="Mẫu đã điền sẵn nhiệm vụ, chỉ tiêu, mục tiêu và số liệu kỳ trước của đơn vị.",
    )


def check_with_progress(content: bytes, file_name: str):
    """(result, preview) of an uploaded file, with a progress bar while it is read and compared."""
    progress = st.progress(0, text="Đang đọc tệp…")
    result = data.check_upload(content, file_name)
    progress.progress(70, text="Đang so sánh với báo cáo đã nhận…")
    preview = data.upload_preview(result) if result.accepted else None
    progress.progress(100, text="Đã kiểm tra xong")
    progress.empty()
    return result, preview


def rejected(result, file_name: str) -> None:
    """A refused file: how many problems, the first lines as text, every problem by cell, and the
    list as .xlsx. Nothing was written."""
    total = len(result.problems) + result.truncated_problems
    st.error(f"Tệp **{md_escape(file_name)}** bị từ chối: {vn_number(total)} lỗi. Không có dữ liệu nào được ghi. "
             "Sửa các ô dưới đây rồi tải lại.", icon=":material/block:")
    # the first lines as text too: a whole-file problem has no cell, and text reads aloud
    # file names and cell values are the sender's text: never Markdown (images, links)
    st.markdown("\n".join(f"- {md_escape(p.line())}" for p in result.problems[:10]))
    problems = result.problem_table()
    page_style.dataframe(problems, hide_index=True, width="stretch")
    if result.truncated_problems:
        st.caption(f"Chỉ hiển thị {vn_number(len(result.problems))} lỗi đầu tiên.")
    excel = io.BytesIO()
    exports.to_xlsx({"Lỗi": problems}, excel)
    st.download_button("Tải danh sách lỗi (.xlsx)", excel.getvalue(), file_name=f"loi_{file_name}",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def accepted(result, preview) -> None:
    """A valid file: what it holds, each KPI value against the last accepted one, and each task
    status likewise (a task sent back from Hoàn thành is named before anyone commits)."""
    st.success(
        f"Tệp hợp lệ: {vn_number(len(result.units))} đơn vị, "
        + (f"kỳ {result.period:%m/%Y}, " if result.period_to in (None, result.period)
           else f"các kỳ {result.period:%m/%Y}–{result.period_to:%m/%Y}, ")
        + f"{vn_number(len(result.kpi_rows))} số liệu chỉ tiêu, {vn_number(len(result.task_rows))} cập nhật nhiệm vụ.",
        icon=":material/check_circle:",
    )
    kpis, tasks = preview
    counts = kpis["change"].value_counts()
    new, changed, same = st.columns(3)
    new.metric("Số liệu mới", vn_number(counts.get("Mới", 0)))
    changed.metric("Thay đổi so với báo cáo trước", vn_number(counts.get("Thay đổi", 0)))
    same.metric("Không đổi", vn_number(counts.get("Không đổi", 0)))
    if kpis["is_suspicious"].any():
        st.warning(f"{vn_number(int(kpis['is_suspicious'].sum()))} số liệu thay đổi bất thường so với kỳ trước (giảm còn "
                   "dưới một nửa, tăng hơn gấp đôi hoặc tăng từ 0). Hãy kiểm tra trước khi ghi nhận.", icon=":material/search:")
    if tasks["is_step_back"].any():
        st.warning(f"{vn_number(int(tasks['is_step_back'].sum()))} nhiệm vụ lùi trạng thái so với báo cáo trước "
                   "(ví dụ từ Hoàn thành về Đang thực hiện, hoặc tỷ lệ hoàn thành giảm). "
                   "Hãy kiểm tra trước khi ghi nhận.", icon=":material/search:")
    _preview_table("Số liệu chỉ tiêu", "import_preview", kpis, "is_suspicious", "⚠ Bất thường",
                   ["kpi_name", "previous_period", "previous_value", "new_value", "change"])
    _preview_table("Trạng thái nhiệm vụ", "import_task_preview", tasks.assign(content=tasks["content"].map(
        lambda text: vn_shortened(text, 60))), "is_step_back", "⚠ Lùi trạng thái",
        ["task_no", "content", "previous_status_label", "new_status_label", "previous_percent", "new_percent",
         "previous_period", "change"])


NUMBERS = ("previous_value", "new_value", "previous_percent", "new_percent")  # 80 and 8, not 80,0


def _preview_table(title: str, name: str, rows: pd.DataFrame, flagged: str, flag: str, columns: list[str]) -> None:
    """One preview's rows under its title: the flag first, then the unit and the month only when the
    file holds several (one name in every row pushed the new values off a laptop's screen), then
    `columns`; headed from column_labels.csv, months 11/2026."""
    if rows.empty:
        return
    st.markdown(f"**{title}**")
    several = [column for column, key in (("unit_name", "unit_id"), ("period", "period")) if rows[key].nunique() > 1]
    shown = ["flag"] + several + columns
    table = rows.assign(flag=rows[flagged].map({True: flag, False: ""}),
                        previous_period=rows["previous_period"].map(_month), period=rows["period"].map(_month),
                        **{column: rows[column].map(vn_short) for column in NUMBERS if column in rows})[shown]
    page_style.dataframe(table, hide_index=True, width="stretch", column_config=exports.vietnamese_headers(name, shown))


def _month(day) -> str:
    return "" if pd.isna(day) else f"{day:%m/%Y}"


class JustCommitted(NamedTuple):
    """What the last commit of this session wrote, kept for the evidence step."""
    sha256: str
    written: list
    result: object
    at: datetime


def commit_button(result, user, cache_key: str) -> None:
    """Ghi nhận báo cáo: one click writes the checked file (refusals shown, the page stops there);
    the page then shows what was written and the evidence step, not the preview and the button."""
    if st.button("Ghi nhận báo cáo", type="primary"):
        try:
            written = data.commit_upload(result, user)
        except (auth.PermissionDenied, storage.StorageError) as refusal:
            st.error(sentence(refusal), icon=":material/block:")
            st.stop()
        del st.session_state[cache_key]
        st.session_state["committed"] = JustCommitted(result.sha256, written, result, datetime.now())
        st.rerun()


def committed_notice(committed: JustCommitted) -> None:
    st.success(f"Đã ghi nhận {vn_number(len(committed.written))} đợt báo cáo lúc {vn_datetime(committed.at)}. "
               "Các trang số liệu đã cập nhật.", icon=":material/check_circle:")
    st.caption("Để nộp tệp khác, bỏ tệp này (dấu × bên phải tên tệp) rồi chọn tệp mới.")


def already_imported(batch_id: int) -> None:
    """The same file again: when and by whom it came, in words (the batch number alone meant nothing)."""
    batch = data.view("batch_history", batch_id=int(batch_id))
    when = (f" lúc {vn_datetime(batch['uploaded_at'].iloc[0])}, người nộp {md_escape(batch['uploaded_by_label'].iloc[0])}"
            if len(batch) else "")
    st.info(f"Tệp này đã được nhập trước đây{when} (đợt {batch_id} trong trang Lịch sử nhập); không có gì thay đổi.",
            icon=":material/info:")


def evidence_attachments(user, committed: JustCommitted) -> None:
    """3. Đính kèm tệp minh chứng, for the rows of the file just committed."""
    written, committed = committed.written, committed.result
    st.subheader("3. Đính kèm tệp minh chứng (tùy chọn)")
    st.caption(f"Chấp nhận: {evidence.ALLOWED_LABEL}. Loại tệp được kiểm tra theo nội dung, không theo đuôi tên.")
    # the batch of each row is the one commit wrote for its unit and month (a range file has one per month)
    batch_of = {(b.unit_id, b.period): b.batch_id for b in written}
    # each choice by the names a reporter knows (the KPI, the task's number and text, the unit), not codes
    units = data.view("stg_units", columns=["unit_id", "unit_name"]).set_index("unit_id")["unit_name"]
    kpis = data.view("kpis", columns=["kpi_id", "name"]).set_index("kpi_id")["name"]
    tasks = data.view("stg_tasks", columns=["task_id", "task_no", "content"]).set_index("task_id")
    task_names = (tasks["task_no"].fillna("") + ". " + tasks["content"].map(lambda text: vn_shortened(text, 90))).to_dict()
    items = [("kpi", r.unit_id, r.kpi_id, r.period,
              f"Chỉ tiêu: {kpis.get(r.kpi_id, r.kpi_id)} · {units.get(r.unit_id, r.unit_id)} · {r.period:%m/%Y}")
             for r in committed.kpi_rows.itertuples()]
    items += [("task", r.unit_id, r.task_id, r.period,
               f"Nhiệm vụ {task_names.get(r.task_id, r.task_id)} · {units.get(r.unit_id, r.unit_id)} · {r.period:%m/%Y}")
              for r in committed.task_rows.itertuples()]
    choice = st.selectbox("Mục", range(len(items)), format_func=lambda i: items[i][4], key="evidence_item")
    attachment = st.file_uploader("Tệp minh chứng", key="evidence_file")
    if attachment is not None and st.button("Lưu minh chứng", key="evidence_save"):
        item_type, unit_id, item_id, period, _ = items[choice]
        batch_id = batch_of[(unit_id, period)]
        try:
            stored = data.store_evidence(attachment.getvalue(), attachment.name, user,
                                         int(batch_id), unit_id, item_type, item_id)
        except (evidence.EvidenceError, auth.PermissionDenied, storage.StorageError) as refusal:
            st.error(sentence(refusal), icon=":material/block:")
        else:
            st.success(f"Đã lưu minh chứng ({stored.mime_type}, {vn_number(stored.size)} byte).", icon=":material/check_circle:")
