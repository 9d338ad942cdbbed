"""Loading a new plan by upload: the plan template, its check and its commit, and the views that
show the plan afterwards. Every test works on a copy of the demo database."""
from __future__ import annotations

import io
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pytest

from nq57 import db, plan_import, templates
from nq57.plan_import import PLAN_SHEET, PLAN_TARGET_SHEET, PLAN_TASK_SHEET, REFERENCE_SHEET
from tests.conftest import DEMO_TODAY

PLAN_ROW = {
    "A": "tan-an-cds-2026", "B": "xa-tan-an", "C": "Ủy ban nhân dân xã Tân An", "D": "125/KH-UBND",
    "E": "15/10/2025", "F": "Kế hoạch chuyển đổi số xã Tân An năm 2026", "G": "02-KH/BCĐ; 57-NQ/TW", "H": "Tháng",
}
TASK_ROWS = [
    ["1", "I", "Thể chế", "Ban hành quy chế vận hành Trung tâm Phục vụ hành chính công", "Trung tâm PVHCC",
     "Phòng VH-XH", "Quy chế", "Quý IV/2025", "dvc-toan-trinh"],
    ["2", "I", "Thể chế", "Tuyên truyền kỹ năng số cho người dân", "phong van hoa - xa hoi",
     "MTTQ, Phòng Quản lý Mưa Gió", "Tin bài", "Thường xuyên"],
    ["3", "II", "Hạ tầng", "Phủ sóng 5G các ấp", "Phòng Kinh tế", None, "Báo cáo", "Sau khi có vốn", "phu-song-5g"],
]
TARGET_ROWS = [
    ["dvc-toan-trinh", None, None, 2025, "≥ 90%", "Trung tâm PVHCC"],
    ["ho-kinh-doanh-so", "Tỷ lệ hộ kinh doanh dùng thanh toán số", "%", 2030, "≥ 70%", "Phòng Kinh tế"],
]


@pytest.fixture()
def con(demo_db_path, tmp_path) -> duckdb.DuckDBPyConnection:
    target = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, target)
    connection = duckdb.connect(str(target))
    yield connection
    connection.close()


@pytest.fixture()
def template_bytes(con) -> bytes:
    buffer = io.BytesIO()
    templates.build_plan_template(con).save(buffer)
    return buffer.getvalue()


