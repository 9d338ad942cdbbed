"""Hostile values in uploads (issue #16): impossible dates, absurd magnitudes, huge texts, and
formula text travelling from a plan into the report template. Each is refused with a Vietnamese
message naming the sheet and cell, and the stored tables are exactly as before."""
from __future__ import annotations

import io

import openpyxl
import pytest

from nq57 import plan_import, value_rules
from nq57.plan_import import PLAN_TARGET_SHEET, PLAN_TASK_SHEET
from nq57.workbook_format import KPI_SHEET, TASK_SHEET
from tests.test_ingest import (  # noqa: F401  (con is a fixture)
    COUNT_KPI, KPI, PERCENT_KPI, RATIO_KPI, TASK, accept, assert_rejected, con, filled, first_task,
    row_of, template, to_bytes,
)
from tests.test_plan_import import PLAN_ROW, TARGET_ROWS, TASK_ROWS, fill

CACHE_TABLES = ("view_snapshots",)


def stored(con) -> dict[str, tuple]:
    """Row count and a content hash of every stored table (snapshots and the audit log aside:
    a cache, and the record that a file was checked)."""
    names = [r[0] for r in con.execute(
        "select table_name from information_schema.tables where table_schema = 'main' "
        "and table_type = 'BASE TABLE' and table_name not like 'snapshot_%' and table_name <> 'audit_log' "
        "order by 1").fetchall()]
    return {name: tuple(con.execute(f"select count(*), bit_xor(hash(t)) from {name} t").fetchall()[0])
            for name in names if name not in CACHE_TABLES}


def refused(con, data: bytes, cell: str, *fragments: str):
    before = stored(con)
    result = assert_rejected(con, data, cell=cell)
    lines = [p.line() for p in result.problems]
    line = next(line for line in lines if line.startswith(cell + ": "))
    for fragment in fragments:
        assert fragment in line, (fragment, lines)
    assert stored(con) == before
    return result


# --- periods ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["31/11/2026", "99/11/2026", "00/11/2026"])
def test_a_period_that_is_not_a_real_day_is_refused(con, typed):
    # November 2026 is the month before DEMO_TODAY's deadline, so its template is accepted as such
    data = filled(con, kpis={PERCENT_KPI: {"value": 50, "period": typed}}, period="2026-11")
    row = row_of(template(con, period="2026-11")[KPI_SHEET], PERCENT_KPI)
    refused(con, data, f"Chỉ tiêu!{KPI['period']}{row}", "ngày không có thật", typed)


def test_a_real_day_of_the_month_is_still_read_as_the_period(con):
    result, batches = accept(con, filled(con, kpis={PERCENT_KPI: {"value": 50, "period": "30/11/2026"}},
                                         period="2026-11"))
    assert len(batches) == 1 and str(result.period) == "2026-11-01"


# --- magnitudes ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kpi,key,value,fragments", [
    (COUNT_KPI, "value", 1e308, ("giá trị 1e+308", "0–100.000.000", "'Người'")),
    (COUNT_KPI, "value", 100_000_001, ("giá trị 100000001", "0–100.000.000")),
    (RATIO_KPI, "numerator", 5e12, ("tử số 5000000000000", "0–100.000.000", "số đếm")),
    (RATIO_KPI, "denominator", 1e300, ("mẫu số 1e+300", "0–100.000.000")),
])
def test_an_absurd_magnitude_for_the_unit_is_refused(con, kpi, key, value, fragments):
    cells = {key: value} if key == "value" else {"numerator": 1, "denominator": 2, key: value}
    data = filled(con, kpis={kpi: cells})
    row = row_of(template(con)[KPI_SHEET], kpi)
    refused(con, data, f"Chỉ tiêu!{KPI[key]}{row}", *fragments)


def test_a_large_but_believable_count_is_accepted(con):
    result, batches = accept(con, filled(con, kpis={COUNT_KPI: {"value": 100_000_000}}))
    assert batches and list(result.kpi_rows["value"]) == [100_000_000]


def test_bounds_are_defined_once_per_unit_of_measure():
    assert value_rules.bounds_for("%") == (0, 100)
    assert value_rules.bounds_for("thu bac") == value_rules.bounds_for("Thứ bậc") == value_rules.RANK_BOUNDS
    assert value_rules.bounds_for("Người") == value_rules.bounds_for("DN") == value_rules.COUNT_BOUNDS
    assert value_rules.out_of_bounds(float("nan"), "Người") == "không phải số hữu hạn"


# --- long texts ------------------------------------------------------------------------------------

def test_a_note_of_five_million_characters_is_refused_and_not_echoed(con):
    note = "x" * 5_000_000
    data = filled(con, kpis={PERCENT_KPI: {"value": 50, "note": note}})
    row = row_of(template(con)[KPI_SHEET], PERCENT_KPI)
    # (python-calamine reads at most Excel's 32.767 characters of a cell; that is still refused)
    result = refused(con, data, f"Chỉ tiêu!{KPI['note']}{row}", "vượt giới hạn 4.000 ký tự", "max_text_chars")
    assert all(len(str(p.value)) <= value_rules.QUOTED_CHARS + 1 for p in result.problems)
    assert all(len(p.line()) < 300 for p in result.problems)


