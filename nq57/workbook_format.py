"""The report workbook's layout, shared by the template writer and the importer so the two
can never disagree about a sheet name, a header or a column's meaning."""
from __future__ import annotations

from dataclasses import dataclass

from nq57.reports import TASK_STATUSES
from nq57.textparse import fold_diacritics

# Bump when a column changes meaning; the importer refuses older templates with a message.
TEMPLATE_VERSION = "2"
SUPPORTED_VERSIONS = {"2"}

META_SHEET = "_meta"
INSTRUCTIONS_SHEET = "Hướng dẫn"
KPI_SHEET = "Chỉ tiêu"
TASK_SHEET = "Nhiệm vụ"
PLAN_META_KIND = "plan"
REPORT_META_KIND = "report"

# the task statuses a report may carry, as the store knows them
STATUS_LABELS = TASK_STATUSES


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    editable: bool
    kind: str          # text | number | period | status
    width: int = 14
    required: bool = False


KPI_COLUMNS = [
    Column("unit_id", "Mã đơn vị", False, "text", 18, required=True),
    Column("unit_name", "Tên đơn vị", False, "text", 20),
    Column("period", "Kỳ báo cáo", False, "period", 11, required=True),
    Column("kpi_id", "Mã chỉ tiêu", False, "text", 20, required=True),
    Column("kpi_name", "Tên chỉ tiêu", False, "text", 50),
    Column("unit_of_measure", "Đơn vị tính", False, "text", 10),
    Column("target", "Mục tiêu", False, "text", 24),
    Column("previous_value", "Giá trị kỳ trước", False, "number", 12),
    Column("value", "Giá trị", True, "number", 12, required=True),
    Column("numerator", "Tử số", True, "number", 10),
    Column("denominator", "Mẫu số", True, "number", 10),
    Column("evidence_ref", "Minh chứng", True, "text", 36, required=True),
    Column("note", "Ghi chú", True, "text", 30),
]

TASK_COLUMNS = [
    Column("unit_id", "Mã đơn vị", False, "text", 18, required=True),
    Column("unit_name", "Tên đơn vị", False, "text", 20),
    Column("period", "Kỳ báo cáo", False, "period", 11, required=True),
    Column("task_id", "Mã nhiệm vụ", False, "text", 22, required=True),
    Column("content", "Nội dung nhiệm vụ", False, "text", 60),
    Column("lead_office", "Đơn vị chủ trì", False, "text", 22),
    Column("deadline", "Thời hạn", False, "text", 16),
    Column("previous_status", "Trạng thái kỳ trước", False, "text", 16),
    Column("status", "Trạng thái", True, "status", 16, required=True),
    Column("percent_complete", "Tỷ lệ hoàn thành (%)", True, "number", 12),
    Column("evidence_ref", "Minh chứng", True, "text", 36, required=True),
    Column("difficulties", "Khó khăn, vướng mắc", True, "text", 30),
    Column("requests", "Kiến nghị", True, "text", 30),
    Column("note", "Ghi chú", True, "text", 24),
]

SHEET_COLUMNS = {KPI_SHEET: KPI_COLUMNS, TASK_SHEET: TASK_COLUMNS}


def header_key(text: object) -> str:
    """How a header is matched: no case, no diacritics, no extra spaces."""
    return fold_diacritics(str(text or ""))


def status_code(text: object) -> str | None:
    """'Hoàn thành', 'hoan thanh', 'HOÀN THÀNH', 'hoan_thanh' -> 'hoan_thanh'; None when unknown."""
    key = header_key(text).replace("_", " ")
    for code, label in STATUS_LABELS.items():
        if key in (header_key(label), code.replace("_", " ")):
            return code
    return None
