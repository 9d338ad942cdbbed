"""The task–KPI links of a plan upload (issue #14): the task sheet's 'Mã chỉ tiêu liên quan' column,
checked once the targets are read, since a task may name a KPI the plan itself brings."""
from __future__ import annotations

import duckdb

from nq57.plan_cells import _Table, _text
from nq57.plan_rules import PlanCheck
from nq57.workbook.common import ProblemList


def check_task_kpis(con: duckdb.DuckDBPyConnection, table: _Table, result: PlanCheck, problems: ProblemList) -> None:
    """Every code must be a catalogue KPI or one of this plan's new KPIs; an unknown code is a
    problem at its cell (a link to nothing would never show a task behind a red KPI)."""
    known = {row[0] for row in con.execute("select kpi_id from kpis").fetchall()}
    known |= {kpi["kpi_id"] for kpi in result.new_kpis}
    task_by_row = {task["excel_row"]: task["task_id"] for task in result.tasks}
    for row_no, row in table.rows:
        codes = [code.strip() for code in (_text(row.get("kpi_ids")) or "").split(";") if code.strip()]
        if row_no not in task_by_row:
            continue
        for code in dict.fromkeys(codes):
            if code not in known:
                problems.add(table.sheet, table.cell("kpi_ids", row_no), code,
                             f"mã chỉ tiêu '{code}' không có ở trang 'Danh mục' hay trang 'Chỉ tiêu' của kế hoạch")
                continue
            result.task_kpis.append({"task_id": task_by_row[row_no], "kpi_id": code, "basis": "mẫu kế hoạch"})