def fill(template: bytes, plan: dict | None = None, tasks: list | None = None, targets: list | None = None,
         edit=None) -> bytes:
    """The template filled the way a commune clerk would, with openpyxl."""
    workbook = openpyxl.load_workbook(io.BytesIO(template))
    sheet = workbook[PLAN_SHEET]
    for column, value in (PLAN_ROW if plan is None else plan).items():
        sheet[f"{column}4"] = value
    for name, rows in ((PLAN_TASK_SHEET, TASK_ROWS if tasks is None else tasks),
                       (PLAN_TARGET_SHEET, TARGET_ROWS if targets is None else targets)):
        for offset, row in enumerate(rows):
            for column, value in enumerate(row, start=1):
                workbook[name].cell(row=4 + offset, column=column, value=value)
    if edit:
        edit(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts(con) -> dict[str, int]:
    return {table: con.execute(f"select count(*) from {table}").fetchall()[0][0]
            for table in ("plans", "tasks", "task_units", "targets", "kpis", "units")}


def rejected(con, data: bytes, *fragments: str) -> list[str]:
    """The file is refused with a message holding every fragment, and nothing is stored."""
    before = counts(con)
    check, plan_id = plan_import.import_plan_file(con, data, "ke-hoach.xlsx", dry_run=False, user="system:tests")
    lines = check.problem_lines()
    assert not check.accepted and plan_id is None
    for fragment in fragments:
        assert any(fragment in line for line in lines), (fragment, lines)
    assert counts(con) == before
    return lines


# --- the template ----------------------------------------------------------------------------------

def test_template_has_the_sheets_headers_and_reference_lists(con, template_bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(template_bytes))
    assert workbook.sheetnames == ["Hướng dẫn", "Kế hoạch", "Nhiệm vụ", "Chỉ tiêu", "Danh mục", "_meta"]
    assert workbook["_meta"].sheet_state == "hidden"
    assert workbook["_meta"]["A1"].value == "kind" and workbook["_meta"]["B1"].value == "plan"
    assert workbook["_meta"]["B2"].value == plan_import.PLAN_TEMPLATE_VERSION
    assert [c.value for c in workbook["Kế hoạch"][3]] == [
        "Mã kế hoạch", "Mã đơn vị ban hành", "Tên cơ quan ban hành", "Số hiệu", "Ngày ban hành (dd/mm/yyyy)",
        "Tên kế hoạch", "Thực hiện kế hoạch (số hiệu kế hoạch cấp trên, cách nhau bởi ;)",
        "Chu kỳ báo cáo (Tháng/Quý)"]
    assert [c.value for c in workbook["Nhiệm vụ"][3]] == [
        "STT", "Nhóm", "Tên nhóm", "Nội dung nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Kết quả/sản phẩm",
        "Thời hạn hoàn thành", "Mã chỉ tiêu liên quan (cách nhau bởi ;)"]
    assert [c.value for c in workbook["Chỉ tiêu"][3]] == [
        "Mã chỉ tiêu", "Tên chỉ tiêu", "Đơn vị tính", "Mốc năm (2025/2026/2030/2045)", "Mục tiêu", "Đơn vị chủ trì"]
    guide = "\n".join(str(c.value) for c in workbook["Hướng dẫn"]["A"] if c.value)
    for example in ("Quý IV/2025", "Tháng 11/2025", "30/09/2025", "Thường xuyên", "Năm 2026 và các năm tiếp theo",
                    "Khi Trung ương, tỉnh có hướng dẫn", "≥ 80%", "Tốp 25 của tỉnh", "≥ 2%/năm"):
        assert example in guide
    reference = workbook[REFERENCE_SHEET]
    values = {c.value for row in reference.iter_rows() for c in row if c.value}
    kpi_count = con.execute("select count(*) from kpis").fetchall()[0][0]
    assert {"xa-tan-an", "dvc-toan-trinh", "Phòng Văn hóa – Xã hội", "Trung tâm Phục vụ hành chính công"} <= values
    assert sum(1 for c in reference["D"][3:] if c.value) == kpi_count
    formulas = {dv.formula1 for dv in workbook["Kế hoạch"].data_validations.dataValidation}
    assert '"Tháng,Quý"' in formulas
    assert '"2025,2026,2030,2045"' in {dv.formula1 for dv in workbook["Chỉ tiêu"].data_validations.dataValidation}


def test_every_deadline_example_of_the_guide_is_understood():
    for text in ("Quý IV/2025", "Tháng 11/2025", "30/09/2025", "Thường xuyên", "Năm 2026 và các năm tiếp theo",
                 "Khi Trung ương, tỉnh có hướng dẫn"):
        assert plan_import.parse_deadline(text).kind != "unknown", text
    for text in ("≥ 80%", "Tốp 25 của tỉnh", "≥ 2%/năm"):
        assert plan_import.parse_target(text), text


# --- the happy path --------------------------------------------------------------------------------

def test_new_plan_is_checked_committed_and_shown_in_the_views(con, template_bytes):
    tasks = [row[:] for row in TASK_ROWS]
    tasks[2][8] = "phu-song-5g; ho-kinh-doanh-so"  # a task may name a KPI the plan itself brings
    data = fill(template_bytes, tasks=tasks)
    before = counts(con)
    check = plan_import.check_plan_workbook(con, data, "ke-hoach-tan-an.xlsx")
    assert check.accepted, check.problem_lines()
    assert counts(con) == before  # the check stores nothing
    warnings = check.warning_lines()
    assert any(line.startswith("Nhiệm vụ!H6: không hiểu thời hạn 'Sau khi có vốn'") and "giữ nguyên văn bản" in line
               for line in warnings), warnings
    assert any(line.startswith("Nhiệm vụ!F5:") and "Phòng Quản lý Mưa Gió" in line for line in warnings), warnings

    plan_id = plan_import.commit_plan(con, check, user="system:tests")
    assert plan_id == "tan-an-cds-2026"
    after = counts(con)
    assert after["plans"] == before["plans"] + 1
    assert after["tasks"] == before["tasks"] + 3
    assert after["task_units"] == before["task_units"] + 3
    assert after["targets"] == before["targets"] + 2
    assert after["kpis"] == before["kpis"] + 1

    plan = con.execute("select issuer_unit_id, doc_number, issued_on, implements, report_cycle from plans "
                       "where plan_id = ?", [plan_id]).fetchall()[0]
    assert plan == ("xa-tan-an", "125/KH-UBND", date(2025, 10, 15), ["02-KH/BCĐ", "57-NQ/TW"], "monthly")
    # its parents' document numbers link it into the chain (issue #14)
    lineage = db.query_view(con, "plan_lineage", as_of=DEMO_TODAY, filters={"node_id": plan_id})
    assert set(lineage["parent_id"]) == {"dn-bcd-02", "tw-57"} and set(lineage["level"]) == {"xa"}
    links = con.execute("select task_id, kpi_id from task_kpis where task_id like 'tan-an-cds-2026:%' order by all").fetchall()
    assert links == [("tan-an-cds-2026:1", "dvc-toan-trinh"), ("tan-an-cds-2026:3", "ho-kinh-doanh-so"),
                     ("tan-an-cds-2026:3", "phu-song-5g")]

    tasks = {row[0]: row[1:] for row in con.execute(
        "select task_no, deadline_text, deadline_kind, due_date, recurrence, lead_units, coord_units from tasks "
        "where plan_id = ? order by sort_order", [plan_id]).fetchall()}
    assert tasks["1"] == ("Quý IV/2025", "date", date(2025, 12, 31), None, ["ttpvhcc"], ["phong-vhxh"])
    assert tasks["2"] == ("Thường xuyên", "recurring", None, "continuous", ["phong-vhxh"], ["mttq"])
    assert tasks["3"][:3] == ("Sau khi có vốn", "unknown", None)
    units = con.execute("select task_id, unit_id, lead_office_id from task_units where task_id like 'tan-an-cds-2026:%' "
                        "order by task_id").fetchall()
    assert units == [("tan-an-cds-2026:1", "xa-tan-an", "xa-tan-an/ttpvhcc"),
                     ("tan-an-cds-2026:2", "xa-tan-an", "xa-tan-an/phong-vhxh"),
                     ("tan-an-cds-2026:3", "xa-tan-an", "xa-tan-an/phong-kt")]

    kpi = con.execute("select name, unit_of_measure, direction, kind, is_ratio from kpis where kpi_id = 'ho-kinh-doanh-so'"
                      ).fetchall()[0]
    assert kpi == ("Tỷ lệ hộ kinh doanh dùng thanh toán số", "%", "higher", "level", True)
    targets = con.execute("select kpi_id, unit_id, horizon, comparator, target_value, due_date, raw_text, lead_units "
                          "from targets where plan_id = ? order by kpi_id", [plan_id]).fetchall()
    assert targets == [
        ("dvc-toan-trinh", "xa-tan-an", 2025, ">=", 90.0, date(2025, 12, 31), "≥ 90%", ["ttpvhcc"]),
        ("ho-kinh-doanh-so", "xa-tan-an", 2030, ">=", 70.0, date(2030, 12, 31), "≥ 70%", ["phong-kt"]),
    ]

    progress = db.query_view(con, "task_progress", as_of=DEMO_TODAY, filters={"unit_id": "xa-tan-an", "plan_id": plan_id})
    assert sorted(progress["task_no"]) == ["1", "2", "3"]
    by_no = progress.set_index("task_no")
    assert bool(by_no.loc["1", "is_overdue"])  # Quý IV/2025 passed without a report
    assert not bool(by_no.loc["3", "is_due"])  # an unreadable deadline is never due

    kpis = db.query_view(con, "kpi_progress", as_of=DEMO_TODAY, filters={"unit_id": "xa-tan-an"})
    dvc = kpis[kpis["kpi_id"] == "dvc-toan-trinh"].set_index("horizon")
    assert len(dvc.loc[[2025]]) == 1  # the own target replaces the inherited one, not beside it
    assert dvc.loc[2025, "target_source"] == "own" and dvc.loc[2025, "target_value"] == 90
    assert dvc.loc[2025, "plan_id"] == plan_id
    assert dvc.loc[2030, "target_source"] == "assumption"  # other horizons are still inherited, by lineage
    assert "Giả định" in dvc.loc[2030, "target_source_label"]
    new = kpis[kpis["kpi_id"] == "ho-kinh-doanh-so"]
    assert list(new["target_source"]) == ["own"] and list(new["horizon"]) == [2030]
    # a commune whose plan does not implement 02-KH/BCĐ inherits nothing from it
    other = db.query_view(con, "kpi_progress", as_of=DEMO_TODAY, filters={"unit_id": "xa-nha-bich", "kpi_id": "dvc-toan-trinh"})
    assert list(other["horizon"]) == [2030] and set(other["target_source"]) == {"own"}


def test_same_file_again_is_a_no_op(con, template_bytes):
    data = fill(template_bytes)
    check, plan_id = plan_import.import_plan_file(con, data, "ke-hoach.xlsx", dry_run=False, user="system:tests")
    assert check.accepted and plan_id == "tan-an-cds-2026"
    before = counts(con)
    again, again_id = plan_import.import_plan_file(con, data, "ten-khac.xlsx", dry_run=False, user="system:tests")
    assert again.accepted and again.duplicate_of == "tan-an-cds-2026" and again_id == "tan-an-cds-2026"
    assert "đã được nhập trước đây" in again.summary()
    assert counts(con) == before


def test_dry_run_stores_nothing(con, template_bytes):
    before = counts(con)
    check, plan_id = plan_import.import_plan_file(con, fill(template_bytes), "ke-hoach.xlsx", dry_run=True)
    assert check.accepted and plan_id is None
    assert "3 nhiệm vụ, 2 chỉ tiêu" in check.summary()
    assert counts(con) == before


def test_office_spelled_without_diacritics_resolves(con):
    offices = plan_import._Offices(con)
    assert offices.resolve("phong van hoa - xa hoi") == (["phong-vhxh"], [])
    assert offices.resolve("Các phòng, ban, đơn vị trực thuộc") == (["cac-phong"], [])
    assert offices.resolve("Trung tâm PVHCC; phong kinh te, Ban Mưa Gió") == (["ttpvhcc", "phong-kt"], ["Ban Mưa Gió"])


def test_qualitative_and_rank_targets_and_quarterly_cycle(con, template_bytes):
    plan = dict(PLAN_ROW, H="Quý")
    targets = [
        ["xep-hang-cds-xa", "Xếp hạng chuyển đổi số của xã", "Thứ bậc", 2030, "Tốp 25 của tỉnh", None],
        ["van-hoa-so", "Xây dựng văn hóa số", "Định tính", "2045", "Hình thành văn hóa số trong cộng đồng", None],
        ["dvc-toan-trinh", None, None, 2026, None, None],
    ]
    check, plan_id = plan_import.import_plan_file(con, fill(template_bytes, plan=plan, targets=targets), "k.xlsx", False, user="system:tests")
    assert check.accepted, check.problem_lines()
    rows = con.execute("select kpi_id, horizon, comparator, target_value, due_date from targets where plan_id = ? "
                       "order by kpi_id", [plan_id]).fetchall()
    assert rows == [("dvc-toan-trinh", 2026, None, None, date(2026, 12, 31)),
                    ("van-hoa-so", 2045, None, None, date(2045, 12, 31)),
                    ("xep-hang-cds-xa", 2030, "rank<=", 25.0, date(2030, 12, 31))]
    assert con.execute("select direction, is_ratio from kpis where kpi_id = 'xep-hang-cds-xa'").fetchall() == [("rank", False)]
    assert con.execute("select report_cycle from units where unit_id = 'xa-tan-an'").fetchall() == [("quarterly",)]
    assert any("sang Quý" in line for line in check.warning_lines())


# --- rejections ------------------------------------------------------------------------------------

def test_missing_issuing_unit_is_refused(con, template_bytes):
    rejected(con, fill(template_bytes, plan=dict(PLAN_ROW, B=None)), "Kế hoạch!B4: thiếu Mã đơn vị ban hành")


def test_unknown_issuing_unit_is_refused(con, template_bytes):
    rejected(con, fill(template_bytes, plan=dict(PLAN_ROW, B="xa-khong-co")),
             "Kế hoạch!B4: mã đơn vị 'xa-khong-co' không có trong danh mục")


def test_existing_plan_code_is_refused(con, template_bytes):
    rejected(con, fill(template_bytes, plan=dict(PLAN_ROW, A="nha-bich-nq57")),
             "Kế hoạch!A4: mã kế hoạch 'nha-bich-nq57' đã có trong hệ thống")


def test_same_plan_code_from_a_different_file_is_refused(con, template_bytes):
    plan_import.import_plan_file(con, fill(template_bytes), "ke-hoach.xlsx", dry_run=False, user="system:tests")
    changed = fill(template_bytes, plan=dict(PLAN_ROW, F="Kế hoạch đã sửa"))
    rejected(con, changed, "mã kế hoạch 'tan-an-cds-2026' đã có trong hệ thống")


def test_duplicate_task_number_is_refused(con, template_bytes):
    tasks = [row[:] for row in TASK_ROWS]
    tasks[2][0] = "1"
    rejected(con, fill(template_bytes, tasks=tasks), "Nhiệm vụ!A6: STT '1' trùng với dòng 4")


def test_empty_task_content_is_refused(con, template_bytes):
    tasks = [row[:] for row in TASK_ROWS]
    tasks[1][3] = None
    rejected(con, fill(template_bytes, tasks=tasks), "Nhiệm vụ!D5: thiếu Nội dung nhiệm vụ")


def test_horizon_outside_the_plan_years_is_refused(con, template_bytes):
    targets = [row[:] for row in TARGET_ROWS]
    targets[0][3] = 2027
    rejected(con, fill(template_bytes, targets=targets),
             "Chỉ tiêu!D4: Mốc năm phải là một trong 2025, 2026, 2030, 2045")


def test_target_with_a_number_that_cannot_be_read_is_refused(con, template_bytes):
    targets = [row[:] for row in TARGET_ROWS]
    targets[0][4] = "khoảng 80 tới 90"
    rejected(con, fill(template_bytes, targets=targets), "Chỉ tiêu!E4: không đọc được Mục tiêu")


def test_new_kpi_without_name_or_unit_is_refused(con, template_bytes):
    targets = [row[:] for row in TARGET_ROWS]
    targets[1][1] = None
    targets[1][2] = None
    rejected(con, fill(template_bytes, targets=targets),
             "Chỉ tiêu!A5: mã chỉ tiêu 'ho-kinh-doanh-so' chưa có trong danh mục; chỉ tiêu mới phải ghi "
             "Tên chỉ tiêu và Đơn vị tính")


def test_report_template_uploaded_as_plan_is_refused(con):
    buffer = io.BytesIO()
    templates.build_report_template(con, "xa-tan-an", "2026-10").save(buffer)
    rejected(con, buffer.getvalue(), "_meta!B1: tệp là mẫu báo cáo định kỳ, không phải mẫu kế hoạch")
    assert plan_import.template_kind(buffer.getvalue()) == "report"


def test_plan_template_kind_is_detected(template_bytes):
    assert plan_import.template_kind(template_bytes) == "plan"
    assert plan_import.template_kind(b"%PDF-1.4 not a workbook") is None


def test_files_the_container_check_refuses_are_refused(con, template_bytes):
    rejected(con, b"%PDF-1.4\n...", "PDF")
    rejected(con, template_bytes[: len(template_bytes) // 2], "hỏng")
    rejected(con, "STT;Nội dung\n1;abc\n".encode("utf-8"), "tệp văn bản")


def test_workbook_with_doctype_is_refused(con, template_bytes):
    source = zipfile.ZipFile(io.BytesIO(template_bytes))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/workbook.xml":
                content = b'<!DOCTYPE x [<!ENTITY a "b">]>' + content
            target.writestr(item, content)
    rejected(con, buffer.getvalue(), "DOCTYPE")


def test_all_problems_are_listed_together_with_their_cells(con, template_bytes):
    tasks = [row[:] for row in TASK_ROWS]
    tasks[1][3] = None
    targets = [row[:] for row in TARGET_ROWS]
    targets[0][3] = 2040
    lines = rejected(con, fill(template_bytes, tasks=tasks, targets=targets), "Nhiệm vụ!D5", "Chỉ tiêu!D4")
    assert len(lines) == 2


def test_a_target_cell_with_two_horizons_gives_two_targets(con, template_bytes):
    targets = [["dvc-toan-trinh", None, None, 2025, "≥ 85% trước ngày 01/01/2026, tiến tới 100% trước ngày 31/12/2030",
                "Trung tâm PVHCC"]]
    check, plan_id = plan_import.import_plan_file(con, fill(template_bytes, targets=targets), "k.xlsx", False, user="system:tests")
    assert check.accepted, check.problem_lines()
    rows = con.execute("select horizon, comparator, target_value, due_date from targets where plan_id = ? "
                       "order by horizon", [plan_id]).fetchall()
    assert rows == [(2025, ">=", 85.0, date(2025, 12, 31)), (2030, ">=", 100.0, date(2030, 12, 31))]


def test_template_command_writes_the_plan_template(demo_db_path, tmp_path):
    import subprocess
    import sys
    copy = tmp_path / "cli.duckdb"
    shutil.copy(demo_db_path, copy)
    out = tmp_path / "mau-ke-hoach.xlsx"
    result = subprocess.run([sys.executable, "-m", "nq57", "--db", str(copy), "template", "--plan", "--out", str(out)],
                            cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert plan_import.template_kind(out.read_bytes()) == "plan"


def test_a_task_naming_an_unknown_kpi_is_refused(con, template_bytes):
    tasks = [row[:] for row in TASK_ROWS]
    tasks[1] = tasks[1][:8] + ["khong-co-chi-tieu-nay"]
    rejected(con, fill(template_bytes, tasks=tasks), "Nhiệm vụ!I5: mã chỉ tiêu 'khong-co-chi-tieu-nay' không có")


def test_the_plan_import_command_reports_the_catalogue_checks_of_the_new_plan(demo_db_path, tmp_path, template_bytes):
    """A plan whose parent number matches nothing is still imported, and the import says so."""
    from tests.test_cli import nq57

    database = tmp_path / "cli.duckdb"
    shutil.copy(demo_db_path, database)
    plan = dict(PLAN_ROW, G="02-KH/BCĐ; 404/KH-UBND")
    path = tmp_path / "ke-hoach.xlsx"
    path.write_bytes(fill(template_bytes, plan=plan))
    result = nq57("import", str(path), "--plan", "--system", db=database)
    assert result.returncode == 0, result.stderr
    assert any("404/KH-UBND" in line and "không khớp" in line for line in result.stderr.splitlines()), result.stderr
