"""Excel templates written with openpyxl: a report template for a unit (or the whole province)
and a period, and a plan template for loading a new plan without code."""
from __future__ import annotations

import io
from datetime import date, datetime

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from nq57 import db
from nq57.exports import neutralise_text
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
    "9. Khó khăn, Kiến nghị: mỗi dòng trong ô là một nội dung. Các nội dung đơn vị đã nêu mà còn chờ giải quyết "
    "được điền sẵn: giữ nguyên dòng nếu vẫn còn (hệ thống hiểu là cùng một kiến nghị, không tạo mới), thêm dòng "
    "cho nội dung mới; kiến nghị đã được giải quyết thì đóng trên trang 'Kiến nghị'.",
]


def _period_start(period: str) -> date:
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def _report_units(con: duckdb.DuckDBPyConnection, unit: str) -> list[str]:
    if unit != "all":
        return [unit]
    return [row[0] for row in con.execute(
        "select unit_id from units where is_commune_level(kind) "
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
            # plan text ('=HYPERLINK(…)' in a task) must reach the sheet as text, never as a formula
            cell = sheet.cell(row=HEADER_ROW + offset, column=index, value=neutralise_text(row.get(column.key)))
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


def _write_instructions(workbook: Workbook, lines: list[str], width: int):
    """The first sheet: the instructions in Vietnamese, one paragraph per row."""
    guide = workbook.active
    guide.title = INSTRUCTIONS_SHEET
    for row, text in enumerate(lines, start=1):
        guide.cell(row=row, column=1, value=text).alignment = Alignment(wrap_text=True)
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = width
    return guide


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
    guide = _write_instructions(workbook, INSTRUCTIONS, width=120)
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
             "previous_status": STATUS_LABELS.get(r["previous_status"]) if isinstance(r["previous_status"], str) else None,
             # the unit's still-open difficulties and requests, so the reporter sees what is pending
             "difficulties": r["difficulties"] if isinstance(r["difficulties"], str) else None,
             "requests": r["requests"] if isinstance(r["requests"], str) else None}
            for r in task_rows.to_dict("records")]
    _write_table(task_sheet, f"Báo cáo tiến độ nhiệm vụ — {label} — kỳ {period_text}", TASK_COLUMNS, rows)
    _add_validations(task_sheet, TASK_COLUMNS, len(rows))

    _write_meta(workbook, {
        "kind": REPORT_META_KIND, "template_version": TEMPLATE_VERSION, "unit_id": unit,
        "period": f"{start:%Y-%m}", "generated_at": datetime.now().isoformat(timespec="seconds"),
    })
    workbook.active = 1
    return workbook


def report_template_bytes(con: duckdb.DuckDBPyConnection, unit: str, period: str) -> bytes:
    buffer = io.BytesIO()
    build_report_template(con, unit, period).save(buffer)
    return buffer.getvalue()


# --- the plan template ---------------------------------------------------------------------------

