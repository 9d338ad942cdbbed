"""The meeting pack: one Excel workbook and one PDF for a given as-of date.

Every number comes from the contract views (`unit_scorecard`, `red_flags`, `kpi_progress`)
through `db.query_view`; this module only arranges, formats and draws them. Every text cell of
the workbook and of the PDF goes through `exports.neutralise_text`, so nothing a unit typed can run as a formula.
The PDF embeds DejaVu Sans, the font that ships inside matplotlib and covers Vietnamese, so the
output never depends on the fonts installed on the machine.
"""
from __future__ import annotations

import io
import math
import re
import struct
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from nq57 import db
from nq57.palette import GRADE_COLOURS, RULE_COLOURS, STATUS_STYLE
from nq57.vnformat import vn_date, vn_number, vn_percent
from nq57.exports import neutralise_text
from nq57.textparse import fold_diacritics

Progress = Callable[[float, str], None]

TITLE = "Báo cáo tiến độ thực hiện Nghị quyết 57-NQ/TW"
PROVINCE = "tỉnh Đồng Nai"
DEMO_NOTICE = "Dữ liệu minh họa: gói họp có chứa số liệu báo cáo minh họa, không phải số liệu thật."

COVER_SHEET = "Thông tin"
LEAGUE_SHEET = "Bảng xếp hạng"
FLAGS_SHEET = "Cảnh báo đỏ"
FIXED_SHEETS = (COVER_SHEET, LEAGUE_SHEET, FLAGS_SHEET)

PDF_FLAG_LIMIT = 400
KIND_LABELS = {"ward": "Phường", "commune": "Xã", "department": "Sở, ngành", "province": "Tỉnh"}

# League table columns: (view column, header, number format or None, width)
LEAGUE_COLUMNS = [
    ("rank", "Hạng", "#,##0", 7),
    ("unit_name", "Xã, phường", None, 24),
    ("unit_kind", "Loại", None, 9),
    ("grade", "Xếp loại", None, 9),
    ("score", "Điểm", "0.0", 8),
    ("completion_rate", "Tỷ lệ hoàn thành nhiệm vụ", "0.0%", 14),
    ("kpi_on_track_rate", "Tỷ lệ chỉ tiêu đúng tiến độ", "0.0%", 14),
    ("red_flag_count", "Số cảnh báo đỏ", "#,##0", 10),
    ("timeliness_rate", "Tỷ lệ báo cáo đúng hạn", "0.0%", 14),
    ("tasks_due", "Nhiệm vụ đến hạn", "#,##0", 10),
    ("tasks_done", "Nhiệm vụ hoàn thành", "#,##0", 11),
    ("tasks_overdue", "Nhiệm vụ quá hạn", "#,##0", 10),
]
FLAG_COLUMNS = [
    ("unit_name", "Đơn vị", None, 24),
    ("unit_kind", "Loại", None, 9),
    ("rule", "Quy tắc", "#,##0", 8),
    ("rule_label", "Tên quy tắc", None, 24),
    ("item_name", "Nội dung", None, 60),
    ("reason", "Lý do", None, 60),
    ("due_date", "Hạn", "dd/mm/yyyy", 11),
    ("lead_office", "Đơn vị chủ trì", None, 20),
]
KPI_COLUMNS = [
    ("kpi_name", "Chỉ tiêu", None, 55),
    ("horizon", "Mốc", "0", 12),
    ("target_text", "Mục tiêu", None, 50),
    ("actual_value", "Thực tế", "#,##0.0", 14),
    ("expected_value", "Theo lộ trình", "#,##0.0", 24),
    ("unit_of_measure", "Đơn vị tính", None, 12),
    ("status_label", "Tình trạng", None, 16),
]
# Same column widths as KPI_COLUMNS: the two tables share a unit sheet.
UNIT_FLAG_COLUMNS = [
    ("item_name", "Nội dung", None, 55),
    ("rule", "Quy tắc", "#,##0", 12),
    ("reason", "Lý do", None, 50),
    ("due_date", "Hạn", "dd/mm/yyyy", 14),
    ("rule_label", "Tên quy tắc", None, 24),
]
# Scorecard lines of a unit sheet: (view column, label, number format)
SCORECARD_LINES = [
    ("rank", "Xếp hạng (trên 95 xã, phường)", "#,##0"),
    ("grade", "Xếp loại", None),
    ("score", "Điểm", "0.0"),
    ("tasks_total", "Số nhiệm vụ", "#,##0"),
    ("tasks_due", "Nhiệm vụ đến hạn", "#,##0"),
    ("tasks_done", "Nhiệm vụ hoàn thành", "#,##0"),
    ("tasks_overdue", "Nhiệm vụ quá hạn", "#,##0"),
    ("completion_rate", "Tỷ lệ hoàn thành nhiệm vụ", "0.0%"),
    ("kpis_evaluated", "Chỉ tiêu được đánh giá", "#,##0"),
    ("kpis_on_track", "Chỉ tiêu đúng tiến độ", "#,##0"),
    ("kpis_unreported", "Chỉ tiêu chưa có số liệu", "#,##0"),
    ("kpi_on_track_rate", "Tỷ lệ chỉ tiêu đúng tiến độ", "0.0%"),
    ("red_flag_count", "Số cảnh báo đỏ", "#,##0"),
    ("flags_rule_1", "— Quy tắc 1: quá hạn, chưa hoàn thành", "#,##0"),
    ("flags_rule_2", "— Quy tắc 2: dưới 50% tiến độ", "#,##0"),
    ("flags_rule_3", "— Quy tắc 3: minh chứng thiếu chất lượng", "#,##0"),
    ("flags_rule_4", "— Quy tắc 4: chưa nộp báo cáo", "#,##0"),
    ("periods_due", "Kỳ báo cáo đến hạn", "#,##0"),
    ("periods_received", "Kỳ báo cáo đã nhận", "#,##0"),
    ("periods_on_time", "Kỳ báo cáo đúng hạn", "#,##0"),
    ("timeliness_rate", "Tỷ lệ báo cáo đúng hạn", "0.0%"),
]

SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class PackFiles:
    xlsx: Path
    pdf: Path


@dataclass
class PackData:
    as_of: date
    generated_at: datetime
    has_demo: bool
    scorecard: pd.DataFrame   # 95 communes/wards, by rank
    flags: pd.DataFrame       # every row of red_flags
    kpis: pd.DataFrame        # kpi_progress, current horizon, communes/wards


def _name_key(name: object) -> str:
    """Alphabetical order for Vietnamese names: diacritics folded (Đăk Ơ sorts under D)."""
    return fold_diacritics(str(name or "")).casefold()


def pack_file_names(as_of: date) -> tuple[str, str]:
    stem = f"goi_hop_{as_of.isoformat()}"
    return f"{stem}.xlsx", f"{stem}.pdf"


def build_pack(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    out_dir: Path,
    progress: Progress | None = None,
) -> PackFiles:
    """Write goi_hop_YYYY-MM-DD.xlsx and .pdf into out_dir; progress(fraction, message) as it goes.
    Holds `con` while drawing: callers that share the database read with load_pack_data, close
    the connection, then call write_pack."""
    report = progress or (lambda fraction, message: None)
    report(0.0, "Đang đọc số liệu từ cơ sở dữ liệu…")
    return write_pack(load_pack_data(con, as_of), out_dir, progress)


