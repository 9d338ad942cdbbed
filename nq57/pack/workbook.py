"""The meeting pack's Excel workbook (openpyxl): cover, league table, red flags, open requests by
office, one sheet per unit.

Every text cell goes through `exports.protect_text_cells` before saving, so nothing a unit typed can
run as a formula.
"""
from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

import pandas as pd

from nq57.exports import headed, protect_text_cells
from nq57.pack.data import DEMO_LABEL, DEMO_NOTICE, PROVINCE, RED_FLAG, TITLE, PackData, Progress, no_progress
from nq57.palette import GRADE_COLOURS, STATUS_STYLE
from nq57.vnformat import vn_date, vn_number

COVER_SHEET = "Thông tin"
LEAGUE_SHEET = "Bảng xếp hạng"
FLAGS_SHEET = RED_FLAG
REQUESTS_SHEET = "Kiến nghị đang mở"
FIXED_SHEETS = (COVER_SHEET, LEAGUE_SHEET, FLAGS_SHEET, REQUESTS_SHEET)


# League table columns: (view column, header, number format or None, width); the headers come from
# data/seed/column_labels.csv (exports.headed), as on the export page
LEAGUE_COLUMNS = headed("league_table", [
    ("rank", "#,##0", 7),
    ("unit_name", None, 24),
    ("unit_kind_label", None, 9),
    ("grade", None, 9),
    ("score", "0.0", 8),
    ("rank_change_text", None, 12),
    ("completion_rate", "0.0%", 14),
    ("kpi_on_track_rate", "0.0%", 14),
    ("red_flag_count", "#,##0", 10),
    ("timeliness_rate", "0.0%", 14),
    ("tasks_due", "#,##0", 10),
    ("tasks_done", "#,##0", 11),
    ("tasks_overdue", "#,##0", 10),
])
FLAG_COLUMNS = headed("red_flags", [
    ("unit_name", None, 24),
    ("unit_kind", None, 9),
    ("rule", "#,##0", 8),
    ("rule_label", None, 24),
    ("item_name", None, 60),
    ("reason", None, 60),
    ("due_date", "dd/mm/yyyy", 11),
    ("lead_office", None, 20),
])
REQUEST_COLUMNS = headed("requests", [
    ("office_name", None, 26),
    ("unit_name", None, 22),
    ("task_no", None, 9),
    ("kind_label", None, 14),
    ("text", None, 60),
    ("state_label", None, 14),
    ("days_waiting", "#,##0", 10),
    ("raised_at", "dd/mm/yyyy", 11),
    ("answer", None, 40),
])
KPI_COLUMNS = headed("kpi_progress", [
    ("kpi_name", None, 55),
    ("horizon", "0", 12),
    ("target_text", None, 50),
    ("actual_value", "#,##0.0", 14),
    ("expected_value", "#,##0.0", 24),
    ("unit_of_measure", None, 12),
    ("status_label", None, 16),
])
# Same column widths as KPI_COLUMNS: the two tables share a unit sheet.
UNIT_FLAG_COLUMNS = headed("red_flags", [
    ("item_name", None, 55),
    ("rule", "#,##0", 12),
    ("reason", None, 50),
    ("due_date", "dd/mm/yyyy", 14),
    ("rule_label", None, 24),
])
# Scorecard lines of a unit sheet: (view column, label, number format); the rank's label names the unit count
SCORECARD_LINES = [("rank", "Xếp hạng (trên {units} xã, phường)", "#,##0"), *headed("unit_scorecard", [
    ("grade", None),
    ("score", "0.0"),
    ("tasks_total", "#,##0"),
    ("tasks_due", "#,##0"),
    ("tasks_done", "#,##0"),
    ("tasks_overdue", "#,##0"),
    ("completion_rate", "0.0%"),
    ("kpis_evaluated", "#,##0"),
    ("kpis_on_track", "#,##0"),
    ("kpis_unreported", "#,##0"),
    ("kpi_on_track_rate", "0.0%"),
    ("red_flag_count", "#,##0"),
    # then one line per rule, flags_rule_N, labelled from flags_by_rule (see scorecard_lines)
    ("periods_due", "#,##0"),
    ("periods_received", "#,##0"),
    ("periods_on_time", "#,##0"),
    ("timeliness_rate", "0.0%"),
])]


