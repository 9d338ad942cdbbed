"""The meeting pack's PDF (fpdf2): cover, league table, charts, red flags with reasons.

Text is NFC and neutralised like the workbook's cells; the PDF embeds DejaVu Sans (charts.font_paths).
"""
from __future__ import annotations

import io
import math
import struct
import unicodedata
from pathlib import Path

import pandas as pd

from nq57.exports import header as column_header, neutralise_text
from nq57.pack.charts import font_paths, grade_chart, rule_chart, top_bottom_chart
from nq57.pack.data import DEMO_DETAIL, DEMO_LABEL, PROVINCE, TITLE, PackData, Progress, no_progress
from nq57.pack.request_pages import request_pages
from nq57.pack.workbook import FLAGS_SHEET
from nq57.palette import GRADE_COLOURS, RULE_COLOURS
from nq57.vnformat import vn_date, vn_number, vn_percent

PDF_FLAG_LIMIT = 400


def _nfc(value: object) -> str:
    """PDF text: NFC, and neutralised like the workbook's cells, so both show the same text."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return neutralise_text(unicodedata.normalize("NFC", str(value)))


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return tuple(int(colour[i:i + 2], 16) for i in (0, 2, 4))


def _make_pdf_class():
    from fpdf import FPDF

    class PackPDF(FPDF):
        running_title = ""

        def header(self):
            if self.page_no() == 1:
                return
            self.set_font("DejaVu", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, self.running_title, align="R", new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
            self.ln(2)

        def footer(self):
            self.set_y(-12)
            self.set_font("DejaVu", "", 8)
            self.set_text_color(90, 90, 90)
            self.cell(0, 6, f"Trang {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0, 0, 0)

    return PackPDF


def write_pdf(data: PackData, path: Path, progress: Progress | None = None) -> None:
    from fpdf.fonts import FontFace

    report = progress or no_progress
    charts = {"grade": grade_chart(data.scorecard, data.grade_bands), "rules": rule_chart(data.flags),
              "league": top_bottom_chart(data.scorecard)}
    report(0.35, "Đang tạo tệp PDF…")

    regular, bold = font_paths()
    pdf = _make_pdf_class()(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(14, 14, 14)
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_title(f"{TITLE} — {PROVINCE} — {vn_date(data.as_of)}")
    pdf.set_author("Bảng điều hành Nghị quyết 57 — " + PROVINCE)
    pdf.set_creation_date(data.generated_at)
    pdf.running_title = f"{TITLE} — {PROVINCE} — số liệu tính đến ngày {vn_date(data.as_of)}"

    _cover_page(pdf, data)
    report(0.45, "Đang tạo bảng xếp hạng trong PDF…")
    _league_pages(pdf, data, FontFace)
    report(0.6, "Đang chèn biểu đồ vào PDF…")
    _chart_pages(pdf, charts)
    report(0.7, "Đang liệt kê cảnh báo đỏ trong PDF…")
    _flag_pages(pdf, data, FontFace)
    report(0.8, "Đang liệt kê kiến nghị đang mở trong PDF…")
    request_pages(pdf, data, FontFace, _heading)
    report(0.9, "Đang lưu tệp PDF…")
    pdf.output(str(path))
    report(1.0, "Đã lưu tệp PDF.")


def _heading(pdf, text: str, size: float = 14) -> None:
    pdf.set_font("DejaVu", "B", size)
    pdf.set_text_color(31, 78, 121)
    pdf.multi_cell(0, size * 0.5, _nfc(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)


def _cover_page(pdf, data: PackData) -> None:
    pdf.add_page()
    pdf.ln(45)
    pdf.set_font("DejaVu", "B", 22)
    pdf.set_text_color(31, 78, 121)
    pdf.multi_cell(0, 11, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, PROVINCE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(10)
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 8, f"Số liệu tính đến ngày {vn_date(data.as_of)}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 7, f"Ngày lập: {data.generated_at:%d/%m/%Y %H:%M}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)

    grades = ", ".join(f"{g}: {int((data.scorecard['grade'] == g).sum())}" for g in GRADE_COLOURS)
    lines = [
        f"{vn_number(len(data.scorecard))} xã, phường được xếp hạng (xếp loại {grades})",
        f"{vn_number(len(data.flags))} cảnh báo đỏ tại {vn_number(data.flags['unit_id'].nunique())} đơn vị",
        "Tệp Excel đi kèm có bảng xếp hạng, toàn bộ cảnh báo đỏ, các kiến nghị đang mở và một trang tính cho mỗi xã, phường.",
    ]
    pdf.set_font("DejaVu", "", 11)
    for line in lines:
        pdf.multi_cell(0, 7, _nfc(line), align="C", new_x="LMARGIN", new_y="NEXT")
    if data.has_demo:
        pdf.ln(10)
        pdf.set_draw_color(192, 0, 0)
        pdf.set_text_color(192, 0, 0)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 8, DEMO_LABEL, border="LTR", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 6, DEMO_DETAIL,
                       border="LBR", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)


def _league_pages(pdf, data: PackData, FontFace) -> None:
    pdf.add_page()
    _heading(pdf, f"Bảng xếp hạng {vn_number(len(data.league))} xã, phường")
    pdf.set_font("DejaVu", "", 8.5)
    headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(31, 78, 121))
    grade_faces = {g: FontFace(emphasis="BOLD", fill_color=_rgb(c)) for g, c in GRADE_COLOURS.items()}
    with pdf.table(
        col_widths=(13, 53, 15, 15, 24, 24, 18, 20),
        text_align=("RIGHT", "LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=headings, line_height=4.6, padding=(0.8, 1.2), width=182,
    ) as table:
        header = table.row()
        for column in ("rank", "unit_name", "grade", "score", "completion_rate", "kpi_on_track_rate",
                       "red_flag_count", "timeliness_rate"):
            header.cell(column_header("league_table", column), align="CENTER")
        for unit in data.league.itertuples(index=False):
            row = table.row()
            row.cell(vn_number(unit.rank))
            row.cell(_nfc(unit.unit_name))
            row.cell(_nfc(unit.grade), style=grade_faces.get(unit.grade))
            row.cell(vn_number(unit.score, 1))
            row.cell(vn_percent(unit.completion_rate))
            row.cell(vn_percent(unit.kpi_on_track_rate))
            row.cell(vn_number(unit.red_flag_count))
            row.cell(vn_percent(unit.timeliness_rate))
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(0, 4, "Điểm = 100 × bình quân có trọng số của tỷ lệ hoàn thành nhiệm vụ, tỷ lệ chỉ tiêu đúng "
                         "tiến độ, tỷ lệ báo cáo đúng hạn và tỷ lệ không có cảnh báo đỏ. " + _grade_note(data.grade_bands),
                   new_x="LMARGIN", new_y="NEXT")


def _grade_note(grade_bands) -> str:
    """'Xếp loại A ≥ 90, B 80–89, …, E < 50.' from the grade_bands view."""
    return "Xếp loại " + ", ".join(f"{g} {band}" for g, band in zip(grade_bands["grade"], grade_bands["band_label"])) + "."


def _place_image(pdf, png: bytes, max_width: float) -> None:
    """Centre a PNG at most max_width wide, shrunk to fit what is left of the page."""
    width_px, height_px = struct.unpack(">II", png[16:24])  # IHDR of a PNG
    room = pdf.page_break_trigger - pdf.get_y() - 2
    width = min(max_width, room * width_px / height_px)
    pdf.image(io.BytesIO(png), w=width, x=pdf.l_margin + (pdf.epw - width) / 2)


def _chart_pages(pdf, charts: dict[str, bytes]) -> None:
    pdf.add_page()
    _heading(pdf, "Biểu đồ tổng hợp")
    _place_image(pdf, charts["grade"], pdf.epw * 0.85)
    pdf.ln(4)
    _place_image(pdf, charts["rules"], pdf.epw * 0.85)
    pdf.add_page()
    _heading(pdf, "Đơn vị dẫn đầu và cuối bảng xếp hạng")
    _place_image(pdf, charts["league"], pdf.epw * 0.85)


def _flag_pages(pdf, data: PackData, FontFace) -> None:
    pdf.add_page()
    _heading(pdf, f"Cảnh báo đỏ và lý do ({vn_number(len(data.flags))} cảnh báo)")
    if not len(data.flags):
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 6, "Không có cảnh báo đỏ tại ngày này.", new_x="LMARGIN", new_y="NEXT")
        return
    # Units with the most flags first, so a cap never hides the worst cases.
    counts = data.flags.groupby("unit_id").size().rename("unit_flags")
    # data.flags is already in alphabetical order; a stable sort keeps it within equal counts.
    ordered = data.flags.join(counts, on="unit_id").sort_values("unit_flags", ascending=False, kind="stable")
    shown = ordered.head(PDF_FLAG_LIMIT)
    hidden = len(ordered) - len(shown)
    headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(31, 78, 121))
    for (unit_id, unit_name), rows in shown.groupby(["unit_id", "unit_name"], sort=False):
        if pdf.get_y() > pdf.page_break_trigger - 30:
            pdf.add_page()
        total = int(rows["unit_flags"].iloc[0])
        pdf.set_font("DejaVu", "B", 10.5)
        pdf.set_text_color(31, 78, 121)
        pdf.multi_cell(0, 6, _nfc(f"{unit_name} — {vn_number(total)} cảnh báo"),
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "", 8)
        with pdf.table(col_widths=(30, 72, 80), text_align=("LEFT", "LEFT", "LEFT"), headings_style=headings,
                       line_height=3.8, padding=(0.8, 1.2), width=182) as table:
            header = table.row()
            for text in ("Quy tắc", "Nội dung", "Lý do"):
                header.cell(text)
            for flag in rows.itertuples(index=False):
                row = table.row()
                row.cell(_nfc(f"{int(flag.rule)}. {flag.rule_label}"),
                         style=FontFace(color=_rgb(RULE_COLOURS.get(int(flag.rule), "#000000")), emphasis="BOLD"))
                row.cell(_nfc(flag.item_name))
                row.cell(_nfc(flag.reason))
        pdf.ln(3)
    if hidden:
        pdf.set_font("DejaVu", "B", 10)
        pdf.multi_cell(0, 6, f"… và còn {vn_number(hidden)} cảnh báo đỏ khác trong tệp Excel (trang tính «{FLAGS_SHEET}»).",
                       new_x="LMARGIN", new_y="NEXT")