def write_pack(data: PackData, out_dir: Path, progress: Progress | None = None) -> PackFiles:
    """The two files from figures already read; needs no database."""
    report = progress or (lambda fraction, message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx_name, pdf_name = pack_file_names(data.as_of)

    report(0.15, "Đang tạo tệp Excel…")
    xlsx_path = out_dir / xlsx_name
    write_workbook(data, xlsx_path, lambda f, m: report(0.15 + 0.45 * f, m))

    report(0.6, "Đang vẽ biểu đồ…")
    pdf_path = out_dir / pdf_name
    write_pdf(data, pdf_path, lambda f, m: report(0.6 + 0.4 * f, m))

    report(1.0, "Đã tạo xong gói họp.")
    return PackFiles(xlsx=xlsx_path, pdf=pdf_path)


def load_pack_data(con: duckdb.DuckDBPyConnection, as_of: date) -> PackData:
    scorecard = db.query_view(con, "unit_scorecard", as_of=as_of, order_by="rank")
    scorecard = scorecard.sort_values(["rank", "unit_name"], kind="stable").reset_index(drop=True)
    flags = db.query_view(con, "red_flags", as_of=as_of)
    flags = (flags.assign(_name_key=flags["unit_name"].map(_name_key))
             .sort_values(["_name_key", "unit_name", "rule", "due_date", "item_name"], kind="stable", na_position="last")
             .drop(columns="_name_key"))
    kpis = db.query_view(con, "kpi_progress", as_of=as_of, filters={"is_current_horizon": True})
    kpis = kpis[kpis["unit_id"].isin(scorecard["unit_id"])]
    kpis = kpis.sort_values(["unit_id", "kpi_name", "horizon"], kind="stable")
    has_demo = bool(con.execute("select exists(select 1 from report_batches where is_demo)").fetchone()[0])
    return PackData(as_of=as_of, generated_at=datetime.now(), has_demo=has_demo,
                    scorecard=scorecard, flags=flags.reset_index(drop=True), kpis=kpis.reset_index(drop=True))


# ---------------------------------------------------------------------------------------------
# Excel
# ---------------------------------------------------------------------------------------------

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
    """A value openpyxl can store: missing → empty, timestamps → dates, numpy → Python,
    text neutralised against formula injection."""
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
    return neutralise_text(value)


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
                 kind_labels: bool = False) -> int:
    """A header row at `top` and one row per record; returns the last row written."""
    for index, (_, header, _, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=top, column=index, value=neutralise_text(header))
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
                value = KIND_LABELS.get(value, value)
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

    report = progress or (lambda fraction, message: None)
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
    ]
    for sheet_name, text in contents:
        row += 1
        cell = cover.cell(row=row, column=1, value=sheet_name)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet_name}'!A1")
        cell.font = styles.link_font
        cover.cell(row=row, column=2, value=text)
    row += 1
    cover.cell(row=row, column=1, value="Các sheet tiếp theo")
    cover.cell(row=row, column=2, value="Mỗi xã, phường một sheet: kết quả tổng hợp, cảnh báo đỏ, chỉ tiêu")
    cover.column_dimensions["A"].width = 22
    cover.column_dimensions["B"].width = 70
    _print_setup(cover, data.as_of, landscape=False)
    report(0.05, "Đang tạo bảng xếp hạng…")

    # League table
    league = workbook.create_sheet(LEAGUE_SHEET)
    last = _write_table(league, 1, data.scorecard, LEAGUE_COLUMNS, styles, kind_labels=True)
    name_column = [key for key, *_ in LEAGUE_COLUMNS].index("unit_name") + 1
    for offset, unit_id in enumerate(data.scorecard["unit_id"]):
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
                        kind_labels=True)
    flag_sheet.freeze_panes = "B2"
    flag_sheet.auto_filter.ref = f"A1:{_column_letter(len(FLAG_COLUMNS))}{max(last, 2)}"
    flag_sheet.row_dimensions[1].height = 30
    _set_widths(flag_sheet, FLAG_COLUMNS)
    _print_setup(flag_sheet, data.as_of)
    report(0.2, "Đang tạo sheet từng xã, phường…")

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
            report(0.2 + 0.7 * number / total, f"Đang tạo sheet từng xã, phường ({number}/{total})…")

    report(0.92, "Đang lưu tệp Excel…")
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
    sheet["A2"] = f"{KIND_LABELS.get(unit.unit_kind, unit.unit_kind)} — số liệu tính đến ngày {vn_date(data.as_of)}"
    back = sheet["D1"]
    back.value = "← Bảng xếp hạng"
    back.hyperlink = Hyperlink(ref="D1", location=_sheet_ref(LEAGUE_SHEET))
    back.font = styles.link_font
    row = 3
    if data.has_demo:
        sheet.cell(row=row, column=1, value="Dữ liệu minh họa").font = styles.demo_font
        row += 1

    row += 1
    sheet.cell(row=row, column=1, value="Kết quả tổng hợp").font = styles.section_font
    for key, label, number_format in SCORECARD_LINES:
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


