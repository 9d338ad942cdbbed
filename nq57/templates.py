"""Excel templates written with openpyxl: a report template for a unit (or the whole province)
and a period, and a plan template for loading a new plan without code."""
from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nq57 import db
from nq57.workbook_format import (
    INSTRUCTIONS_SHEET, KPI_COLUMNS, KPI_SHEET, META_SHEET, PLAN_META_KIND, REPORT_META_KIND, STATUS_LABELS,
    TASK_COLUMNS, TASK_SHEET, TEMPLATE_VERSION, Column,
)

HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_ROW = 3  # rows 1-2 hold the title and a one-line reminder

INSTRUCTIONS = [
    "HƯỚNG DẪN ĐIỀN MẪU BÁO CÁO",
    "",
    "1. Chỉ điền vào các ô nền trắng: Giá trị (hoặc Tử số và Mẫu số), Trạng thái, Tỷ lệ hoàn thành, Minh chứng, "
    "Khó khăn, Kiến nghị, Ghi chú. Các cột nền xám (mã, tên, mục tiêu, kỳ trước) đã khóa.",
    "2. Số thập phân dùng dấu phẩy (2,5) hoặc dấu chấm; có thể ghi 80% hoặc 80. Để trống nếu chưa có số liệu "
    "(để trống khác với 0).",
    "3. Chỉ tiêu dạng tỷ lệ: có thể nhập Tử số và Mẫu số thay cho Giá trị; Tử số không được lớn hơn Mẫu số.",
    "4. Trạng thái nhiệm vụ chọn trong danh sách: Chưa thực hiện, Đang thực hiện, Hoàn thành. "
    "Nhiệm vụ Hoàn thành bắt buộc ghi Minh chứng (số, ngày văn bản hoặc tên tệp).",
    "5. Tỷ lệ hoàn thành từ 0 đến 100.",
    "6. Không đổi tên trang, không xóa trang _meta (ẩn): hệ thống dùng nó để kiểm tra đơn vị và kỳ báo cáo.",
    "7. Tải tệp lên trang 'Nhập báo cáo'. Nếu có lỗi, hệ thống liệt kê từng ô (Trang!Ô) để sửa; "
    "không có dữ liệu nào được ghi cho đến khi tệp hợp lệ và bạn bấm Ghi nhận.",
    "8. Nộp lại tệp cho cùng kỳ sẽ thay thế bản trước; bản trước vẫn được lưu trong lịch sử.",
]


def _period_start(period: str) -> date:
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def _report_units(con: duckdb.DuckDBPyConnection, unit: str) -> list[str]:
    if unit != "all":
        return [unit]
    return [row[0] for row in con.execute(
        "select unit_id from units where kind in ('ward', 'commune') "
        "or (kind = 'department' and unit_id in (select unit_id from task_units)) order by sort_order"
    ).fetchall()]


def _write_table(sheet, title: str, columns: list[Column], rows: list[dict]) -> None:
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "Điền các ô nền trắng; các ô nền xám đã khóa. Xem trang 'Hướng dẫn'."
    sheet["A2"].font = Font(italic=True, color="555555")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=column.header)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for offset, row in enumerate(rows, start=1):
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=HEADER_ROW + offset, column=index, value=row.get(column.key))
            if column.editable:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = LOCKED_FILL
            if column.kind == "number":
                cell.number_format = "#,##0.##"
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=5)
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{HEADER_ROW + max(len(rows), 1)}"
    # Locked key columns; filtering and resizing stay allowed so the sheet remains usable.
    sheet.protection.sheet = True
    sheet.protection.autoFilter = False
    sheet.protection.sort = False
    sheet.protection.formatColumns = False


