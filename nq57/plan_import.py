"""Importing a new plan from the plan template (`python -m nq57 template --plan`): a commune or
ward's plan — its tasks, deadlines, lead offices and KPI targets — is loaded by upload, without code.

`check_plan_workbook` only reads and validates (after the same container safety checks as report
uploads); `commit_plan` writes the plan in one transaction. `import_plan_file` chains the two for
the command line. The plan template's layout lives here so that the writer (templates.py) and this
reader can never disagree about a sheet name or a header.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
from openpyxl.utils import get_column_letter

from nq57 import audit, auth, storage, value_rules, workbook
from nq57.workbook import Problem
from nq57.workbook.common import ProblemList, excel_serial_date, max_upload_bytes, meta_values
from nq57.workbook.reader import SheetCells
from nq57.textparse import fold_diacritics, parse_deadline, parse_target
from nq57.workbook_format import META_SHEET, PLAN_META_KIND, REPORT_META_KIND, Column, header_key

# --- the plan template's layout ------------------------------------------------------------------

# Bump when a column changes meaning; the importer refuses other versions with a message.
PLAN_TEMPLATE_VERSION = "1"
SUPPORTED_PLAN_VERSIONS = {"1"}

PLAN_SHEET = "Kế hoạch"
PLAN_TASK_SHEET = "Nhiệm vụ"
PLAN_TARGET_SHEET = "Chỉ tiêu"
REFERENCE_SHEET = "Danh mục"

HORIZONS = (2025, 2026, 2030, 2045)
REPORT_CYCLES = {"Tháng": "monthly", "Quý": "quarterly"}
RANK_UNIT = "Thứ bậc"

PLAN_COLUMNS = [
    Column("plan_id", "Mã kế hoạch", True, "text", 18, required=True),
    Column("issuer_unit_id", "Mã đơn vị ban hành", True, "text", 20, required=True),
    Column("issuer_name", "Tên cơ quan ban hành", True, "text", 30),
    Column("doc_number", "Số hiệu", True, "text", 16),
    Column("issued_on", "Ngày ban hành (dd/mm/yyyy)", True, "text", 16),
    Column("title", "Tên kế hoạch", True, "text", 60, required=True),
    Column("implements", "Thực hiện kế hoạch (số hiệu kế hoạch cấp trên, cách nhau bởi ;)", True, "text", 36),
    Column("report_cycle", "Chu kỳ báo cáo (Tháng/Quý)", True, "text", 14),
]

PLAN_TASK_COLUMNS = [
    Column("task_no", "STT", True, "text", 8, required=True),
    Column("group_no", "Nhóm", True, "text", 8),
    Column("group_title", "Tên nhóm", True, "text", 30),
    Column("content", "Nội dung nhiệm vụ", True, "text", 60, required=True),
    Column("lead_text", "Đơn vị chủ trì", True, "text", 26),
    Column("coord_text", "Đơn vị phối hợp", True, "text", 26),
    Column("expected_output", "Kết quả/sản phẩm", True, "text", 30),
    Column("deadline_text", "Thời hạn hoàn thành", True, "text", 22),
]

PLAN_TARGET_COLUMNS = [
    Column("kpi_id", "Mã chỉ tiêu", True, "text", 22, required=True),
    Column("kpi_name", "Tên chỉ tiêu", True, "text", 50),
    Column("unit_of_measure", "Đơn vị tính", True, "text", 12),
    Column("horizon", "Mốc năm (2025/2026/2030/2045)", True, "text", 14, required=True),
    Column("target_text", "Mục tiêu", True, "text", 30),
    Column("lead_text", "Đơn vị chủ trì", True, "text", 26),
]

PLAN_SHEETS = {PLAN_SHEET: PLAN_COLUMNS, PLAN_TASK_SHEET: PLAN_TASK_COLUMNS, PLAN_TARGET_SHEET: PLAN_TARGET_COLUMNS}

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_SHA_IN_SOURCE = "sha256:"


def _header_keys(column: Column) -> set[str]:
    """A header is recognised in full ('Mốc năm (2025/2026/2030/2045)'), without its bracketed
    hint ('Mốc năm'), or by its key."""
    full = header_key(column.header)
    short = header_key(re.sub(r"\s*\(.*\)\s*$", "", column.header))
    return {full, short, column.key}


# --- the result ------------------------------------------------------------------------------------

@dataclass
class PlanCheck:
    file_name: str
    sha256: str
    size: int
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    truncated_problems: int = 0
    plan: dict | None = None
    tasks: list[dict] = field(default_factory=list)
    task_units: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    new_kpis: list[dict] = field(default_factory=list)
    new_offices: list[dict] = field(default_factory=list)
    report_cycle_change: tuple[str, str] | None = None   # (unit_id, new cycle) when the plan changes it
    duplicate_of: str | None = None                       # plan_id when this very file was imported before

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def plan_id(self) -> str | None:
        return self.duplicate_of or (self.plan or {}).get("plan_id")

    def problem_lines(self) -> list[str]:
        lines = [p.line() for p in self.problems]
        if self.truncated_problems:
            lines.append(f"… và {self.truncated_problems} lỗi khác")
        return lines

    def warning_lines(self) -> list[str]:
        return [p.line() for p in self.warnings]

    def summary(self) -> str:
        if self.duplicate_of:
            return f"tệp này đã được nhập trước đây (kế hoạch '{self.duplicate_of}'); không có gì thay đổi"
        if not self.plan:
            return "chưa đọc được kế hoạch"
        text = (f"kế hoạch '{self.plan['plan_id']}' của {self.plan['issuer_label']}: {len(self.tasks)} nhiệm vụ, "
                f"{len(self.targets)} chỉ tiêu")
        if self.new_kpis:
            text += f" ({len(self.new_kpis)} chỉ tiêu mới vào danh mục: {', '.join(k['kpi_id'] for k in self.new_kpis)})"
        return text


# --- reading cells ---------------------------------------------------------------------------------

def _cell(column_index: int, excel_row: int) -> str:
    return f"{get_column_letter(column_index + 1)}{excel_row}"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    text = " ".join(str(value).split())
    return text or None


def _parse_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    moment = excel_serial_date(value)
    if moment is not None:
        return moment.date()
    text = _text(value) or ""
    match = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})", text) \
        or re.fullmatch(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})", text.lower())
    if match:
        day, month, year = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
        if not match:
            return None
        year, month, day = (int(g) for g in match.groups())
    if not value_rules.FIRST_YEAR <= year <= value_rules.LAST_YEAR:
        return None
    return value_rules.real_date(year, month, day)


@dataclass
class _Table:
    sheet: str
    rows: list[tuple[int, dict[str, object]]]   # (Excel row, key -> raw value), blank rows left out
    column_index: dict[str, int]

    def cell(self, key: str, excel_row: int) -> str:
        return _cell(self.column_index.get(key, 0), excel_row)


def _read_table(cells: dict[str, SheetCells], sheet: str, columns: list[Column], problems: ProblemList,
                warnings: list[Problem]) -> _Table | None:
    if sheet not in cells:
        problems.add(sheet, None, None, f"thiếu trang '{sheet}'; tệp không đúng mẫu kế hoạch")
        return None
    rows = cells[sheet].rows()
    by_header = {key: c.key for c in columns for key in _header_keys(c)}
    required = {c.key for c in columns if c.required}
    header_at = None
    for index, row in enumerate(rows[:30]):
        if required <= {by_header.get(header_key(v)) for v in row}:
            header_at = index
            break
    if header_at is None:
        names = ", ".join(f"'{c.header}'" for c in columns if c.required)
        problems.add(sheet, None, None, f"không tìm thấy dòng tiêu đề (cần các cột {names}); tệp không đúng mẫu kế hoạch")
        return None
    column_index: dict[str, int] = {}
    for index, value in enumerate(rows[header_at]):
        key = by_header.get(header_key(value))
        if key and key not in column_index:
            column_index[key] = index
        elif _text(value) and not key:
            warnings.append(Problem(sheet, _cell(index, header_at + 1), value, f"cột '{_text(value)}' không thuộc mẫu; đã bỏ qua"))
    body = []
    for offset, row in enumerate(rows[header_at + 1:]):
        values = {key: (row[i] if i < len(row) else None) for key, i in column_index.items()}
        if any(_text(v) for v in values.values()):
            body.append((header_at + 2 + offset, values))
    return _Table(sheet, body, column_index)


def _read_meta(cells: dict[str, SheetCells], problems: ProblemList) -> bool:
    if META_SHEET not in cells:
        problems.add(None, None, None, "tệp không phải mẫu kế hoạch của hệ thống (thiếu trang ẩn _meta); "
                                       "hãy tải mẫu bằng lệnh 'python -m nq57 template --plan'")
        return False
    meta = meta_values(cells[META_SHEET])
    kind = meta.get("kind")
    if kind != PLAN_META_KIND:
        message = ("tệp là mẫu báo cáo định kỳ, không phải mẫu kế hoạch; hãy nhập ở mục báo cáo hoặc tải mẫu kế hoạch"
                   if kind == REPORT_META_KIND else "tệp không phải mẫu kế hoạch (trang _meta không ghi loại 'plan')")
        problems.add(META_SHEET, "B1", kind, message)
        return False
    version = meta.get("template_version")
    if version not in SUPPORTED_PLAN_VERSIONS:
        problems.add(META_SHEET, "B2", version,
                     f"mẫu kế hoạch phiên bản '{version}' đã cũ hoặc không đúng; hãy tải mẫu mới "
                     f"(phiên bản {', '.join(sorted(SUPPORTED_PLAN_VERSIONS))})")
        return False
    return True


def _open(con, data: bytes, file_name: str, problems: ProblemList, sheets: list[str]) -> dict[str, SheetCells] | None:
    """The bounded reading of report uploads (nq57.workbook): scan, then read in the child."""
    chosen = workbook.settings(con, [len(columns) for columns in PLAN_SHEETS.values()])
    try:
        return workbook.read_workbook(data, file_name, [META_SHEET, *sheets], sheets, chosen).cells
    except workbook.Refused as refused:
        for problem in refused.problems:
            problems.add(problem.sheet, problem.cell, problem.value, problem.message)
        return None


def template_kind(data: bytes) -> str | None:
    """'plan' or 'report' from the hidden _meta sheet (after the safety scan), None when the file
    is not a readable template: lets the command line route an upload to the right importer."""
    holder = PlanCheck(file_name="", sha256="", size=len(data))
    cells = _open(None, data, "", ProblemList(holder), [])
    if cells is None or META_SHEET not in cells:
        return None
    return meta_values(cells[META_SHEET]).get("kind") or None


# --- offices ---------------------------------------------------------------------------------------

class _Offices:
    """Office names as typed ('Phòng VH-XH', 'phong van hoa - xa hoi; Trung tâm PVHCC') to office
    codes through office_aliases, matched without case or diacritics."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.by_key = {key: (code, name, level) for key, code, name, level in con.execute(
            "select alias_key, office_code, office_name, level from office_aliases").fetchall()}

    def _one(self, text: str) -> str | None:
        found = self.by_key.get(fold_diacritics(text))
        return found[0] if found else None

    def resolve(self, text: str | None) -> tuple[list[str], list[str]]:
        """(codes in order, names not recognised). A whole name is tried before splitting on ';'
        and ',', because some office names hold a comma ('Các phòng, ban, đơn vị trực thuộc')."""
        codes, unknown = [], []
        if not text:
            return codes, unknown
        for part in (text, ) if self._one(text) else [p for p in re.split(r";", text)]:
            part = part.strip(" .")
            if not part:
                continue
            pieces = [part] if self._one(part) else [p.strip(" .") for p in part.split(",")]
            for piece in pieces:
                if not piece:
                    continue
                code = self._one(piece)
                if code is None:
                    unknown.append(piece)
                elif code not in codes:
                    codes.append(code)
        return codes, unknown

    def level(self, code: str) -> str | None:
        for found_code, _, level in self.by_key.values():
            if found_code == code:
                return level
        return None

    def name(self, code: str) -> str:
        for found_code, name, _ in self.by_key.values():
            if found_code == code:
                return name
        return code