# ---------------------------------------------------------------------------------------------
# Charts (matplotlib, Agg, DejaVu Sans shipped with matplotlib)
# ---------------------------------------------------------------------------------------------

def font_paths() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold from matplotlib's own data folder (Vietnamese glyphs included)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _chart_style() -> dict:
    return {"font.family": "DejaVu Sans", "font.size": 10, "axes.spines.top": False,
            "axes.spines.right": False, "savefig.dpi": 150}


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def _vn_axis(value, _position=None) -> str:
    return vn_number(value, 0)


def grade_chart(scorecard: pd.DataFrame) -> bytes:
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    grades = list(GRADE_COLOURS)
    counts = [int((scorecard["grade"] == g).sum()) for g in grades]
    with plt.rc_context(_chart_style()):
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        bars = ax.bar(grades, counts, color=[GRADE_COLOURS[g] for g in grades], edgecolor="#333333")
        top = max(counts + [1])
        for bar, grade, count in zip(bars, grades, counts):
            x = bar.get_x() + bar.get_width() / 2
            ax.text(x, count + top * 0.02, f"{grade}: {count} đơn vị", ha="center", va="bottom", fontweight="bold")
            if count:
                ax.text(x, count / 2, grade, ha="center", va="center", fontsize=16, fontweight="bold", color="#111111")
        ax.set_ylim(0, top * 1.2)
        ax.set_ylabel("Số xã, phường")
        ax.set_xticks(range(len(grades)), ["A (≥ 90)", "B (80–89)", "C (70–79)", "D (50–69)", "E (< 50)"])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(_vn_axis))
        ax.set_title("Xã, phường theo xếp loại", fontweight="bold")
        return _png(fig)