def test_the_text_limit_is_a_setting(con):
    con.execute("update settings set value = '100' where key = 'max_text_chars'")
    task = first_task(con)
    row = row_of(template(con)[TASK_SHEET], task)
    long = filled(con, tasks={task: {"status": "Đang thực hiện", "difficulties": "k" * 101}})
    refused(con, long, f"Nhiệm vụ!{TASK['difficulties']}{row}", "101 ký tự", "giới hạn 100 ký tự")
    accept(con, filled(con, tasks={task: {"status": "Đang thực hiện", "difficulties": "k" * 100}}))


# --- plans -----------------------------------------------------------------------------------------

@pytest.fixture()
def plan_template(con) -> bytes:
    from nq57 import templates

    buffer = io.BytesIO()
    templates.build_plan_template(con).save(buffer)
    return buffer.getvalue()


def plan_refused(con, data: bytes, cell: str, *fragments: str) -> None:
    before = stored(con)
    check, plan_id = plan_import.import_plan_file(con, data, "ke-hoach.xlsx", user="system:tests")
    assert not check.accepted and plan_id is None
    lines = check.problem_lines()
    line = next((line for line in lines if line.startswith(cell + ": ")), None)
    assert line, lines
    for fragment in fragments:
        assert fragment in line, (fragment, lines)
    assert stored(con) == before


def test_a_plan_deadline_on_an_impossible_day_is_refused(con, plan_template):
    tasks = [row[:7] + ["31/11/2026"] if index == 0 else row for index, row in enumerate(TASK_ROWS)]
    plan_refused(con, fill(plan_template, tasks=tasks), f"{PLAN_TASK_SHEET}!H4", "ngày không có thật (31/11/2026)")


def test_a_plan_issue_date_on_an_impossible_day_is_refused(con, plan_template):
    plan_refused(con, fill(plan_template, plan={**PLAN_ROW, "E": "99/10/2025"}), "Kế hoạch!E4",
                 "Ngày ban hành", "không có thật")


def test_a_plan_target_beyond_its_unit_is_refused(con, plan_template):
    targets = [TARGET_ROWS[0], ["ho-kinh-doanh-so", "Tỷ lệ hộ kinh doanh dùng thanh toán số", "%", 2030, "≥ 170%",
                                "Phòng Kinh tế"],
               ["dn-so-moi", "Doanh nghiệp số thành lập mới", "DN", 2030, "≥ 99999999999999 DN", None]]
    data = fill(plan_template, targets=targets)
    plan_refused(con, data, f"{PLAN_TARGET_SHEET}!E5", "mục tiêu 170", "0–100")
    plan_refused(con, data, f"{PLAN_TARGET_SHEET}!E6", "99.999.999.999.999", "'DN'")


def test_a_plan_text_over_the_limit_is_refused(con, plan_template):
    tasks = [row[:3] + ["n" * 5_000_000] + row[4:] if index == 1 else row for index, row in enumerate(TASK_ROWS)]
    plan_refused(con, fill(plan_template, tasks=tasks), f"{PLAN_TASK_SHEET}!D5", "vượt giới hạn 4.000 ký tự")


# --- formula text in the report template ------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


def test_plan_text_starting_with_equals_is_plain_text_in_the_report_template(con):
    task = first_task(con)
    con.execute("update tasks set content = ? where task_id = ?", [EVIL, task])
    con.execute("update kpis set name = ? where kpi_id = ?", ["@SUM(A1:A9)", PERCENT_KPI])
    workbook = template(con)
    task_sheet, kpi_sheet = workbook[TASK_SHEET], workbook[KPI_SHEET]
    content = task_sheet[f"{TASK['content']}{row_of(task_sheet, task)}"]
    assert content.data_type == "s" and content.value == "'" + EVIL
    name = kpi_sheet[f"{KPI['kpi_name']}{row_of(kpi_sheet, PERCENT_KPI)}"]
    assert name.data_type == "s" and name.value == "'@SUM(A1:A9)"
    for sheet in workbook.worksheets:
        assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"], sheet.title


def test_plan_template_reference_sheet_neutralises_kpi_names(con, plan_template):
    con.execute("update kpis set name = ? where kpi_id = ?", [EVIL, PERCENT_KPI])
    from nq57 import templates

    workbook = openpyxl.load_workbook(io.BytesIO(to_bytes(templates.build_plan_template(con))))
    values = [c for row in workbook[plan_import.REFERENCE_SHEET].iter_rows() for c in row if c.value == "'" + EVIL]
    assert values and all(c.data_type == "s" for c in values)