# --- the check -------------------------------------------------------------------------------------

def check_plan_workbook(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> PlanCheck:
    """Read and validate a filled plan template; stores nothing. Problems are `Sheet!Cell: message`
    lines in Vietnamese; warnings (unknown office names, unreadable deadlines) do not block."""
    result = PlanCheck(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    problems = ProblemList(result)
    limit = max_upload_bytes(con)
    if len(data) > limit:
        problems.add(None, None, None, f"tệp {len(data) / 1048576:.1f} MB vượt giới hạn {limit / 1048576:.0f} MB".replace(".", ","))
        return result
    cells = _open(con, data, file_name, problems, list(PLAN_SHEETS))
    if cells is None or not _read_meta(cells, problems):
        return result

    same_file = con.execute("select min(plan_id) from plans where contains(source_file, ?)",
                            [_SHA_IN_SOURCE + result.sha256]).fetchall()[0][0]
    if same_file is not None:
        result.duplicate_of = same_file
        return result

    tables = {name: _read_table(cells, name, columns, problems, result.warnings)
              for name, columns in PLAN_SHEETS.items()}
    if result.problems:
        return result
    offices = _Offices(con)
    limit = value_rules.max_text_chars(con)
    for table in tables.values():
        _check_lengths(table, limit, problems)
    _check_plan(con, tables[PLAN_SHEET], result, problems)
    if result.plan is None:
        return result
    _check_tasks(con, tables[PLAN_TASK_SHEET], result, problems, offices)
    _check_targets(con, tables[PLAN_TARGET_SHEET], result, problems, offices)
    if not result.tasks and not result.targets and not result.problems:
        problems.add(PLAN_TASK_SHEET, None, None, "kế hoạch không có nhiệm vụ hay chỉ tiêu nào")
    _collect_offices(con, result, offices)
    return result


def _check_lengths(table: _Table, limit: int, problems: ProblemList) -> None:
    """Every cell of every row against the max_text_chars setting (value_rules, as for reports)."""
    for row_no, row in table.rows:
        for key, value in row.items():
            message = value_rules.too_long(value, limit)
            if message:
                problems.add(table.sheet, table.cell(key, row_no), value, message)


def _check_date_text(table: _Table, key: str, row_no: int, text: str | None, label: str,
                     problems: ProblemList) -> bool:
    """False (with a problem) when the text names a day that does not exist: '31/11/2026' would
    otherwise be read as no date at all and the task never be due."""
    impossible = value_rules.impossible_date(text)
    if impossible:
        problems.add(table.sheet, table.cell(key, row_no), text,
                     f"{label} ghi ngày không có thật ({impossible}); hãy sửa lại ngày")
    return impossible is None


def _check_plan(con, table: _Table, result: PlanCheck, problems: ProblemList) -> None:
    sheet = table.sheet
    if not table.rows:
        problems.add(sheet, "A4", None, "chưa điền thông tin kế hoạch (dòng dưới tiêu đề đang trống)")
        return
    if len(table.rows) > 1:
        problems.add(sheet, table.cell("plan_id", table.rows[1][0]), None,
                     "mỗi tệp chỉ khai báo một kế hoạch (trang 'Kế hoạch' chỉ điền một dòng)")
    row_no, row = table.rows[0]
    text = {key: _text(row.get(key)) for key in table.column_index}
    ok = True

    plan_id = (text.get("plan_id") or "").lower()
    if not plan_id:
        problems.add(sheet, table.cell("plan_id", row_no), None, "thiếu Mã kế hoạch")
        ok = False
    elif not _SLUG.fullmatch(plan_id):
        problems.add(sheet, table.cell("plan_id", row_no), text["plan_id"],
                     "Mã kế hoạch chỉ gồm chữ không dấu, chữ số và dấu gạch ngang (ví dụ: tan-an-cds-2026)")
        ok = False
    else:
        existing = con.execute("select issuer_name, doc_number from plans where plan_id = ?", [plan_id]).fetchall()
        if existing:
            issuer, doc = existing[0]
            problems.add(sheet, table.cell("plan_id", row_no), text["plan_id"],
                         f"mã kế hoạch '{plan_id}' đã có trong hệ thống ({doc or 'không số'}, {issuer}); "
                         "hãy dùng mã khác — hệ thống không ghi đè kế hoạch đã nạp")
            ok = False

    issuer_id = (text.get("issuer_unit_id") or "").lower()
    issuer = con.execute("select name, kind, report_cycle from units where unit_id = ?", [issuer_id]).fetchall()
    if not issuer_id:
        problems.add(sheet, table.cell("issuer_unit_id", row_no), None,
                     "thiếu Mã đơn vị ban hành (xem trang 'Danh mục', ví dụ: xa-tan-an)")
        ok = False
    elif not issuer:
        problems.add(sheet, table.cell("issuer_unit_id", row_no), text["issuer_unit_id"],
                     f"mã đơn vị '{text['issuer_unit_id']}' không có trong danh mục (xem trang 'Danh mục')")
        ok = False
    elif issuer[0][1] not in ("ward", "commune"):
        problems.add(sheet, table.cell("issuer_unit_id", row_no), text["issuer_unit_id"],
                     "mẫu kế hoạch chỉ dùng cho kế hoạch của xã, phường")
        ok = False

    title = text.get("title")
    if not title:
        problems.add(sheet, table.cell("title", row_no), None, "thiếu Tên kế hoạch")
        ok = False

    issued_on = None
    if row.get("issued_on") is not None and _text(row.get("issued_on")):
        issued_on = _parse_date(row["issued_on"])
        if issued_on is None and not _check_date_text(table, "issued_on", row_no, text["issued_on"],
                                                      "Ngày ban hành", problems):
            ok = False
        elif issued_on is None:
            problems.add(sheet, table.cell("issued_on", row_no), text["issued_on"],
                         "Ngày ban hành không đọc được (cần dạng dd/mm/yyyy, ví dụ 15/10/2025)")
            ok = False

    cycle_text = text.get("report_cycle")
    cycle = "monthly"
    if cycle_text:
        by_key = {header_key(label): code for label, code in REPORT_CYCLES.items()} | {"monthly": "monthly", "quarterly": "quarterly"}
        cycle = by_key.get(header_key(cycle_text))
        if cycle is None:
            problems.add(sheet, table.cell("report_cycle", row_no), cycle_text, "Chu kỳ báo cáo chọn 'Tháng' hoặc 'Quý'")
            ok = False

    if not ok:
        return
    unit_name, _, unit_cycle = issuer[0]
    implements = [part.strip() for part in (text.get("implements") or "").split(";") if part.strip()]
    result.plan = {
        "plan_id": plan_id,
        "issuer_unit_id": issuer_id,
        "issuer_name": text.get("issuer_name") or f"Ủy ban nhân dân {unit_name}",
        "doc_number": text.get("doc_number"),
        "issued_on": issued_on,
        "title": title,
        "implements": implements,
        "report_cycle": cycle,
        "source_file": f"{result.file_name} ({_SHA_IN_SOURCE}{result.sha256})",
        "issuer_label": unit_name,
    }
    if cycle != unit_cycle:
        result.report_cycle_change = (issuer_id, cycle)
        labels = {v: k for k, v in REPORT_CYCLES.items()}
        result.warnings.append(Problem(sheet, table.cell("report_cycle", row_no), cycle_text,
                                       f"chu kỳ báo cáo của {unit_name} sẽ đổi từ {labels[unit_cycle]} sang {labels[cycle]}"))


def _check_tasks(con, table: _Table, result: PlanCheck, problems: ProblemList, offices: _Offices) -> None:
    sheet, plan = table.sheet, result.plan
    issuer = plan["issuer_unit_id"]
    first_row_of: dict[str, int] = {}
    for row_no, row in table.rows:
        text = {key: _text(row.get(key)) for key in table.column_index}
        task_no = text.get("task_no")
        ok = True
        if not task_no:
            problems.add(sheet, table.cell("task_no", row_no), None, "thiếu STT của nhiệm vụ")
            ok = False
        elif task_no in first_row_of:
            problems.add(sheet, table.cell("task_no", row_no), task_no,
                         f"STT '{task_no}' trùng với dòng {first_row_of[task_no]}; mỗi nhiệm vụ một STT riêng")
            ok = False
        else:
            first_row_of[task_no] = row_no
        content = text.get("content")
        if not content:
            problems.add(sheet, table.cell("content", row_no), None, "thiếu Nội dung nhiệm vụ")
            ok = False
        if not ok:
            continue

        lead_codes, unknown_lead = offices.resolve(text.get("lead_text"))
        coord_codes, unknown_coord = offices.resolve(text.get("coord_text"))
        for key, names in (("lead_text", unknown_lead), ("coord_text", unknown_coord)):
            for name in names:
                result.warnings.append(Problem(sheet, table.cell(key, row_no), name,
                                               f"không nhận ra cơ quan '{name}' trong danh mục; vẫn ghi nhận nguyên văn"))
        deadline_text = text.get("deadline_text")
        if not _check_date_text(table, "deadline_text", row_no, deadline_text, "Thời hạn hoàn thành", problems):
            continue
        deadline = parse_deadline(deadline_text or "")
        if deadline.kind == "unknown":
            message = (f"không hiểu thời hạn '{deadline_text}'; giữ nguyên văn bản" if deadline_text
                       else "chưa ghi thời hạn hoàn thành; nhiệm vụ sẽ không bị tính quá hạn")
            result.warnings.append(Problem(sheet, table.cell("deadline_text", row_no), deadline_text, message))

        task_id = f"{plan['plan_id']}:{task_no}"
        result.tasks.append({
            "task_id": task_id, "plan_id": plan["plan_id"], "task_no": task_no, "sort_order": len(result.tasks),
            "group_no": text.get("group_no"), "group_title": text.get("group_title"), "content": content,
            "detail": None, "lead_text": text.get("lead_text"), "lead_units": lead_codes,
            "coord_text": text.get("coord_text"), "coord_units": coord_codes,
            "expected_output": text.get("expected_output"), "deadline_text": deadline_text,
            "deadline_kind": deadline.kind, "due_date": deadline.due_date, "start_date": deadline.start_date,
            "recurrence": deadline.recurrence, "deadline_note": deadline.note, "is_key_task": False,
            "excel_row": row_no,
        })
        lead_office = None
        if lead_codes and offices.level(lead_codes[0]) == "commune":
            lead_office = f"{issuer}/{lead_codes[0]}"
        result.task_units.append({"task_id": task_id, "unit_id": issuer, "lead_office_id": lead_office})


def _horizon(value: object) -> int | None:
    text = _text(value)
    if text and re.fullmatch(r"\d{4}", text) and int(text) in HORIZONS:
        return int(text)
    return None


def _check_targets(con, table: _Table, result: PlanCheck, problems: ProblemList, offices: _Offices) -> None:
    sheet, plan = table.sheet, result.plan
    known = {kpi_id: (name, uom) for kpi_id, name, uom in con.execute(
        "select kpi_id, name, unit_of_measure from kpis").fetchall()}
    new_kpis: dict[str, dict] = {}
    seen: dict[tuple[str, int], int] = {}
    for item_no, (row_no, row) in enumerate(table.rows, start=1):
        text = {key: _text(row.get(key)) for key in table.column_index}
        kpi_id = (text.get("kpi_id") or "").lower()
        ok = True
        if not kpi_id:
            problems.add(sheet, table.cell("kpi_id", row_no), None,
                         "thiếu Mã chỉ tiêu (chọn mã có sẵn ở trang 'Danh mục' hoặc đặt mã mới)")
            ok = False
        elif kpi_id not in known and kpi_id not in new_kpis:
            missing = [label for key, label in (("kpi_name", "Tên chỉ tiêu"), ("unit_of_measure", "Đơn vị tính"))
                       if not text.get(key)]
            if not _SLUG.fullmatch(kpi_id):
                problems.add(sheet, table.cell("kpi_id", row_no), text["kpi_id"],
                             "mã chỉ tiêu mới chỉ gồm chữ không dấu, chữ số và dấu gạch ngang (ví dụ: ho-kinh-doanh-so)")
                ok = False
            elif missing:
                problems.add(sheet, table.cell("kpi_id", row_no), text["kpi_id"],
                             f"mã chỉ tiêu '{kpi_id}' chưa có trong danh mục; chỉ tiêu mới phải ghi "
                             + " và ".join(missing))
                ok = False
            else:
                uom = text["unit_of_measure"]
                is_rank = header_key(uom) == header_key(RANK_UNIT)
                new_kpis[kpi_id] = {
                    "kpi_id": kpi_id, "name": text["kpi_name"], "unit_of_measure": RANK_UNIT if is_rank else uom,
                    "direction": "rank" if is_rank else "higher", "kind": "level", "is_ratio": uom.strip() == "%",
                    "numerator_label": None, "denominator_label": None,
                }

        horizon = _horizon(row.get("horizon"))
        if horizon is None:
            problems.add(sheet, table.cell("horizon", row_no), text.get("horizon"),
                         "Mốc năm phải là một trong 2025, 2026, 2030, 2045")
            ok = False

        target_text = text.get("target_text")
        if not _check_date_text(table, "target_text", row_no, target_text, "Mục tiêu", problems):
            continue
        parsed = parse_target(target_text) if target_text else []
        uom = new_kpis[kpi_id]["unit_of_measure"] if kpi_id in new_kpis else known.get(kpi_id, (None, None))[1]
        for target in parsed:
            why = value_rules.out_of_bounds(target.value, uom) if target.value is not None else None
            if why:
                problems.add(sheet, table.cell("target_text", row_no), target_text,
                             f"mục tiêu {value_rules.number_text(target.value)} {why}")
                ok = False
        if target_text and not parsed and re.search(r"\d", target_text):
            problems.add(sheet, table.cell("target_text", row_no), target_text,
                         "không đọc được Mục tiêu; ghi dấu so sánh và đơn vị, ví dụ '≥ 80%', 'Tốp 25 của tỉnh', "
                         "'≥ 2%/năm' (mục tiêu định tính thì không ghi số)")
            ok = False
        if not ok:
            continue

        lead_codes, unknown = offices.resolve(text.get("lead_text"))
        for name in unknown:
            result.warnings.append(Problem(sheet, table.cell("lead_text", row_no), name,
                                           f"không nhận ra cơ quan '{name}' trong danh mục; vẫn ghi nhận nguyên văn"))
        base = {
            "plan_id": plan["plan_id"], "unit_id": plan["issuer_unit_id"], "kpi_id": kpi_id,
            "raw_text": target_text, "item_no": str(item_no),
            "item_text": text.get("kpi_name") or known.get(kpi_id, (None,))[0],
            "lead_text": text.get("lead_text"), "lead_units": lead_codes, "excel_row": row_no,
        }
        rows = []
        if not parsed:
            rows.append({**base, "horizon": horizon, "comparator": None, "target_value": None, "target_unit": None,
                         "per_year": False, "due_date": date(horizon, 12, 31)})
        for index, target in enumerate(parsed):
            # The row's own horizon is the first target's; a second one ("…, tiến tới 100% trước
            # ngày 31/12/2030") keeps the horizon its date names.
            target_horizon = horizon if index == 0 else target.horizon
            if target_horizon not in HORIZONS:
                problems.add(sheet, table.cell("target_text", row_no), target_text,
                             f"ô Mục tiêu có nhiều mục tiêu ('{target.raw}'); hãy tách mỗi mốc năm một dòng")
                rows = []
                break
            if index == 0 and target.due_date and target.due_date.year != horizon:
                result.warnings.append(Problem(
                    sheet, table.cell("target_text", row_no), target_text,
                    f"hạn trong Mục tiêu ({target.due_date:%d/%m/%Y}) không thuộc Mốc năm {horizon}; "
                    "ghi nhận theo Mốc năm, hạn theo Mục tiêu"))
            rows.append({**base, "horizon": target_horizon, "comparator": target.comparator,
                         "target_value": target.value, "target_unit": target.unit, "per_year": target.per_year,
                         "due_date": target.due_date or date(target_horizon, 12, 31)})
        for target_row in rows:
            key = (kpi_id, target_row["horizon"])
            if key in seen:
                problems.add(sheet, table.cell("kpi_id", row_no), kpi_id,
                             f"chỉ tiêu '{kpi_id}' mốc {key[1]} đã có ở dòng {seen[key]}; mỗi chỉ tiêu một mục tiêu cho mỗi mốc năm")
                continue
            seen[key] = row_no
            result.targets.append(target_row)
    result.new_kpis = list(new_kpis.values())


def _collect_offices(con, result: PlanCheck, offices: _Offices) -> None:
    """Offices of the commune named in the plan become units inside it, as for the seed plans."""
    if result.plan is None:
        return
    issuer = result.plan["issuer_unit_id"]
    codes: list[str] = []
    for row in result.tasks:
        codes += row["lead_units"] + row["coord_units"]
    for row in result.targets:
        codes += row["lead_units"]
    existing = {r[0] for r in con.execute("select unit_id from units where parent_id = ?", [issuer]).fetchall()}
    for code in dict.fromkeys(codes):
        unit_id = f"{issuer}/{code}"
        if offices.level(code) == "commune" and unit_id not in existing:
            result.new_offices.append({"unit_id": unit_id, "name": f"{offices.name(code)} ({result.plan['issuer_label']})",
                                       "kind": "office", "parent_id": issuer, "office_code": code})


# --- the commit ------------------------------------------------------------------------------------

_TASK_COLUMNS = ["task_id", "plan_id", "task_no", "sort_order", "group_no", "group_title", "content", "detail",
                 "lead_text", "lead_units", "coord_text", "coord_units", "expected_output", "deadline_text",
                 "deadline_kind", "due_date", "start_date", "recurrence", "deadline_note", "is_key_task"]
_TARGET_COLUMNS = ["plan_id", "unit_id", "kpi_id", "horizon", "comparator", "target_value", "target_unit", "per_year",
                   "due_date", "raw_text", "item_no", "item_text", "lead_text", "lead_units"]
_KPI_COLUMNS = ["kpi_id", "name", "unit_of_measure", "direction", "kind", "is_ratio", "numerator_label",
                "denominator_label"]
_PLAN_COLUMNS = ["plan_id", "issuer_unit_id", "issuer_name", "doc_number", "issued_on", "title", "implements",
                 "report_cycle", "source_file"]


def _insert(con, table: str, columns: list[str], rows: list[dict]) -> None:
    if not rows:
        return
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"insert into {table} ({', '.join(columns)}) values ({marks})",
                    [[row[c] for c in columns] for row in rows])


def commit_plan(con: duckdb.DuckDBPyConnection, check: PlanCheck, user: auth.User | str | None = None) -> str:
    """Write a checked plan in one transaction: plans, tasks, task_units, targets, new KPIs and the
    offices it names; all or nothing. The same file again writes nothing and returns its plan_id.
    A signed-in auth.User is checked for 'import_plan' (auth.PermissionDenied); a plain name or
    None is the trusted command line. Audited ('plan_import') in the same transaction; a full disk
    or I/O error raises storage.StorageError and stores nothing."""
    if not check.accepted:
        raise ValueError("tệp kế hoạch còn lỗi, không thể ghi nhận")
    if isinstance(user, auth.User):
        user = auth.check(con, user, "import_plan").user_name
    if check.duplicate_of is not None:
        return check.duplicate_of
    plan = check.plan
    with storage.transaction(con):
        _insert(con, "plans", _PLAN_COLUMNS, [plan])
        _insert(con, "kpis", _KPI_COLUMNS, check.new_kpis)
        order = con.execute("select coalesce(max(sort_order), 0) + 1 from tasks").fetchall()[0][0]
        _insert(con, "tasks", _TASK_COLUMNS, [{**t, "sort_order": order + t["sort_order"]} for t in check.tasks])
        _insert(con, "task_units", ["task_id", "unit_id", "lead_office_id"], check.task_units)
        _insert(con, "targets", _TARGET_COLUMNS, check.targets)
        unit_order = con.execute("select coalesce(max(sort_order), 0) + 1 from units").fetchall()[0][0]
        _insert(con, "units", ["unit_id", "name", "kind", "parent_id", "office_code", "sort_order"],
                [{**o, "sort_order": unit_order + i} for i, o in enumerate(check.new_offices)])
        if check.report_cycle_change:
            unit_id, cycle = check.report_cycle_change
            con.execute("update units set report_cycle = ? where unit_id = ?", [cycle, unit_id])
        audit.record(con, "plan_import", user, unit_id=plan.get("issuer_unit_id"), file_name=check.file_name,
                     detail=f"kế hoạch {plan['plan_id']}: {len(check.tasks)} nhiệm vụ, {len(check.targets)} chỉ tiêu")
    return plan["plan_id"]


def import_plan_file(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                     dry_run: bool = False, user: auth.User | str | None = None) -> tuple[PlanCheck, str | None]:
    """Check, then (unless dry_run or rejected) commit. Returns the check and the plan_id written —
    or, for a file imported before, the plan_id it created (check.duplicate_of is set); None when
    rejected or on a dry run."""
    check = check_plan_workbook(con, data, file_name)
    if not check.accepted:
        return check, None
    if check.duplicate_of is not None:
        return check, check.duplicate_of
    if dry_run:
        return check, None
    return check, commit_plan(con, check, user)