def scorecard_lines(data: PackData) -> list[tuple[str, str, str | None]]:
    """SCORECARD_LINES with the unit count filled in and, after the red flag count, one line per
    rule named by the view's rule_label."""
    lines = []
    for key, label, number_format in SCORECARD_LINES:
        lines.append((key, label.format(units=len(data.scorecard)), number_format))
        if key == "red_flag_count":
            lines += [(f"flags_rule_{rule}", f"— Quy tắc {rule}: {label.lower()}", "#,##0")
                      for rule, label in sorted(data.rule_labels.items())]
    return lines


SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet name: []:*?/\\ removed, at most 31 characters, no apostrophe at
    either end (Excel refuses it), unique ignoring case against `taken` (which it extends)."""
    base = SHEET_NAME_FORBIDDEN.sub("", str(name or "")).strip().strip("'").strip() or "Đơn vị"
    base = base[:31].rstrip("'").rstrip() or "Đơn vị"
    candidate, counter = base, 2
    while candidate.casefold() in taken:
        suffix = f" ({counter})"
        candidate = base[: 31 - len(suffix)].rstrip("'") + suffix
        counter += 1
    taken.add(candidate.casefold())
    return candidate


def _cell_value(value: object) -> object:
    """A value openpyxl can store: missing → empty, timestamps → dates, numpy → Python (text is
    kept from running as a formula when the workbook is saved: protect_text_cells)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date()
    if isinstance(value, (list, tuple)):
        value = "; ".join(map(str, value))
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


class _Styles:
    def __init__(self):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="BFBFBF")
        self.header_font = Font(bold=True, color="FFFFFF")
        self.header_fill = PatternFill("solid", fgColor="1F4E79")
        self.header_align = Alignment(wrap_text=True, vertical="center", horizontal="center")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.title_font = Font(bold=True, size=14, color="1F4E79")
        self.section_font = Font(bold=True, size=12, color="1F4E79")
        self.bold = Font(bold=True)
        self.demo_font = Font(bold=True, color="C00000")
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.centre = Alignment(horizontal="center", vertical="top")
        self.top = Alignment(vertical="top")
        self.link_font = Font(color="0563C1", underline="single")
        self.grade_fills = {g: PatternFill("solid", fgColor=c.lstrip("#")) for g, c in GRADE_COLOURS.items()}
        self.status_fonts = {label: Font(color=style[0].lstrip("#"), bold=True) for label, style in STATUS_STYLE.items()}


def _write_table(sheet, top: int, frame: pd.DataFrame, columns, styles: _Styles, wrap: set[str] = frozenset(),
                 kind_labels: dict[str, str] | None = None) -> int:
    """A header row at `top` and one row per record; returns the last row written."""
    for index, (_, header, _, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=top, column=index, value=header)
        cell.font, cell.fill, cell.alignment, cell.border = (styles.header_font, styles.header_fill,
                                                             styles.header_align, styles.border)
    row_number = top
    keys = [key for key, *_ in columns]
    wrapped = [(position, width) for position, (key, _, _, width) in enumerate(columns) if key in wrap]
    for record in frame[keys].itertuples(index=False, name=None):
        row_number += 1
        if wrapped:
            # openpyxl cannot autofit: size the row for the longest wrapped text (about 1.1 char per width unit)
            lines = max(math.ceil(len(str(record[i] or "")) / (width * 1.1)) for i, width in wrapped)
            if lines > 1:
                sheet.row_dimensions[row_number].height = 15 * min(lines, 12)
        for index, (value, (key, _, number_format, _)) in enumerate(zip(record, columns), start=1):
            if kind_labels and key == "unit_kind":
                value = kind_labels.get(value, value)
            cell = sheet.cell(row=row_number, column=index, value=_cell_value(value))
            cell.border = styles.border
            cell.alignment = styles.top
            if number_format:
                cell.number_format = number_format
            if key in wrap:
                cell.alignment = styles.wrap
            elif key == "grade" and value in styles.grade_fills:
                cell.fill = styles.grade_fills[value]
                cell.font = styles.bold
                cell.alignment = styles.centre
            elif key in ("rule", "horizon"):
                cell.alignment = styles.centre
            elif key == "status_label" and value in styles.status_fonts:
                cell.font = styles.status_fonts[value]
    return row_number


def _open_requests(data: PackData) -> pd.DataFrame:
    """The open requests of the pack (none for a pack made without them)."""
    if data.requests is None:
        return pd.DataFrame(columns=[key for key, *_ in REQUEST_COLUMNS])
    return data.requests