def _add_validations(sheet, columns: list[Column], row_count: int) -> None:
    last = HEADER_ROW + max(row_count, 1)
    keys = [c.key for c in columns]
    if "status" in keys:
        letter = get_column_letter(keys.index("status") + 1)
        status = DataValidation(type="list", formula1='"' + ",".join(STATUS_LABELS.values()) + '"', allow_blank=True,
                                showErrorMessage=True, errorTitle="Trạng thái",
                                error="Chọn: Chưa thực hiện, Đang thực hiện hoặc Hoàn thành")
        status.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        sheet.add_data_validation(status)
    if "percent_complete" in keys:
        letter = get_column_letter(keys.index("percent_complete") + 1)
        percent = DataValidation(type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
                                 showErrorMessage=True, errorTitle="Tỷ lệ hoàn thành", error="Nhập số từ 0 đến 100")
        percent.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
        sheet.add_data_validation(percent)
    for key in ("numerator", "denominator"):
        if key in keys:
            letter = get_column_letter(keys.index(key) + 1)
            count = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                   showErrorMessage=True, error="Nhập số không âm")
            count.add(f"{letter}{HEADER_ROW + 1}:{letter}{last}")
            sheet.add_data_validation(count)


def _write_meta(workbook: Workbook, fields: dict[str, str]) -> None:
    meta = workbook.create_sheet(META_SHEET)
    for row, (key, value) in enumerate(fields.items(), start=1):
        meta.cell(row=row, column=1, value=key)
        meta.cell(row=row, column=2, value=value)
    meta.sheet_state = "hidden"
    meta.protection.sheet = True


def build_report_template(con: duckdb.DuckDBPyConnection, unit: str, period: str) -> Workbook:
    """A report workbook for one unit (or 'all') and a period 'YYYY-MM'."""
    start = _period_start(period)
    units = _report_units(con, unit)
    known = {row[0] for row in con.execute("select unit_id from units").fetchall()}
    if unit != "all" and unit not in known:
        raise ValueError(f"không có đơn vị mã '{unit}'")
    params = {"period": start, "units": units}
    kpi_rows = con.execute(db.read_sql_file("workbook/template_kpi_rows"), params).df()
    task_rows = con.execute(db.read_sql_file("workbook/template_task_rows"), params).df()
    label = "toàn tỉnh" if unit == "all" else con.execute("select name from units where unit_id = ?", [unit]).fetchall()[0][0]

    workbook = Workbook()
    guide = workbook.active
    guide.title = INSTRUCTIONS_SHEET
    for row, text in enumerate(INSTRUCTIONS, start=1):
        guide.cell(row=row, column=1, value=text).alignment = Alignment(wrap_text=True)
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 120
    guide["A12"] = f"Đơn vị: {label} · Kỳ báo cáo: {start:%m/%Y} · Mẫu phiên bản {TEMPLATE_VERSION}"

    period_text = f"{start:%m/%Y}"
    kpi_sheet = workbook.create_sheet(KPI_SHEET)
    rows = [{**r, "period": period_text,
             "previous_value": None if r["previous_value"] != r["previous_value"] else r["previous_value"]}
            for r in kpi_rows.to_dict("records")]
    _write_table(kpi_sheet, f"Báo cáo chỉ tiêu — {label} — kỳ {period_text}", KPI_COLUMNS, rows)
    _add_validations(kpi_sheet, KPI_COLUMNS, len(rows))

    task_sheet = workbook.create_sheet(TASK_SHEET)
    rows = [{**r, "period": period_text,
             "previous_status": STATUS_LABELS.get(r["previous_status"]) if isinstance(r["previous_status"], str) else None}
            for r in task_rows.to_dict("records")]
    _write_table(task_sheet, f"Báo cáo tiến độ nhiệm vụ — {label} — kỳ {period_text}", TASK_COLUMNS, rows)
    _add_validations(task_sheet, TASK_COLUMNS, len(rows))

    _write_meta(workbook, {
        "kind": REPORT_META_KIND, "template_version": TEMPLATE_VERSION, "unit_id": unit,
        "period": f"{start:%Y-%m}", "generated_at": datetime.now().isoformat(timespec="seconds"),
    })
    workbook.active = 1
    return workbook


def save(workbook: Workbook, target: str | Path | io.BytesIO) -> None:
    workbook.save(target)


def report_template_bytes(con: duckdb.DuckDBPyConnection, unit: str, period: str) -> bytes:
    buffer = io.BytesIO()
    build_report_template(con, unit, period).save(buffer)
    return buffer.getvalue()