PLAN_INSTRUCTIONS = [
    "HƯỚNG DẪN ĐIỀN MẪU KẾ HOẠCH",
    "",
    "Mẫu này dùng để nạp một kế hoạch mới của xã, phường (nhiệm vụ và chỉ tiêu) mà không cần lập trình. "
    "Điền ba trang 'Kế hoạch', 'Nhiệm vụ', 'Chỉ tiêu'; trang 'Danh mục' liệt kê mã đơn vị, mã chỉ tiêu và "
    "tên cơ quan đã có để chọn cho đúng.",
    "",
    "1. Trang 'Kế hoạch' — điền đúng một dòng (dòng 4):",
    "   • Mã kế hoạch: chữ không dấu, chữ số, dấu gạch ngang, chưa dùng cho kế hoạch nào (ví dụ: tan-an-cds-2026).",
    "   • Mã đơn vị ban hành: mã xã, phường ở trang 'Danh mục' (ví dụ: xa-tan-an).",
    "   • Tên cơ quan ban hành (để trống thì ghi 'Ủy ban nhân dân' + tên xã), Số hiệu (ví dụ: 125/KH-UBND), "
    "Ngày ban hành dạng dd/mm/yyyy (ví dụ: 15/10/2025), Tên kế hoạch (bắt buộc).",
    "   • Thực hiện kế hoạch: số hiệu các kế hoạch cấp trên, cách nhau bởi dấu chấm phẩy (ví dụ: 02-KH/BCĐ; 57-NQ/TW). "
    "Kế hoạch kế thừa mục tiêu của các kế hoạch này (trừ chỉ tiêu, mốc năm tự đặt); số hiệu không khớp văn bản nào "
    "được báo khi kiểm tra danh mục.",
    "   • Chu kỳ báo cáo: chọn Tháng hoặc Quý (để trống là Tháng).",
    "2. Trang 'Nhiệm vụ' — mỗi nhiệm vụ một dòng:",
    "   • STT không trùng nhau (1, 2, 1.1, PL1 …); Nội dung nhiệm vụ bắt buộc; Nhóm và Tên nhóm để gom nhiệm vụ (I, II …).",
    "   • Đơn vị chủ trì, Đơn vị phối hợp: ghi tên cơ quan như ở trang 'Danh mục' (không cần dấu, không phân biệt "
    "hoa thường); nhiều cơ quan cách nhau bởi dấu phẩy hoặc chấm phẩy. Tên không nhận ra vẫn được ghi nguyên văn "
    "kèm cảnh báo. Xã, phường ban hành kế hoạch chịu trách nhiệm báo cáo mọi nhiệm vụ.",
    "   • Mã chỉ tiêu liên quan: mã các chỉ tiêu mà nhiệm vụ góp phần (ở trang 'Danh mục' hoặc trang 'Chỉ tiêu' "
    "của kế hoạch này), cách nhau bởi dấu chấm phẩy; khi chỉ tiêu bị cảnh báo đỏ, hệ thống nêu các nhiệm vụ này.",
    "   • Thời hạn hoàn thành — các cách ghi hệ thống hiểu được:",
    "       Quý IV/2025 · Tháng 11/2025 · 30/09/2025 · Năm 2026 · Thường xuyên · Hằng tháng · "
    "Năm 2026 và các năm tiếp theo · Khi Trung ương, tỉnh có hướng dẫn",
    "     Cách ghi khác vẫn được nhận nhưng giữ nguyên văn bản, có cảnh báo, và nhiệm vụ không bị tính quá hạn.",
    "3. Trang 'Chỉ tiêu' — mỗi chỉ tiêu và mốc năm một dòng:",
    "   • Mã chỉ tiêu: ưu tiên mã có sẵn ở trang 'Danh mục' (ví dụ: dvc-toan-trinh). Mã mới (chữ không dấu, "
    "gạch ngang) phải ghi Tên chỉ tiêu và Đơn vị tính (%, Người, DN, Thứ bậc …).",
    "   • Mốc năm: 2025, 2026, 2030 hoặc 2045.",
    "   • Mục tiêu — ví dụ: ≥ 80% · 100% · Tốp 25 của tỉnh · ≥ 2%/năm · ≥ 80% trước ngày 01/01/2026. "
    "Mục tiêu định tính ghi bằng chữ, không có số (hoặc để trống).",
    "   • Mục tiêu của xã thay cho chỉ tiêu chung của tỉnh (02-KH/BCĐ) cùng chỉ tiêu, cùng mốc năm.",
    "4. Không đổi tên trang, không xóa dòng tiêu đề (dòng 3) và trang ẩn _meta.",
    "5. Nạp tệp bằng lệnh 'python -m nq57 import --plan TỆP.xlsx'. Nếu có lỗi, hệ thống liệt kê từng ô "
    "(Trang!Ô) để sửa; không có gì được ghi cho đến khi tệp hợp lệ. Nạp lại đúng tệp đã nạp thì không thay đổi gì; "
    "kế hoạch đã nạp không bị ghi đè (muốn sửa, hãy dùng mã kế hoạch mới).",
]

PLAN_BLANK_ROWS = {"Nhiệm vụ": 200, "Chỉ tiêu": 100}


def _list_validation(sheet, column_letter: str, rows: int, formula: str, strict: bool, title: str, message: str) -> None:
    validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                                errorTitle=title, error=message, showInputMessage=True, promptTitle=title,
                                prompt=message)
    validation.add(f"{column_letter}{HEADER_ROW + 1}:{column_letter}{HEADER_ROW + rows}")
    sheet.add_data_validation(validation)