def _set_widths(sheet, columns) -> None:
    from openpyxl.utils import get_column_letter

    for index, (_, _, _, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _print_setup(sheet, as_of: date, landscape: bool = True) -> None:
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddHeader.center.text = f"{TITLE} — số liệu tính đến ngày {vn_date(as_of)}"
    sheet.oddFooter.center.text = "Trang &P/&N"


def write_workbook(data: PackData, path: Path, progress: Progress | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.worksheet.hyperlink import Hyperlink

    report = progress or no_progress
    styles = _Styles()
    workbook = Workbook()
    taken = {name.casefold() for name in FIXED_SHEETS}
    unit_sheets = {unit_id: sheet_title(name, taken)
                   for unit_id, name in zip(data.scorecard["unit_id"], data.scorecard["unit_name"])}

    # Cover
    cover = workbook.active
    cover.title = COVER_SHEET
    cover["A1"] = TITLE
    cover["A1"].font = styles.title_font
    cover["A2"] = PROVINCE
    cover["A3"] = f"Số liệu tính đến ngày {vn_date(data.as_of)}"
    cover["A3"].font = styles.bold
    cover["A4"] = f"Ngày lập: {data.generated_at:%d/%m/%Y %H:%M}"
    row = 5
    if data.has_demo:
        cover.cell(row=row, column=1, value=DEMO_NOTICE).font = styles.demo_font
        row += 1
    row += 1
    cover.cell(row=row, column=1, value="Nội dung").font = styles.section_font
    contents = [
        (LEAGUE_SHEET, f"Xếp hạng {len(data.scorecard)} xã, phường theo điểm"),
        (FLAGS_SHEET, f"{vn_number(len(data.flags))} cảnh báo đỏ và lý do"),
        (REQUESTS_SHEET, f"{vn_number(len(_open_requests(data)))} khó khăn, kiến nghị đang mở, theo cơ quan xử lý"),
    ]
    for sheet_name, text in contents:
        row += 1
        cell = cover.cell(row=row, column=1, value=sheet_name)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet_name}'!A1")
        cell.font = styles.link_font
        cover.cell(row=row, column=2, value=text)
    row += 1
    cover.cell(row=row, column=1, value="Các trang tính tiếp theo")
    cover.cell(row=row, column=2, value="Mỗi xã, phường một trang tính: kết quả tổng hợp, cảnh báo đỏ, chỉ tiêu")
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 70
    _print_setup(cover, data.as_of, landscape=False)
    report(0.05, "Đang tạo bảng xếp hạng…")

    # League table
    league = workbook.create_sheet(LEAGUE_SHEET)
    last = _write_table(league, 1, data.league, LEAGUE_COLUMNS, styles)
    name_column = [key for key, *_ in LEAGUE_COLUMNS].index("unit_name") + 1
    for offset, unit_id in enumerate(data.league["unit_id"]):
        cell = league.cell(row=2 + offset, column=name_column)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=_sheet_ref(unit_sheets[unit_id]))
        cell.font = styles.link_font
    league.freeze_panes = "C2"
    league.auto_filter.ref = f"A1:{_column_letter(len(LEAGUE_COLUMNS))}{max(last, 2)}"
    league.row_dimensions[1].height = 45
    _set_widths(league, LEAGUE_COLUMNS)
    _print_setup(league, data.as_of)
    report(0.1, "Đang tạo danh sách cảnh báo đỏ…")

    # Red flags (every row of the view: communes, wards and province departments)
    flag_sheet = workbook.create_sheet(FLAGS_SHEET)
    last = _write_table(flag_sheet, 1, data.flags, FLAG_COLUMNS, styles, wrap={"item_name", "reason"},
                        kind_labels=data.kind_labels)
    flag_sheet.freeze_panes = "B2"
    flag_sheet.auto_filter.ref = f"A1:{_column_letter(len(FLAG_COLUMNS))}{max(last, 2)}"
    flag_sheet.row_dimensions[1].height = 30
    _set_widths(flag_sheet, FLAG_COLUMNS)
    _print_setup(flag_sheet, data.as_of)
    # Open requests by the office they wait on, longest waiting first within each
    request_sheet = workbook.create_sheet(REQUESTS_SHEET)
    ordered = _open_requests(data).assign(_office=lambda f: f["office_name"].fillna(""))
    ordered = ordered.sort_values(["_office", "days_waiting"], ascending=[True, False], kind="stable", na_position="last")
    last = _write_table(request_sheet, 1, ordered, REQUEST_COLUMNS, styles, wrap={"text", "answer"})
    request_sheet.freeze_panes = "B2"
    request_sheet.auto_filter.ref = f"A1:{_column_letter(len(REQUEST_COLUMNS))}{max(last, 2)}"
    request_sheet.row_dimensions[1].height = 30
    _set_widths(request_sheet, REQUEST_COLUMNS)
    _print_setup(request_sheet, data.as_of)
    report(0.2, "Đang tạo trang tính từng xã, phường…")

    # One sheet per commune/ward
    flags_by_unit = dict(tuple(data.flags.groupby("unit_id", sort=False)))
    kpis_by_unit = dict(tuple(data.kpis.groupby("unit_id", sort=False)))
    empty_flags, empty_kpis = data.flags.iloc[0:0], data.kpis.iloc[0:0]
    total = len(data.scorecard)
    for number, unit in enumerate(data.scorecard.itertuples(index=False), start=1):
        sheet = workbook.create_sheet(unit_sheets[unit.unit_id])
        _write_unit_sheet(sheet, unit, flags_by_unit.get(unit.unit_id, empty_flags),
                          kpis_by_unit.get(unit.unit_id, empty_kpis), data, styles)
        if number % 10 == 0 or number == total:
            report(0.2 + 0.7 * number / total, f"Đang tạo trang tính từng xã, phường ({number}/{total})…")

    report(0.92, "Đang lưu tệp Excel…")
    protect_text_cells(cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row)
    workbook.save(path)
    report(1.0, "Đã lưu tệp Excel.")


