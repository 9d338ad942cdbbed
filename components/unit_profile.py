"""The unit profile's sections (pages/unit_profile.py): scorecard, tasks, KPIs, red flags,
reports and requests of one unit, as of a date."""
from __future__ import annotations

import html
from datetime import date

import pandas as pd
import streamlit as st

from components import chart_title, charts, data, filters, page_style
from components.safe_text import md_escape
from nq57 import exports
from nq57.vnformat import vn_date, vn_datetime, vn_number, vn_percent

MAX_KPI_CHARTS = 12
TALL_ROWS = 12  # a longer table scrolls inside itself (640 px, components/page_style.TABLE_CSS)


def _cell(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else html.escape(str(value))


def table_html(frame: pd.DataFrame, headers: dict[str, str]) -> str:
    """The rows as one plain HTML table (escaped text, empty cells for missing values), in a box
    that scrolls inside itself past TALL_ROWS rows (the look is TABLE_CSS, components/page_style.py)."""
    head = "".join(f'<th scope="col">{html.escape(label)}</th>' for label in headers.values())
    body = "".join("<tr>" + "".join(f"<td>{_cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame[list(headers)].itertuples(index=False, name=None))
    tall = " nq57-table-tall" if len(frame) > TALL_ROWS else ""
    return (f'<div class="nq57-table-box{tall}" role="region" tabindex="0" aria-label="Bảng cuộn được">'
            f'<table class="nq57-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>')


def whole_table(frame: pd.DataFrame, headers: dict[str, str]) -> None:
    """A table whose every sentence and status is read whole: an HTML table wraps its cells
    (a dataframe draws on a canvas and cuts them); a long one scrolls inside its own box. One
    HTML element, not st.table: st.table draws every cell as Markdown, and the 58 tasks of one
    commune (640 cells) took the browser 0,9 s of a page switch (issue #12)."""
    st.html(table_html(frame, headers))


def with_target_labels(kpis: pd.DataFrame, as_of: date, unit_id: str, **filters) -> pd.DataFrame:
    """kpi_progress rows of one unit with how each target reads ('≥ 80%'): the target_label macro,
    through the kpi_target_labels view (the profile's charts and the KPI page's trajectories)."""
    worded = data.view("kpi_target_labels", as_of, unit_id=unit_id, **filters)
    return kpis.merge(worded[["kpi_id", "horizon", "target_label"]], on=["kpi_id", "horizon"], how="left")


def scorecard(unit_id: str, as_of: date) -> None:
    """Rank, grade, score and rates of a commune/ward; a department is not ranked."""
    card = data.view("unit_scorecard", as_of, unit_id=unit_id)
    ranked = data.commune_count()
    if card.empty:
        st.info(f"Sở, ngành không được xếp hạng cùng {vn_number(ranked)} xã, phường; dưới đây là nhiệm vụ được giao.")
        return
    row = card.iloc[0]
    if row["periods_due"] == 0:
        # before the first report is due a score only counts what was not yet asked for
        st.info(f"Tính đến {vn_date(as_of)} chưa đến hạn nộp báo cáo kỳ nào, nên đơn vị chưa được chấm điểm, "
                "xếp loại và xếp hạng.", icon=":material/schedule:")
        return
    cols = st.columns(6)
    cols[0].metric("Thứ hạng", f"{vn_number(row['rank'])} / {vn_number(ranked)}")
    cols[1].metric("Xếp loại · điểm", f"{row['grade']} · {vn_number(row['score'], 1)}")
    cols[2].metric(data.tile("completion_rate"), vn_percent(row["completion_rate"]),
                   help=f"{vn_number(row['tasks_done'])}/{vn_number(row['tasks_due'])} nhiệm vụ đến hạn")
    cols[3].metric(data.tile("kpi_on_track_rate"), vn_percent(row["kpi_on_track_rate"]),
                   help=f"{vn_number(row['kpis_on_track'])}/{vn_number(row['kpis_evaluated'])} chỉ tiêu")
    cols[4].metric(data.label("kpi_status", "canh_bao_do"), vn_number(row["red_flag_count"]))
    cols[5].metric(data.tile("timeliness_rate"), vn_percent(row["timeliness_rate"]),
                   help=f"{vn_number(row['periods_on_time'])}/{vn_number(row['periods_due'])} kỳ")


def tasks_section(tasks: pd.DataFrame, unit_name: str, as_of: date) -> None:
    """Tasks filterable by status, lead office and kind of deadline, and their timeline."""
    if tasks.empty:
        st.info(f"{md_escape(unit_name)} chưa được giao nhiệm vụ nào trong các kế hoạch đã nạp.")
    else:
        left, middle, right = st.columns(3)
        statuses = left.multiselect("Tình trạng", sorted(tasks["status_label"].unique()), key="task_status", placeholder="Tất cả")
        leads = middle.multiselect("Đơn vị chủ trì", sorted(tasks["lead_office"].dropna().unique()), key="task_lead", placeholder="Tất cả")
        waiting = data.label("task_status", "cho_huong_dan")  # a conditional task waits for guidance
        kinds = right.multiselect("Loại thời hạn", ["Có thời hạn", "Thường xuyên", waiting], key="task_kind", placeholder="Tất cả")
        kind_of = tasks["deadline_kind"].map({"date": "Có thời hạn", "recurring": "Thường xuyên",
                                              "conditional": waiting, "unknown": waiting})
        shown = tasks[filters.matches(tasks, "status_label", statuses)
                      & filters.matches(tasks, "lead_office", leads)
                      & filters.matches(tasks.assign(kind=kind_of), "kind", kinds)].sort_values(["plan_id", "sort_order"])
        st.caption(f"{vn_number(len(shown))} / {vn_number(len(tasks))} nhiệm vụ")
        table = shown.assign(
            status_text=shown["status_label"].map(charts.status_text),
            due=shown["due_date"].map(lambda d: "" if pd.isna(d) else vn_date(d)),
            percent=shown["percent_complete"].map(lambda v: "" if pd.isna(v) else vn_number(v) + "%"),
            expected=shown["expected_percent"].map(lambda v: "" if pd.isna(v) else vn_number(v) + "%"),
            overdue=shown["is_overdue"].map({True: "Quá hạn", False: ""}),
            plan=shown["plan_id"].map(data.plan_labels()),
        ).fillna({"lead_office": "", "evidence_label": ""})
        # the state first, the plan last: on a phone the first columns are what is read without scrolling
        whole_table(table, {
            "task_no": "STT", "status_text": "Tình trạng", "overdue": "Quá hạn", "content": "Nhiệm vụ", "due": "Hạn",
            "percent": "Đã đạt", "expected": "Lộ trình", "evidence_label": "Minh chứng", "lead_office": "Chủ trì",
            "deadline_text": "Thời hạn (văn bản)", "plan": "Kế hoạch"})
        if shown["due_date"].notna().any():
            with st.container(key="wide_chart_timeline"):  # scrolls sideways on a phone (page_style)
                chart_title.plot(st, charts.task_timeline(shown, as_of), width="stretch", theme=None,
                                alt="Nhiệm vụ có thời hạn theo ngày hạn và tình trạng")


def kpis_section(kpis: pd.DataFrame, unit_id: str, unit_name: str, as_of: date) -> None:
    """Each KPI as a bullet and its history against the targets, then the table."""
    if kpis.empty:
        st.info(f"{unit_name} chưa có chỉ tiêu nào.")
    else:
        current = kpis[kpis["is_current_horizon"] & kpis["comparator"].notna()]
        labelled = with_target_labels(kpis, as_of, unit_id)
        percent_ids = current[current["unit_of_measure"] == "%"]["kpi_id"]
        if len(percent_ids):
            rows = pd.concat([current[current["kpi_id"].isin(percent_ids)],
                              labelled[labelled["kpi_id"].isin(percent_ids) & ~labelled["is_current_horizon"]]])
            chart_title.plot(st, charts.kpi_bullets(rows, "Chỉ tiêu tỷ lệ (%): thực tế, lộ trình và mục tiêu các mốc"),
                            width="stretch", theme=None, alt="Biểu đồ gạch chỉ tiêu tỷ lệ")
        # One chart per counted KPI, most behind first; past a dozen a wall of charts reads worse
        # than the table below (and a national plan has a hundred).
        others = current[current["unit_of_measure"] != "%"].sort_values("progress_ratio", na_position="last")
        charted = list(others["kpi_id"].drop_duplicates()[:MAX_KPI_CHARTS])
        if len(others["kpi_id"].unique()) > len(charted):
            st.caption(f"Biểu đồ cho {len(charted)} chỉ tiêu đếm chậm nhất; "
                       f"{vn_number(len(others['kpi_id'].unique()) - len(charted))} chỉ tiêu khác xem ở bảng dưới.")
        for kpi_id, group in others[others["kpi_id"].isin(charted)].groupby("kpi_id", sort=False):
            rows = labelled[labelled["kpi_id"] == kpi_id].sort_values("is_current_horizon", ascending=False)
            chart_title.plot(st, charts.kpi_bullets(rows, f"{group.iloc[0]['kpi_name']} ({group.iloc[0]['unit_of_measure']})",
                                                    named_by_title=True),
                            width="stretch", theme=None, key=f"bullet_{kpi_id}")
        qualitative = kpis[kpis["comparator"].isna()]
        if len(qualitative):
            st.caption("Mục tiêu định tính: " + "; ".join(map(md_escape, qualitative["kpi_name"])))

        st.subheader("Diễn biến một chỉ tiêu")
        names = dict(zip(current["kpi_id"], current["kpi_name"]))
        if names:
            kpi_id = st.selectbox("Chỉ tiêu", list(names), format_func=names.get, key="profile_kpi")
            history = data.view("kpi_history", as_of, unit_id=unit_id, kpi_id=kpi_id).sort_values("period")
            history["unit_name"] = unit_name
            targets = labelled[(labelled["kpi_id"] == kpi_id) & labelled["target_value"].notna()]
            if history.empty:
                st.info(f"Chưa có báo cáo số liệu cho chỉ tiêu này tính đến {vn_date(as_of)}.")
            else:
                chart_title.plot(st, charts.kpi_trajectory(history, targets, names[kpi_id]), width="stretch", theme=None,
                                alt="Diễn biến chỉ tiêu so với lộ trình và mục tiêu")
        table = kpis.assign(
            actual=kpis["actual_value"].map(lambda v: vn_number(v, 1)),
            expected=kpis["expected_value"].map(lambda v: vn_number(v, 1)),
            status_text=kpis["status_label"].map(charts.status_text),
            due=kpis["due_date"].map(vn_date),
            horizon=kpis["horizon"].astype(str),
        ).fillna({"target_text": "", "target_source_label": ""})
        whole_table(table, {
            "kpi_name": "Chỉ tiêu", "horizon": "Mốc", "target_text": "Mục tiêu (văn bản)", "due": "Hạn",
            "actual": "Thực tế", "expected": "Lộ trình", "status_text": "Tình trạng",
            "target_source_label": "Nguồn mục tiêu"})


def flags_section(unit_id: str, unit_name: str, as_of: date) -> None:
    """The unit's red flags with the reason."""
    flags = data.view("red_flags", as_of, unit_id=unit_id)
    if flags.empty:
        st.success(f"{md_escape(unit_name)} không có {data.label('kpi_status', 'canh_bao_do').lower()} tính đến {vn_date(as_of)}.", icon=":material/check_circle:")
    else:
        whole_table(flags.sort_values(["rule", "due_date"]),
                    {"rule_label": "Quy tắc", "item_name": "Nội dung", "reason": "Vì sao đỏ"})


def reports_section(unit_id: str, as_of: date) -> None:
    """Its reports by period and every upload."""
    compliance = data.view("reporting_compliance", as_of, unit_id=unit_id)
    if compliance.empty:
        st.info("Đơn vị không thuộc diện báo cáo định kỳ.")
    else:
        table = compliance.sort_values("period", ascending=False).assign(
            deadline_text=compliance["deadline"].map(vn_date),
            received=compliance["received_at"].map(vn_datetime),
        )[["period_label", "deadline_text", "received", "status_label"]]
        page_style.dataframe(table, hide_index=True, width="stretch", column_config={
            "period_label": "Kỳ", "deadline_text": "Hạn nộp", "received": "Đã nhận lúc", "status_label": "Tình trạng"})
    history = data.view("batch_history", unit_id=unit_id)
    if len(history):
        st.caption("Các lần nộp (kể cả bản đã bị thay thế hoặc hoàn tác)")
        table = history.assign(uploaded_at=history["uploaded_at"].map(vn_datetime))[
            ["batch_id", "period_label", "uploaded_at", "uploaded_by_label", "file_label", "state_label"]]
        headers = exports.vietnamese_headers("batch_history", table.columns)  # the history page's words
        page_style.dataframe(table, hide_index=True, width="stretch", column_config={
            **headers, "batch_id": st.column_config.NumberColumn(headers["batch_id"], format="%d")})


def requests_section(unit_id: str, unit_name: str, as_of: date) -> None:
    """The difficulties and requests it raised (the requests view): how many wait for an answer,
    and each with its state, the office it waits on and how long."""
    rows = data.view("requests", as_of, unit_id=unit_id)
    if rows.empty:
        st.info(f"{md_escape(unit_name)} chưa nêu khó khăn, kiến nghị nào tính đến {vn_date(as_of)}.")
        return
    waiting, overdue = int(rows["is_unanswered"].sum()), int(rows["breaks_rule_5"].sum())
    cols = st.columns(3)
    cols[0].metric("Kiến nghị chờ trả lời", vn_number(waiting))
    cols[1].metric(f"Chờ quá {vn_number(rows['answer_days'].iloc[0])} ngày", vn_number(overdue))
    cols[2].metric("Đang mở", vn_number(int(rows["is_open"].sum())))
    shown = rows.sort_values(["is_open", "days_waiting", "request_id"], ascending=[False, False, True], na_position="last")
    whole_table(shown.assign(
        state_text=[charts.status_text(label, "request_state", code) for label, code in zip(shown["state_label"], shown["state"])],
        waiting=shown["days_waiting"].map(lambda d: "" if pd.isna(d) else f"{vn_number(d)} ngày"),
        period_text=shown["period"].map(lambda d: f"{d:%m/%Y}"),
        # not assigned, not answered, not tied to a task: empty cells, never "None"
        task_no=shown["task_no"].fillna(""), office_name=shown["office_name"].fillna(""),
        answer=shown["answer"].fillna(""),
    ), {"task_no": "STT", "kind_label": "Loại", "text": "Nội dung", "state_text": "Trạng thái", "waiting": "Đã chờ",
        "office_name": "Cơ quan xử lý", "answer": "Trả lời", "period_text": "Kỳ nêu"})