def build_plan_template(con: duckdb.DuckDBPyConnection) -> Workbook:
    """A blank plan workbook: plan header, tasks and targets of a new commune/ward plan, with the
    existing unit codes, KPI codes and office names in a 'Danh mục' sheet to choose from."""
    from nq57.plan_format import (
        HORIZONS, PLAN_COLUMNS, PLAN_SHEET, PLAN_TARGET_COLUMNS, PLAN_TARGET_SHEET, PLAN_TASK_COLUMNS,
        PLAN_TASK_SHEET, PLAN_TEMPLATE_VERSION, REFERENCE_SHEET, REPORT_CYCLES,
    )

    units = con.execute(
        "select unit_id, name from units where is_commune_level(kind) order by sort_order").fetchall()
    kpis = con.execute("select kpi_id, name, unit_of_measure from kpis order by kpi_id").fetchall()
    offices = con.execute(
        "select office_name, min(office_code), min(level) from office_aliases group by office_name "
        "order by min(level), office_name").fetchall()

    workbook = Workbook()
    guide = _write_instructions(workbook, PLAN_INSTRUCTIONS, width=130)
    guide.cell(row=len(PLAN_INSTRUCTIONS) + 2, column=1, value=f"Mẫu kế hoạch phiên bản {PLAN_TEMPLATE_VERSION}")

    sheets = {}
    for name, columns, title, blank_rows in (
        (PLAN_SHEET, PLAN_COLUMNS, "Thông tin kế hoạch (điền một dòng)", 1),
        (PLAN_TASK_SHEET, PLAN_TASK_COLUMNS, "Nhiệm vụ của kế hoạch", PLAN_BLANK_ROWS[PLAN_TASK_SHEET]),
        (PLAN_TARGET_SHEET, PLAN_TARGET_COLUMNS, "Chỉ tiêu của kế hoạch", PLAN_BLANK_ROWS[PLAN_TARGET_SHEET]),
    ):
        sheet = workbook.create_sheet(name)
        _write_table(sheet, title, columns, [{} for _ in range(blank_rows)])
        sheet["A2"] = "Điền từ dòng 4, dưới dòng tiêu đề. Xem trang 'Hướng dẫn' và chọn mã, tên ở trang 'Danh mục'."
        # Nothing is prefilled, so nothing needs locking; rows may be inserted freely.
        sheet.protection.sheet = False
        sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
        for column in range(1, len(columns) + 1):
            for row in range(HEADER_ROW + 1, HEADER_ROW + blank_rows + 1):
                sheet.cell(row=row, column=column).alignment = Alignment(wrap_text=True, vertical="top")
                sheet.cell(row=row, column=column).number_format = "@"   # text: '1.1', '01/10/2025' stay as typed
        sheets[name] = (sheet, columns, blank_rows)

    reference = workbook.create_sheet(REFERENCE_SHEET)
    reference["A1"] = "Danh mục tham chiếu: mã đơn vị, mã chỉ tiêu, tên cơ quan đã có trong hệ thống"
    reference["A1"].font = Font(bold=True, size=14)
    reference["A2"] = "Chỉ để tra cứu; không cần sửa trang này."
    reference["A2"].font = Font(italic=True, color="555555")
    blocks = (
        (1, ["Mã đơn vị", "Tên xã, phường"], [list(u) for u in units], (20, 26)),
        (4, ["Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính"], [list(k) for k in kpis], (24, 60, 12)),
        (8, ["Tên cơ quan (chủ trì, phối hợp)", "Mã cơ quan", "Cấp"],
         [[n, c, "xã, phường" if level == "commune" else "tỉnh"] for n, c, level in offices], (40, 16, 12)),
    )
    for first, headers, rows, widths in blocks:
        for offset, (header, width) in enumerate(zip(headers, widths)):
            cell = reference.cell(row=HEADER_ROW, column=first + offset, value=header)
            cell.fill, cell.font = HEADER_FILL, HEADER_FONT
            reference.column_dimensions[get_column_letter(first + offset)].width = width
        for row_offset, values in enumerate(rows, start=1):
            for offset, value in enumerate(values):
                reference.cell(row=HEADER_ROW + row_offset, column=first + offset, value=neutralise_text(value))
    reference.freeze_panes = reference.cell(row=HEADER_ROW + 1, column=1)

    def reference_range(column: int, count: int) -> str:
        letter = get_column_letter(column)
        return f"'{REFERENCE_SHEET}'!${letter}${HEADER_ROW + 1}:${letter}${HEADER_ROW + max(count, 1)}"

    def letter_of(columns, key: str) -> str:
        return get_column_letter([c.key for c in columns].index(key) + 1)

    sheet, columns, rows = sheets[PLAN_SHEET]
    _list_validation(sheet, letter_of(columns, "report_cycle"), rows, '"' + ",".join(REPORT_CYCLES) + '"', True,
                     "Chu kỳ báo cáo", "Chọn Tháng hoặc Quý")
    _list_validation(sheet, letter_of(columns, "issuer_unit_id"), rows, reference_range(1, len(units)), True,
                     "Mã đơn vị ban hành", "Chọn mã xã, phường (trang 'Danh mục')")
    sheet, columns, rows = sheets[PLAN_TASK_SHEET]
    for key, title in (("lead_text", "Đơn vị chủ trì"), ("coord_text", "Đơn vị phối hợp")):
        # Not strict: several offices may be written in one cell.
        _list_validation(sheet, letter_of(columns, key), rows, reference_range(8, len(offices)), False,
                         title, "Chọn tên cơ quan hoặc ghi nhiều tên, cách nhau bởi dấu phẩy")
    sheet, columns, rows = sheets[PLAN_TARGET_SHEET]
    _list_validation(sheet, letter_of(columns, "horizon"), rows, '"' + ",".join(map(str, HORIZONS)) + '"', True,
                     "Mốc năm", "Chọn 2025, 2026, 2030 hoặc 2045")
    _list_validation(sheet, letter_of(columns, "kpi_id"), rows, reference_range(4, len(kpis)), False,
                     "Mã chỉ tiêu", "Chọn mã có sẵn, hoặc ghi mã mới kèm Tên chỉ tiêu và Đơn vị tính")
    _list_validation(sheet, letter_of(columns, "lead_text"), rows, reference_range(8, len(offices)), False,
                     "Đơn vị chủ trì", "Chọn tên cơ quan")

    _write_meta(workbook, {
        "kind": PLAN_META_KIND, "template_version": PLAN_TEMPLATE_VERSION,
        "generated_at": datetime.now().isoformat(timespec="seconds"),
    })
    workbook.active = 1
    return workbook