def _sheet_ref(title: str) -> str:
    return "'" + title.replace("'", "''") + "'!A1"


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def _write_unit_sheet(sheet, unit, flags: pd.DataFrame, kpis: pd.DataFrame, data: PackData, styles: _Styles) -> None:
    from openpyxl.worksheet.hyperlink import Hyperlink

    sheet["A1"] = _cell_value(unit.unit_name)
    sheet["A1"].font = styles.title_font
    sheet["A2"] = f"{(data.kind_labels or {}).get(unit.unit_kind, unit.unit_kind)} — số liệu tính đến ngày {vn_date(data.as_of)}"
    back = sheet["D1"]
    back.value = "← Bảng xếp hạng"
    back.hyperlink = Hyperlink(ref="D1", location=_sheet_ref(LEAGUE_SHEET))
    back.font = styles.link_font
    row = 3
    if data.has_demo:
        sheet.cell(row=row, column=1, value=DEMO_LABEL).font = styles.demo_font
        row += 1

    row += 1
    sheet.cell(row=row, column=1, value="Kết quả tổng hợp").font = styles.section_font
    for key, label, number_format in scorecard_lines(data):
        row += 1
        sheet.cell(row=row, column=1, value=label).border = styles.border
        value = getattr(unit, key)
        cell = sheet.cell(row=row, column=2, value=_cell_value(value))
        cell.border = styles.border
        if number_format:
            cell.number_format = number_format
        if key == "grade" and value in styles.grade_fills:
            cell.fill = styles.grade_fills[value]
            cell.font = styles.bold

    row += 2
    sheet.cell(row=row, column=1, value=f"Cảnh báo đỏ ({vn_number(len(flags))})").font = styles.section_font
    row += 1
    if len(flags):
        row = _write_table(sheet, row, flags, UNIT_FLAG_COLUMNS, styles, wrap={"item_name", "reason"})
    else:
        sheet.cell(row=row, column=1, value="Không có cảnh báo đỏ.")

    row += 2
    sheet.cell(row=row, column=1, value=f"Chỉ tiêu (mốc đang theo dõi, {vn_number(len(kpis))} chỉ tiêu)").font = styles.section_font
    row += 1
    if len(kpis):
        top = row
        row = _write_table(sheet, row, kpis, KPI_COLUMNS, styles, wrap={"kpi_name", "target_text"})
        sheet.auto_filter.ref = f"A{top}:{_column_letter(len(KPI_COLUMNS))}{row}"
    else:
        sheet.cell(row=row, column=1, value="Chưa có chỉ tiêu cho đơn vị này.")

    _set_widths(sheet, KPI_COLUMNS)
    _print_setup(sheet, data.as_of)
