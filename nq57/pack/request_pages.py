"""The meeting pack's PDF section of open difficulties and requests, by the office they wait on
(issue #15): each office with how many wait and how many are past the rule-5 days, then its
requests, longest waiting first. The figures are the requests and requests_by_office views'."""
from __future__ import annotations

import unicodedata

import pandas as pd

from nq57.exports import neutralise_text
from nq57.pack.data import PackData
from nq57.pack.workbook import REQUESTS_SHEET
from nq57.vnformat import vn_date, vn_number

# Rows printed; the rest is in the Excel sheet (a national pack can hold thousands).
PDF_REQUEST_LIMIT = 200


def _text(value: object) -> str:
    """NFC and neutralised, like every text of the pack."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return neutralise_text(unicodedata.normalize("NFC", str(value)))


def request_pages(pdf, data: PackData, FontFace, heading) -> None:
    pdf.add_page()
    rows = data.requests if data.requests is not None else pd.DataFrame()
    heading(pdf, f"Khó khăn, kiến nghị đang mở theo cơ quan xử lý ({vn_number(len(rows))} kiến nghị)")
    pdf.set_font("DejaVu", "", 10)
    if rows.empty:
        pdf.multi_cell(0, 6, "Không có khó khăn, kiến nghị nào đang mở tại ngày này.", new_x="LMARGIN", new_y="NEXT")
        return
    days = int(rows["answer_days"].iloc[0])
    pdf.multi_cell(0, 6, f"Số ngày chờ tính từ ngày đơn vị nêu (hoặc mở lại); chờ quá {days} ngày chưa được trả lời "
                         "là cảnh báo đỏ (quy tắc 5).", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(31, 78, 121))
    printed = 0
    offices = data.request_offices if data.request_offices is not None else pd.DataFrame(columns=["office_id"])
    for office in offices.itertuples(index=False):
        chosen = rows[rows["office_id"].fillna("") == office.office_id]
        chosen = chosen.head(max(PDF_REQUEST_LIMIT - printed, 0))
        if chosen.empty:
            continue
        if pdf.get_y() > pdf.page_break_trigger - 30:
            pdf.add_page()
        pdf.set_font("DejaVu", "B", 10.5)
        pdf.set_text_color(31, 78, 121)
        pdf.multi_cell(0, 6, _text(f"{office.office_name} — {vn_number(office.unanswered_count)} chờ trả lời, "
                                   f"{vn_number(office.overdue_count)} quá {days} ngày"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=(34, 88, 30, 30), text_align=("LEFT", "LEFT", "LEFT", "RIGHT"),
                       headings_style=headings, line_height=3.8, padding=(0.8, 1.2), width=182) as table:
            header = table.row()
            for text in ("Đơn vị nêu", "Nội dung", "Trạng thái", "Đã chờ (ngày nêu)"):
                header.cell(text)
            for item in chosen.itertuples(index=False):
                row = table.row()
                row.cell(_text(item.unit_name))
                task = "" if pd.isna(item.task_no) else f"NV {item.task_no} · "
                row.cell(_text(f"{task}{item.kind_label}: {item.text}"))
                row.cell(_text(item.state_label))
                waited = "" if pd.isna(item.days_waiting) else f"{vn_number(item.days_waiting)} ngày "
                row.cell(_text(f"{waited}({vn_date(item.raised_at)})"))
        printed += len(chosen)
        pdf.ln(3)
    if printed < len(rows):
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 6, f"… và còn {vn_number(len(rows) - printed)} kiến nghị khác trong tệp Excel "
                             f"(trang tính «{REQUESTS_SHEET}»).", new_x="LMARGIN", new_y="NEXT")