def rule_chart(flags: pd.DataFrame) -> bytes:
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    by_rule = (flags.groupby(["rule", "rule_label"]).agg(flag_count=("unit_id", "size"),
                                                          units=("unit_id", "nunique"))
               .reset_index().sort_values("rule"))
    with plt.rc_context(_chart_style()):
        fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.7 * max(len(by_rule), 1)))
        if len(by_rule):
            labels = [f"Quy tắc {int(r)}\n{label}" for r, label in zip(by_rule["rule"], by_rule["rule_label"])]
            counts = by_rule["flag_count"].astype(int).tolist()
            ax.barh(labels, counts, color=[RULE_COLOURS.get(int(r), "#999999") for r in by_rule["rule"]])
            for y, (count, units) in enumerate(zip(counts, by_rule["units"])):
                ax.text(count + max(counts) * 0.01, y, f"{vn_number(count)} cảnh báo · {vn_number(units)} đơn vị",
                        va="center")
            ax.set_xlim(0, max(counts) * 1.45)
            ax.invert_yaxis()
        else:
            ax.text(0.5, 0.5, "Không có cảnh báo đỏ tại ngày này.", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.xaxis.set_major_formatter(FuncFormatter(_vn_axis))
        ax.set_xlabel("Số cảnh báo đỏ")
        ax.set_title("Cảnh báo đỏ theo quy tắc", fontweight="bold")
        return _png(fig)


def top_bottom_chart(scorecard: pd.DataFrame, n: int = 10) -> bytes:
    plt = _pyplot()

    ordered = scorecard.sort_values("rank", kind="stable")
    top, bottom = ordered.head(n), ordered.tail(n) if len(ordered) > n else ordered.iloc[0:0]
    bottom = bottom[~bottom["unit_id"].isin(top["unit_id"])]
    with plt.rc_context(_chart_style()):
        fig, axes = plt.subplots(2, 1, figsize=(7.5, 1.6 + 0.62 * (len(top) + len(bottom))), sharex=True,
                                 height_ratios=[max(len(top), 1), max(len(bottom), 1)])
        for ax, rows, title in ((axes[0], top, f"{len(top)} đơn vị dẫn đầu"),
                                (axes[1], bottom, f"{len(bottom)} đơn vị cuối bảng")):
            labels = [f"{int(r)}. {name}" for r, name in zip(rows["rank"], rows["unit_name"])]
            scores = rows["score"].fillna(0).tolist()
            ax.barh(labels, scores, color=[GRADE_COLOURS.get(g, "#999999") for g in rows["grade"]], edgecolor="#333333")
            for y, (score, grade) in enumerate(zip(scores, rows["grade"])):
                ax.text(score + 1, y, f"{vn_number(score, 1)} · {grade}", va="center", fontsize=9)
            ax.set_xlim(0, 118)
            ax.invert_yaxis()
            ax.set_title(title, fontweight="bold")
        axes[1].set_xlabel("Điểm")
        fig.tight_layout()
        return _png(fig)


# ---------------------------------------------------------------------------------------------
# PDF (fpdf2)
# ---------------------------------------------------------------------------------------------

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

    report = progress or (lambda fraction, message: None)
    charts = {"grade": grade_chart(data.scorecard), "rules": rule_chart(data.flags),
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
        "Tệp Excel đi kèm có bảng xếp hạng, toàn bộ cảnh báo đỏ và một sheet cho mỗi xã, phường.",
    ]
    pdf.set_font("DejaVu", "", 11)
    for line in lines:
        pdf.multi_cell(0, 7, _nfc(line), align="C", new_x="LMARGIN", new_y="NEXT")
    if data.has_demo:
        pdf.ln(10)
        pdf.set_draw_color(192, 0, 0)
        pdf.set_text_color(192, 0, 0)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 8, "Dữ liệu minh họa", border="LTR", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 6, "Gói họp có chứa số liệu báo cáo minh họa, không phải số liệu thật.",
                       border="LBR", align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
        pdf.set_draw_color(0, 0, 0)


def _league_pages(pdf, data: PackData, FontFace) -> None:
    pdf.add_page()
    _heading(pdf, f"Bảng xếp hạng {vn_number(len(data.scorecard))} xã, phường")
    pdf.set_font("DejaVu", "", 8.5)
    headings = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=(31, 78, 121))
    grade_faces = {g: FontFace(emphasis="BOLD", fill_color=_rgb(c)) for g, c in GRADE_COLOURS.items()}
    with pdf.table(
        col_widths=(13, 53, 15, 15, 24, 24, 18, 20),
        text_align=("RIGHT", "LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=headings, line_height=4.6, padding=(0.8, 1.2), width=182,
    ) as table:
        header = table.row()
        for text in ("Hạng", "Xã, phường", "Xếp loại", "Điểm", "Hoàn thành nhiệm vụ",
                     "Chỉ tiêu đúng tiến độ", "Cảnh báo đỏ", "Báo cáo đúng hạn"):
            header.cell(text, align="CENTER")
        for unit in data.scorecard.itertuples(index=False):
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
                         "tiến độ, tỷ lệ báo cáo đúng hạn và tỷ lệ không có cảnh báo đỏ. Xếp loại A ≥ 90, B ≥ 80, "
                         "C ≥ 70, D ≥ 50, E dưới 50.", new_x="LMARGIN", new_y="NEXT")


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
        pdf.multi_cell(0, 6, f"… và còn {vn_number(hidden)} cảnh báo đỏ khác trong tệp Excel (sheet «{FLAGS_SHEET}»).",
                       new_x="LMARGIN", new_y="NEXT")
