"""The plan template's layout (`python -m nq57 template --plan`): sheet names, columns, horizons and
report cycles, once, so that the writer (templates.py) and the reader (plan_cells.py, plan_rules.py)
can never disagree about a sheet name or a header. The report template's is workbook_format.py.
"""
from __future__ import annotations

from nq57.workbook_format import Column

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
    # which KPIs the task moves (task_kpis): codes of the 'Danh mục' sheet or of this plan's 'Chỉ tiêu' sheet
    Column("kpi_ids", "Mã chỉ tiêu liên quan (cách nhau bởi ;)", True, "text", 24),
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
