"""The Excel round trip: template -> filled by a person -> checked -> stored -> seen in the views.

Every test works on a copy of the session's demo database (the real catalogue and the demo
reports as of DEMO_TODAY). Rejection tests also prove that nothing was stored and that a
rejected result cannot be committed.
"""
from __future__ import annotations

import io
import random
import re
import shutil
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from nq57 import db, ingest, reports, templates
from nq57.vnformat import vn_shortened
from nq57.workbook_format import KPI_COLUMNS, KPI_SHEET, META_SHEET, TASK_COLUMNS, TASK_SHEET
from tests.conftest import DEMO_TODAY

PROJECT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
UNIT, PERIOD = "xa-nha-bich", "2026-10"
FIRST_ROW = 4                                   # header on row 3 (templates.HEADER_ROW)
PERCENT_KPI = "an-toan-an-ninh-mang"             # unit of measure '%', not a ratio
COUNT_KPI = "can-bo-nckh"                        # unit of measure 'Người'
RATIO_KPI = "bang-rong-1gbps"                    # '%', is_ratio: numerator and denominator allowed
NOW = datetime(2026, 11, 25, 9, 0)               # uploads are stamped inside DEMO_TODAY
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵấầẩẫậắằẳẵặếềểễệốồổỗộớờởỡợứừửữự]")


def column(columns, key: str) -> str:
    return get_column_letter([c.key for c in columns].index(key) + 1)


KPI = {c.key: column(KPI_COLUMNS, c.key) for c in KPI_COLUMNS}     # KPI["value"] == "I"
TASK = {c.key: column(TASK_COLUMNS, c.key) for c in TASK_COLUMNS}  # TASK["status"] == "I"


# --- helpers --------------------------------------------------------------------------------------

@pytest.fixture()
def con(demo_db_path, tmp_path):
    path = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, path)
    connection = duckdb.connect(str(path))
    yield connection
    connection.close()


@pytest.fixture()
def db_copy(demo_db_path, tmp_path) -> Path:
    path = tmp_path / "cli.duckdb"
    shutil.copy(demo_db_path, path)
    return path


def template(con, unit: str = UNIT, period: str = PERIOD) -> openpyxl.Workbook:
    """The template as a person receives it: built, saved, and opened again."""
    buffer = io.BytesIO()
    templates.build_report_template(con, unit, period).save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def to_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row_of(sheet, code: str, unit: str | None = None) -> int:
    """The Excel row of a KPI or task code (column D) in a template sheet."""
    for row in range(FIRST_ROW, sheet.max_row + 1):
        if sheet[f"D{row}"].value == code and (unit is None or sheet[f"A{row}"].value == unit):
            return row
    raise AssertionError(f"{code} not in sheet {sheet.title}")


def filled(con, kpis: dict | None = None, tasks: dict | None = None, edit=None, unit: str = UNIT,
           period: str = PERIOD) -> bytes:
    """A filled template: kpis/tasks map a code to {column key: value}; edit(workbook) may change more."""
    workbook = template(con, unit, period)
    for sheet_name, letters, values in ((KPI_SHEET, KPI, kpis or {}), (TASK_SHEET, TASK, tasks or {})):
        sheet = workbook[sheet_name]
        for code, cells in values.items():
            row = row_of(sheet, code)
            for key, value in cells.items():
                sheet[f"{letters[key]}{row}"] = value
    if edit:
        edit(workbook)
    return to_bytes(workbook)


def first_task(con) -> str:
    return template(con)[TASK_SHEET][f"D{FIRST_ROW}"].value


def counts(con) -> tuple[int, int, int]:
    return tuple(con.execute(f"select count(*) from {table}").fetchall()[0][0]
                 for table in ("report_batches", "kpi_values", "task_updates"))


def check(con, data: bytes, name: str = "bao-cao.xlsx", today: date = DEMO_TODAY) -> ingest.CheckResult:
    return ingest.check_workbook(con, data, name, today=today)


def accept(con, data: bytes, now: datetime = NOW, name: str = "bao-cao.xlsx") -> tuple[ingest.CheckResult, list[int]]:
    result = check(con, data, name)
    assert result.accepted, [p.line() for p in result.problems]
    return result, [written.batch_id for written in ingest.commit(con, result, "test", now=now)]


def assert_rejected(con, data: bytes, cell: str | None = None, says: str | None = None,
                    name: str = "bao-cao.xlsx", today: date = DEMO_TODAY) -> ingest.CheckResult:
    """Rejected, in Vietnamese, at the cell given ('Chỉ tiêu!I5'), and nothing stored or storable."""
    before = counts(con)
    result = check(con, data, name, today)
    assert result.accepted is False
    assert result.problems
    lines = [p.line() for p in result.problems]
    assert all(VIETNAMESE.search(p.message.lower()) for p in result.problems), lines
    if cell:
        assert any(line.startswith(cell + ": ") for line in lines), lines
    if says:
        assert any(says in line for line in lines), lines
    assert counts(con) == before                     # checking wrote nothing
    with pytest.raises(ValueError):
        ingest.commit(con, result, "test", now=NOW)
    assert counts(con) == before                     # and nothing can be committed
    return result


def kpi_actual(con, kpi_id: str, unit: str = UNIT, as_of: date = DEMO_TODAY) -> set:
    frame = db.query_view(con, "kpi_progress", as_of=as_of, filters={"unit_id": unit, "kpi_id": kpi_id})
    assert len(frame), f"no kpi_progress row for {unit}/{kpi_id}"
    return set(frame["actual_value"].round(6))


def task_row(con, task_id: str, unit: str = UNIT):
    frame = db.query_view(con, "task_progress", as_of=DEMO_TODAY, filters={"unit_id": unit, "task_id": task_id})
    assert len(frame) == 1
    return frame.iloc[0]


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """The same xlsx with some members replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, (replace or {}).get(member.filename, source.read(member.filename)))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


# --- the round trip -------------------------------------------------------------------------------

def test_filled_template_changes_the_views(con):
    task = first_task(con)
    data = filled(con, kpis={PERCENT_KPI: {"value": 91.5, "evidence_ref": "Báo cáo 12/BC-UBND"},
                             COUNT_KPI: {"value": 4}},
                  tasks={task: {"status": "Đang thực hiện", "percent_complete": 65, "evidence_ref": "QĐ 3/QĐ"}})
    before = counts(con)
    result, batch_ids = accept(con, data)
    assert result.unit_id == UNIT and result.period == date(2026, 10, 1) == result.period_to
    assert len(result.kpi_rows) == 2 and len(result.task_rows) == 1
    assert len(batch_ids) == 1
    assert counts(con) == (before[0] + 1, before[1] + 2, before[2] + 1)
    assert kpi_actual(con, PERCENT_KPI) == {91.5}
    row = task_row(con, task)
    assert row["reported_status"] == "dang_thuc_hien"
    assert row["percent_complete"] == 65
    assert row["last_batch_id"] == batch_ids[0]
    stored = con.execute("select unit_id, period, file_name, uploaded_by, source, row_count from report_batches "
                         "where batch_id = ?", batch_ids).fetchall()
    assert stored == [(UNIT, date(2026, 10, 1), "bao-cao.xlsx", "test", "upload", 3)]


def test_province_template_covers_95_communes_and_wards_and_imports_one_batch_per_unit(con):
    communes = [r[0] for r in con.execute(
        "select unit_id from units where kind in ('ward', 'commune') order by sort_order").fetchall()]
    assert len(communes) == 95
    workbook = template(con, "all")
    assert workbook[META_SHEET]["B3"].value == "all"
    # every commune answers for the province plan's tasks; KPI rows only where a unit holds a target,
    # which since issue #14 is by lineage (its own plan), not because it is a commune
    tasks = workbook[TASK_SHEET]
    first_rows: dict[str, int] = {}
    for row in range(FIRST_ROW, tasks.max_row + 1):
        first_rows.setdefault(tasks[f"A{row}"].value, row)
    assert set(communes) <= set(first_rows)
    kpi_sheet = workbook[KPI_SHEET]
    kpi_units = {kpi_sheet[f"A{row}"].value for row in range(FIRST_ROW, kpi_sheet.max_row + 1)} - {None}
    assert kpi_units == {"xa-nha-bich", "xa-phuoc-an", "phuong-binh-long", "phuong-tam-phuoc"}
    chosen = communes[::2]                       # 48 units report, the others leave the file blank
    for index, unit in enumerate(chosen):
        tasks[f"I{first_rows[unit]}"] = "Đang thực hiện"
        tasks[f"J{first_rows[unit]}"] = 10 + index % 50
    before = counts(con)
    result, batch_ids = accept(con, to_bytes(workbook))
    assert result.units == sorted(chosen)
    assert len(batch_ids) == len(chosen) == 48
    stored = con.execute("select unit_id, period from report_batches where batch_id in (select unnest(?))",
                         [batch_ids]).fetchall()
    assert sorted(u for u, _ in stored) == sorted(chosen)
    assert {p for _, p in stored} == {date(2026, 10, 1)}
    assert counts(con)[0] == before[0] + 48 and counts(con)[2] == before[2] + 48


# --- forgiving inputs -----------------------------------------------------------------------------

def test_headers_without_diacritics_other_case_and_spaces_are_accepted(con):
    def headers(workbook):
        sheet = workbook[KPI_SHEET]
        sheet["A3"], sheet["C3"], sheet["I3"], sheet["L3"] = "MA DON VI", "ky bao cao", " gia tri ", "MINH  CHUNG"
        workbook[TASK_SHEET]["I3"] = "trang thai"
    result, _ = accept(con, filled(con, kpis={PERCENT_KPI: {"value": 70}}, tasks={first_task(con): {"status": "Chưa thực hiện"}},
                                   edit=headers))
    assert list(result.kpi_rows["value"]) == [70.0]
    assert list(result.task_rows["status"]) == ["chua_thuc_hien"]


def test_numbers_typed_as_text_are_read(con):
    task = first_task(con)
    data = filled(con, kpis={PERCENT_KPI: {"value": "2,5"}, COUNT_KPI: {"value": " 1.200 "},
                             RATIO_KPI: {"numerator": "30", "denominator": "40"}},
                  tasks={task: {"status": "Đang thực hiện", "percent_complete": "80%"}})
    result, _ = accept(con, data)
    values = result.kpi_rows.set_index("kpi_id")
    assert values.loc[PERCENT_KPI, "value"] == 2.5
    assert values.loc[COUNT_KPI, "value"] == 1200
    assert (values.loc[RATIO_KPI, "numerator"], values.loc[RATIO_KPI, "denominator"]) == (30, 40)
    assert list(result.task_rows["percent_complete"]) == [80.0]
    assert kpi_actual(con, RATIO_KPI) == {75.0}


@pytest.mark.parametrize("period_cell", [
    datetime(2026, 10, 1),                                  # a date cell
    datetime(2026, 10, 17),                                 # any day of the month
    "10/2026",                                              # text, as in the template
    "tháng 10/2026",
    (date(2026, 10, 1) - date(1899, 12, 30)).days,          # an Excel serial number (46296)
], ids=["date", "mid-month-date", "text", "thang-text", "serial"])
def test_period_cells_in_any_common_form(con, period_cell):
    def periods(workbook):
        for sheet in (workbook[KPI_SHEET], workbook[TASK_SHEET]):
            for row in range(FIRST_ROW, sheet.max_row + 1):
                sheet[f"C{row}"] = period_cell
    result, batch_ids = accept(con, filled(con, kpis={PERCENT_KPI: {"value": 50}},
                                           tasks={first_task(con): {"status": "Chưa thực hiện"}}, edit=periods))
    assert set(result.kpi_rows["period"]) == {date(2026, 10, 1)}
    assert len(batch_ids) == 1


def test_blank_trailing_rows_are_ignored(con):
    def trailing(workbook):
        sheet = workbook[KPI_SHEET]
        last = sheet.max_row
        for row in range(last + 1, last + 40):
            sheet[f"I{row}"] = "   "            # spaces only
            sheet[f"M{row}"] = ""
        sheet[f"A{last + 50}"] = None
    result, _ = accept(con, filled(con, kpis={PERCENT_KPI: {"value": 33}}, edit=trailing))
    assert len(result.kpi_rows) == 1 and result.task_rows.empty


def test_rows_in_another_order_are_accepted(con):
    def shuffle(workbook):
        for sheet in (workbook[KPI_SHEET], workbook[TASK_SHEET]):
            rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=FIRST_ROW, max_row=sheet.max_row)]
            random.Random(57).shuffle(rows)
            for offset, values in enumerate(rows):
                for index, value in enumerate(values, start=1):
                    sheet.cell(row=FIRST_ROW + offset, column=index).value = value   # cell(value=None) keeps the old value
    task = first_task(con)
    result, _ = accept(con, filled(con, kpis={PERCENT_KPI: {"value": 44}, COUNT_KPI: {"value": 2}},
                                   tasks={task: {"status": "Hoàn thành", "evidence_ref": "QĐ 9"}}, edit=shuffle))
    assert dict(zip(result.kpi_rows["kpi_id"], result.kpi_rows["value"])) == {PERCENT_KPI: 44, COUNT_KPI: 2}
    assert kpi_actual(con, PERCENT_KPI) == {44.0}
    assert task_row(con, task)["reported_status"] == "hoan_thanh"


def test_an_extra_column_is_accepted_with_a_warning_naming_it(con):
    def extra(workbook):
        sheet = workbook[KPI_SHEET]
        sheet["N3"] = "Người báo cáo"
        sheet[f"N{FIRST_ROW}"] = "Nguyễn Văn A"
    result, _ = accept(con, filled(con, kpis={PERCENT_KPI: {"value": 61}}, edit=extra))
    assert [w.line() for w in result.warnings] == ["Chỉ tiêu!N3: cột 'Người báo cáo' không thuộc mẫu; đã bỏ qua"]


def test_status_without_diacritics_or_in_upper_case(con):
    tasks = [r for r in template(con)[TASK_SHEET].iter_rows(min_row=FIRST_ROW, max_col=4, values_only=True)][:3]
    codes = [t[3] for t in tasks]
    data = filled(con, tasks={codes[0]: {"status": "HOAN THANH", "evidence_ref": "QĐ 1"},
                              codes[1]: {"status": "dang thuc hien", "percent_complete": 30},
                              codes[2]: {"status": "  CHƯA THỰC HIỆN "}})
    result, _ = accept(con, data)
    assert dict(zip(result.task_rows["task_id"], result.task_rows["status"])) == {
        codes[0]: "hoan_thanh", codes[1]: "dang_thuc_hien", codes[2]: "chua_thuc_hien"}
    assert list(result.task_rows["percent_complete"])[0] == 100.0   # done means 100%


# --- files that are not a report workbook ---------------------------------------------------------

def test_rejects_a_csv(con):
    csv = "Mã đơn vị,Kỳ báo cáo,Mã chỉ tiêu,Giá trị\nxa-nha-bich,10/2026,an-toan-an-ninh-mang,80\n".encode()
    assert_rejected(con, csv, says="CSV", name="bao-cao.xlsx")


def test_rejects_an_old_xls(con):
    assert_rejected(con, bytes.fromhex("D0CF11E0A1B11AE1") + bytes(4096), says=".xls")


def test_rejects_a_pdf(con):
    assert_rejected(con, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", says="PDF")


def test_rejects_a_png_renamed_xlsx(con):
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    assert_rejected(con, png, says="ảnh", name="bao-cao.xlsx")


def test_rejects_a_corrupted_file(con):
    data = bytearray(filled(con, kpis={PERCENT_KPI: {"value": 50}}))
    middle = len(data) // 2
    for position in range(middle - 300, middle + 300):
        data[position] ^= 0xFF
    result = assert_rejected(con, bytes(data))
    assert any(word in result.problems[0].message for word in ("bị hỏng", "không đọc được")), result.problems


def test_rejects_a_truncated_file(con):
    data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
    assert_rejected(con, data[: len(data) // 2], says="bị cắt cụt")


def test_rejects_a_password_protected_file(con):
    # tests/fixtures/password.xlsx: the filled Nha Bích template encrypted by msoffcrypto-tool
    # (see tests/fixtures/make_fixtures.py); the password is "nq57-mat-khau".
    data = (FIXTURES / "password.xlsx").read_bytes()
    assert data.startswith(bytes.fromhex("D0CF11E0A1B11AE1"))
    assert_rejected(con, data, says="mật khẩu")


def test_rejects_an_empty_workbook(con):
    assert_rejected(con, to_bytes(openpyxl.Workbook()), says="_meta")


def test_rejects_a_workbook_without_meta(con):
    def drop_meta(workbook):
        del workbook[META_SHEET]
    assert_rejected(con, filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=drop_meta), says="thiếu trang ẩn _meta")


def test_rejects_an_old_template_version(con):
    def old(workbook):
        workbook[META_SHEET]["B2"] = "1"
    assert_rejected(con, filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=old), cell="_meta!B2", says="đã cũ")


def test_rejects_a_zip_bomb(con):
    data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
    bomb = rezip(data, add={"xl/media/image1.bin": bytes(60 * 1024 * 1024)})   # 60 MB of zeros, ~60 KB zipped
    assert len(bomb) < 1024 * 1024
    assert_rejected(con, bomb, says="zip bomb")


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet2.xml"])
def test_rejects_xml_with_entity_declarations(con, member):
    data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        original = archive.read(member).decode("utf-8")
    body = re.sub(r"^<\?xml[^>]*\?>", "", original).lstrip()
    prologue = ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
                '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                '<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n')
    assert_rejected(con, rezip(data, replace={member: (prologue + body).encode("utf-8")}), says="DOCTYPE/ENTITY")


def test_rejects_a_file_above_the_size_limit(con):
    con.execute("insert into settings (key, value, description) values ('max_upload_mb', '0.01', 'test')")
    data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
    assert len(data) > 0.01 * 1024 * 1024
    result = assert_rejected(con, data, says="vượt giới hạn 0,01 MB")
    assert all("!" not in p.line() for p in result.problems)
    assert result.kpi_rows is None


# --- _meta and keys -------------------------------------------------------------------------------

def test_rejects_an_unknown_unit_code_in_a_row(con):
    def province_file(workbook):                 # an 'all' file: any catalogue unit may appear
        workbook[META_SHEET]["B3"] = "all"
        workbook[KPI_SHEET][f"A{FIRST_ROW + 1}"] = "xa-khong-ton-tai"
    row = FIRST_ROW + 1
    data = filled(con, edit=lambda wb: (province_file(wb), wb[KPI_SHEET].__setitem__(f"I{row}", 12)))
    assert_rejected(con, data, cell=f"Chỉ tiêu!A{row}", says="'xa-khong-ton-tai' không có trong danh mục")


def test_rejects_an_unknown_kpi_code(con):
    def unknown(workbook):
        workbook[KPI_SHEET][f"D{FIRST_ROW}"] = "chi-tieu-khong-co"
        workbook[KPI_SHEET][f"I{FIRST_ROW}"] = 50
    assert_rejected(con, filled(con, edit=unknown), cell=f"Chỉ tiêu!D{FIRST_ROW}",
                    says="mã chỉ tiêu 'chi-tieu-khong-co' không có trong danh mục")


def test_rejects_an_unknown_task_code(con):
    def unknown(workbook):
        workbook[TASK_SHEET][f"D{FIRST_ROW}"] = "khong-co:99"
        workbook[TASK_SHEET][f"I{FIRST_ROW}"] = "Đang thực hiện"
    assert_rejected(con, filled(con, edit=unknown), cell=f"Nhiệm vụ!D{FIRST_ROW}",
                    says="mã nhiệm vụ 'khong-co:99' không có trong danh mục")


def test_rejects_a_task_not_assigned_to_the_unit(con):
    other = con.execute("select min(task_id) from tasks where task_id not in "
                        "(select task_id from task_units where unit_id = ?)", [UNIT]).fetchall()[0][0]
    assert other

    def foreign(workbook):
        workbook[TASK_SHEET][f"D{FIRST_ROW}"] = other
        workbook[TASK_SHEET][f"I{FIRST_ROW}"] = "Đang thực hiện"
    assert_rejected(con, filled(con, edit=foreign), cell=f"Nhiệm vụ!D{FIRST_ROW}", says="không giao cho đơn vị này")


def test_rejects_a_row_of_another_unit(con):
    def other(workbook):
        workbook[KPI_SHEET][f"A{FIRST_ROW}"] = "xa-phuoc-an"
    assert_rejected(con, filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=other), cell=f"Chỉ tiêu!A{FIRST_ROW}",
                    says="khác đơn vị của mẫu ('xa-nha-bich')")


def test_rejects_a_row_of_another_period(con):
    row = row_of(template(con)[TASK_SHEET], first_task(con))

    def other(workbook):
        workbook[TASK_SHEET][f"C{row}"] = "09/2026"
    assert_rejected(con, filled(con, tasks={first_task(con): {"status": "Đang thực hiện"}}, edit=other),
                    cell=f"Nhiệm vụ!C{row}", says="khác kỳ của mẫu (10/2026)")


def test_rejects_a_template_for_a_future_period(con):
    def future(workbook):
        workbook[META_SHEET]["B4"] = "2026-12"
        for sheet in (workbook[KPI_SHEET], workbook[TASK_SHEET]):
            for row in range(FIRST_ROW, sheet.max_row + 1):
                sheet[f"C{row}"] = "12/2026"
    data = filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=future)
    assert_rejected(con, data, cell="_meta!B4", says="chưa tới", today=DEMO_TODAY)
    assert check(con, data, today=date(2026, 12, 3)).accepted       # the same file once December has come


def test_rejects_a_malformed_period(con):
    def malformed(workbook):
        workbook[META_SHEET]["B4"] = "2026-13"
    assert_rejected(con, filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=malformed), cell="_meta!B4",
                    says="không hợp lệ")


# --- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [-5, 150])
def test_rejects_a_percentage_outside_0_100(con, value):
    row = row_of(template(con)[KPI_SHEET], PERCENT_KPI)
    assert_rejected(con, filled(con, kpis={PERCENT_KPI: {"value": value}}), cell=f"Chỉ tiêu!I{row}",
                    says="nằm ngoài khoảng 0–100")


def test_rejects_a_negative_count(con):
    uom = con.execute("select unit_of_measure from kpis where kpi_id = ?", [COUNT_KPI]).fetchall()[0][0]
    assert uom in ("Người", "DN")
    row = row_of(template(con)[KPI_SHEET], COUNT_KPI)
    assert_rejected(con, filled(con, kpis={COUNT_KPI: {"value": -3}}), cell=f"Chỉ tiêu!I{row}",
                    says="số đếm không thể âm")


def test_rejects_a_fraction_of_people_or_enterprises(con):
    """70,5 for a count of enterprises passed the check (the walk-through typed it); a rate keeps
    its decimals."""
    row = row_of(template(con)[KPI_SHEET], COUNT_KPI)
    assert_rejected(con, filled(con, kpis={COUNT_KPI: {"value": 70.5}}), cell=f"Chỉ tiêu!I{row}",
                    says="giá trị 70,5 không phải số nguyên")
    assert check(con, filled(con, kpis={COUNT_KPI: {"value": 70}, PERCENT_KPI: {"value": 70.5}}), "bao-cao.xlsx",
                 DEMO_TODAY).accepted


def test_rejects_a_numerator_above_the_denominator(con):
    row = row_of(template(con)[KPI_SHEET], RATIO_KPI)
    assert_rejected(con, filled(con, kpis={RATIO_KPI: {"numerator": 50, "denominator": 40}}),
                    cell=f"Chỉ tiêu!J{row}", says="tử số 50 lớn hơn mẫu số")


def test_rejects_text_in_a_number_cell(con):
    row = row_of(template(con)[KPI_SHEET], PERCENT_KPI)
    assert_rejected(con, filled(con, kpis={PERCENT_KPI: {"value": "mười"}}), cell=f"Chỉ tiêu!I{row}",
                    says="Giá trị 'mười' không phải là số")


def test_rejects_two_rows_for_the_same_kpi(con):
    def twice(workbook):
        sheet = workbook[KPI_SHEET]
        sheet[f"D{FIRST_ROW + 1}"] = sheet[f"D{FIRST_ROW}"].value
        sheet[f"I{FIRST_ROW}"], sheet[f"I{FIRST_ROW + 1}"] = 50, 60
    result = assert_rejected(con, filled(con, edit=twice), cell=f"Chỉ tiêu!D{FIRST_ROW + 1}",
                             says="xuất hiện nhiều lần")
    assert any(p.line().startswith(f"Chỉ tiêu!D{FIRST_ROW}: ") for p in result.problems)


def test_rejects_a_status_outside_the_list(con):
    row = row_of(template(con)[TASK_SHEET], first_task(con))
    assert_rejected(con, filled(con, tasks={first_task(con): {"status": "Xong"}}), cell=f"Nhiệm vụ!I{row}",
                    says="trạng thái 'Xong' không hợp lệ")


def test_rejects_a_done_task_without_evidence(con):
    row = row_of(template(con)[TASK_SHEET], first_task(con))
    assert_rejected(con, filled(con, tasks={first_task(con): {"status": "Hoàn thành", "evidence_ref": "  "}}),
                    cell=f"Nhiệm vụ!I{row}", says="phải có minh chứng")


def test_rejects_a_percent_complete_of_120(con):
    row = row_of(template(con)[TASK_SHEET], first_task(con))
    assert_rejected(con, filled(con, tasks={first_task(con): {"status": "Đang thực hiện", "percent_complete": 120}}),
                    cell=f"Nhiệm vụ!J{row}", says="tỷ lệ hoàn thành 120 nằm ngoài khoảng 0–100")


# --- versions -------------------------------------------------------------------------------------

def test_the_same_bytes_twice_store_nothing_new(con):
    data = filled(con, kpis={PERCENT_KPI: {"value": 77}})
    _, batch_ids = accept(con, data)
    before = counts(con)
    again = check(con, data, name="ban-sao.xlsx")
    assert again.accepted and again.duplicate_of == batch_ids[0]
    assert ingest.commit(con, again, "test", now=NOW) == []
    assert counts(con) == before


def test_a_second_file_supersedes_the_first_and_rollback_restores_it(con):
    first = filled(con, kpis={PERCENT_KPI: {"value": 40}})
    second = filled(con, kpis={PERCENT_KPI: {"value": 60}})
    assert first != second
    # one day apart and after the demo's own (late) October report, which was sent on 24/11
    _, (first_id,) = accept(con, first, now=datetime(2026, 11, 25, 8, 0))
    assert kpi_actual(con, PERCENT_KPI) == {40.0}
    _, (second_id,) = accept(con, second, now=datetime(2026, 11, 26, 8, 0))
    assert kpi_actual(con, PERCENT_KPI, as_of=date(2026, 11, 26)) == {60.0}
    history = con.execute("select batch_id from report_batches where unit_id = ? and period = ? and source = 'upload' "
                          "order by batch_id", [UNIT, date(2026, 10, 1)]).fetchall()
    assert [b for (b,) in history] == [first_id, second_id]          # the first stays in history
    reports.roll_back_batch(con, second_id, by="test", at=datetime(2026, 11, 27, 8, 0))
    assert kpi_actual(con, PERCENT_KPI, as_of=date(2026, 11, 27)) == {40.0}
    # before the rollback, the view still shows what was in force then
    assert kpi_actual(con, PERCENT_KPI, as_of=date(2026, 11, 26)) == {60.0}


def test_preview_marks_new_changed_unchanged_and_suspicious(con):
    sheet = template(con)[KPI_SHEET]
    codes = [sheet[f"D{row}"].value for row in range(FIRST_ROW, sheet.max_row + 1)]
    reported = {r[0] for r in con.execute("select distinct kpi_id from kpi_values where unit_id = ?", [UNIT]).fetchall()}
    # The demo has reported every KPI of Nha Bích; in this copy one becomes never reported.
    fresh = next(code for code in codes if code not in (PERCENT_KPI, COUNT_KPI))
    con.execute("delete from kpi_values where unit_id = ? and kpi_id = ?", [UNIT, fresh])
    steady = next(code for code in codes if code in reported and code not in (PERCENT_KPI, fresh))
    accept(con, filled(con, kpis={PERCENT_KPI: {"value": 80}, steady: {"value": 50}}),
           now=datetime(2026, 11, 25, 8, 0))  # after the demo's October report (24/11)
    result = check(con, filled(con, kpis={PERCENT_KPI: {"value": 8}, steady: {"value": 50}, fresh: {"value": 5}}))
    assert result.accepted
    db.set_as_of(con, DEMO_TODAY)
    preview = ingest.preview_changes(con, result).kpis.set_index("kpi_id")
    assert preview.loc[PERCENT_KPI, "change"] == "Thay đổi"
    assert (preview.loc[PERCENT_KPI, "previous_value"], preview.loc[PERCENT_KPI, "new_value"]) == (80, 8)
    assert bool(preview.loc[PERCENT_KPI, "is_suspicious"]) is True
    assert preview.loc[steady, "change"] == "Không đổi" and not preview.loc[steady, "is_suspicious"]
    assert preview.loc[fresh, "change"] == "Mới" and not preview.loc[fresh, "is_suspicious"]


def test_a_level_rising_from_zero_is_a_jump_and_a_flow_starting_from_zero_is_not(con):
    """0% to 85% of a rate in a month is a typo or a wrong unit; a flow counted within the year
    (a share of the budget spent so far) may well start from 0."""
    level, flow = PERCENT_KPI, "chi-ns-khcn"  # kinds 'level' and 'flow' in the catalogue
    assert dict(con.execute("select kpi_id, kind from kpis where kpi_id in (?, ?)", [level, flow]).fetchall()) \
        == {level: "level", flow: "flow"}
    accept(con, filled(con, kpis={level: {"value": 0}, flow: {"value": 0}}), now=datetime(2026, 11, 25, 8, 0))
    result = check(con, filled(con, kpis={level: {"value": 85}, flow: {"value": 12}}))
    preview = ingest.preview_changes(con, result).kpis.set_index("kpi_id")
    assert bool(preview.loc[level, "is_suspicious"]) and not preview.loc[flow, "is_suspicious"]


def test_preview_names_a_task_sent_back_from_done_before_the_commit(con):
    """A copied row or an old template can send finished work back: the preview compares each
    task's status and percentage with the one in force and marks a step back."""
    sheet = template(con)[TASK_SHEET]
    done, steady, lowered = [sheet[f"{TASK['task_id']}{row}"].value for row in range(FIRST_ROW, FIRST_ROW + 3)]
    accept(con, filled(con, tasks={done: {"status": "Hoàn thành", "evidence_ref": "QĐ 12/QĐ-UBND"},
                                   steady: {"status": "Đang thực hiện", "percent_complete": 40},
                                   lowered: {"status": "Đang thực hiện", "percent_complete": 70}}),
           now=datetime(2026, 11, 25, 8, 0))
    result = check(con, filled(con, tasks={done: {"status": "Đang thực hiện", "percent_complete": 90},
                                           steady: {"status": "Đang thực hiện", "percent_complete": 40},
                                           lowered: {"status": "Đang thực hiện", "percent_complete": 30}}))
    assert result.accepted
    preview = ingest.preview_changes(con, result)
    assert preview.kpis.empty  # a file of tasks only still previews
    tasks = preview.tasks.set_index("task_id")
    assert (tasks.loc[done, "previous_status_label"], tasks.loc[done, "new_status_label"]) == ("Hoàn thành", "Đang thực hiện")
    assert tasks.loc[done, "change"] == "Thay đổi" and bool(tasks.loc[done, "is_step_back"])
    assert tasks.loc[lowered, "change"] == "Thay đổi" and bool(tasks.loc[lowered, "is_step_back"])
    assert tasks.loc[steady, "change"] == "Không đổi" and not tasks.loc[steady, "is_step_back"]
    assert set(tasks.index[:2]) == {done, lowered}  # the steps back come first
    # and forward is no step back
    forward = check(con, filled(con, tasks={steady: {"status": "Hoàn thành", "evidence_ref": "QĐ 13"}}))
    moved = ingest.preview_changes(con, forward).tasks.set_index("task_id")
    assert moved.loc[steady, "change"] == "Thay đổi" and not moved.loc[steady, "is_step_back"]


# --- bulk history files (a _meta period range) ----------------------------------------------------

def test_a_period_range_file_creates_one_batch_per_unit_and_period(con):
    def history(workbook):
        workbook[META_SHEET]["B4"] = "2026-08..2026-10"
        sheet = workbook[KPI_SHEET]
        row = row_of(sheet, PERCENT_KPI)
        sheet[f"C{row}"], sheet[f"I{row}"] = "08/2026", 20
        sheet[f"C{row + 1}"], sheet[f"I{row + 1}"] = "09/2026", 30
        sheet[f"C{row + 2}"], sheet[f"I{row + 2}"] = "10/2026", 40
        sheet[f"D{row + 1}"] = sheet[f"D{row + 2}"] = PERCENT_KPI      # the same KPI, three months
    result, batch_ids = accept(con, filled(con, edit=history))
    assert (result.period, result.period_to) == (date(2026, 8, 1), date(2026, 10, 1))
    assert len(batch_ids) == 3
    stored = con.execute("select period, row_count from report_batches where batch_id in (select unnest(?)) "
                         "order by period", [batch_ids]).fetchall()
    assert stored == [(date(2026, 8, 1), 1), (date(2026, 9, 1), 1), (date(2026, 10, 1), 1)]
    assert kpi_actual(con, PERCENT_KPI) == {40.0}


def test_a_file_of_several_months_is_previewed_month_by_month(con):
    """A rate rising 20 → 30 → 40 over three months, sent again with one month changed: each month
    is compared with what was stored for it (every month was compared with October's 40, and the
    first two flagged as falling below half)."""
    def months(values):
        def history(workbook):
            workbook[META_SHEET]["B4"] = "2026-08..2026-10"
            sheet = workbook[KPI_SHEET]
            row = row_of(sheet, PERCENT_KPI)
            for offset, (month, value) in enumerate(zip(("08/2026", "09/2026", "10/2026"), values)):
                sheet[f"C{row + offset}"], sheet[f"I{row + offset}"] = month, value
                sheet[f"D{row + offset}"] = PERCENT_KPI
        return history
    accept(con, filled(con, edit=months((20, 30, 40))), now=datetime(2026, 11, 25, 8, 0))
    result = check(con, filled(con, edit=months((20, 31, 40))))
    preview = ingest.preview_changes(con, result).kpis
    rows = {row.period.date(): (row.previous_value, row.new_value, row.change, row.is_suspicious)
            for row in preview[preview["kpi_id"] == PERCENT_KPI].itertuples()}
    assert rows == {date(2026, 8, 1): (20, 20, "Không đổi", False), date(2026, 9, 1): (30, 31, "Thay đổi", False),
                    date(2026, 10, 1): (40, 40, "Không đổi", False)}, rows
    assert ingest.preview_warnings(ingest.preview_changes(con, result)) == []


def test_commit_names_the_unit_and_month_of_every_batch_it_wrote(con):
    """A range file has one batch per month for the same unit, so the unit alone does not say
    which batch a row's evidence belongs to (the upload page attached it to the wrong month)."""
    def history(workbook):
        workbook[META_SHEET]["B4"] = "2026-08..2026-09"
        sheet = workbook[KPI_SHEET]
        row = row_of(sheet, PERCENT_KPI)
        sheet[f"C{row}"], sheet[f"I{row}"] = "08/2026", 20
        sheet[f"C{row + 1}"], sheet[f"I{row + 1}"] = "09/2026", 30
        sheet[f"D{row + 1}"] = PERCENT_KPI
    result = check(con, filled(con, edit=history), "lich-su.xlsx")
    written = ingest.commit(con, result, "test", now=NOW)
    assert [(b.unit_id, b.period) for b in written] == [(UNIT, date(2026, 8, 1)), (UNIT, date(2026, 9, 1))]
    stored = dict(con.execute("select batch_id, period from report_batches where batch_id in (select unnest(?))",
                              [[b.batch_id for b in written]]).fetchall())
    assert {b.batch_id: b.period for b in written} == stored


def test_a_period_range_file_rejects_a_row_outside_the_range(con):
    def history(workbook):
        workbook[META_SHEET]["B4"] = "2026-08..2026-09"
        sheet = workbook[KPI_SHEET]
        sheet[f"C{FIRST_ROW}"], sheet[f"I{FIRST_ROW}"] = "10/2026", 20
    assert_rejected(con, filled(con, edit=history), cell=f"Chỉ tiêu!C{FIRST_ROW}",
                    says="nằm ngoài các kỳ của mẫu (08/2026–09/2026)")


@pytest.mark.parametrize("meta_period", ["2026-10..2026-08", "2026-08..2026-12", "2026-08..", "2026-08..2026-13"])
def test_a_bad_period_range_is_rejected(con, meta_period):
    def history(workbook):
        workbook[META_SHEET]["B4"] = meta_period
    assert_rejected(con, filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=history), cell="_meta!B4")


# --- the command line -----------------------------------------------------------------------------

def nq57(*args: str, db_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nq57", "--db", str(db_path), *args], cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


def cli_counts(path: Path) -> tuple[int, int, int]:
    with db.connect(path, read_only=True) as connection:
        return counts(connection)


def test_cli_import_accepts_and_summarises(db_copy, tmp_path):
    with db.connect(db_copy) as connection:
        data = filled(connection, kpis={PERCENT_KPI: {"value": 66}}, tasks={first_task(connection): {"status": "Đang thực hiện"}})
    path = tmp_path / "nha-bich-10-2026.xlsx"
    path.write_bytes(data)
    before = cli_counts(db_copy)
    result = nq57("import", str(path), "--system", db_path=db_copy)
    assert result.returncode == 0, result.stderr
    assert "Đã ghi nhận 1 đơn vị, kỳ 10/2026: 1 số liệu chỉ tiêu, 1 cập nhật nhiệm vụ" in result.stdout
    assert cli_counts(db_copy) == (before[0] + 1, before[1] + 1, before[2] + 1)
    again = nq57("import", str(path), "--system", db_path=db_copy)
    assert again.returncode == 0 and "đã được nhập trước đây" in again.stdout
    assert cli_counts(db_copy) == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_the_problems_table_shows_each_value_as_the_sender_typed_it_in_vietnamese(con):
    """The refused file's table read "150.0" for a 150 typed in the sheet."""
    result = check(con, filled(con, kpis={PERCENT_KPI: {"value": 150}, COUNT_KPI: {"value": 70.5}}))
    assert not result.accepted
    values = set(result.problem_table()["Giá trị"])
    assert "150" in values and "150.0" not in values, values
    assert "70,5" in values, values


def test_cli_import_rejects_with_cell_lines_and_stores_nothing(db_copy, tmp_path):
    with db.connect(db_copy) as connection:
        sheet = template(connection)[KPI_SHEET]
        row = row_of(sheet, PERCENT_KPI)
        data = filled(connection, kpis={PERCENT_KPI: {"value": 150}, COUNT_KPI: {"value": "mười"}})
        count_row = row_of(sheet, COUNT_KPI)
        count_name = connection.execute("select name from kpis where kpi_id = ?", [COUNT_KPI]).fetchone()[0]
    path = tmp_path / "loi.xlsx"
    path.write_bytes(data)
    before = cli_counts(db_copy)
    result = nq57("import", str(path), "--system", db_path=db_copy)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith(f"Chỉ tiêu!I{row}: tỷ lệ phần trăm 150 nằm ngoài khoảng 0–100 (chỉ tiêu «") for line in lines)
    # the cell and what its row is about: the secretariat counted rows to find the KPI
    assert f"Chỉ tiêu!I{count_row}: Giá trị 'mười' không phải là số (chỉ tiêu «{vn_shortened(count_name, 60)}»)" in lines
    assert "không có gì được ghi" in lines[-1]
    assert result.stdout == ""
    assert cli_counts(db_copy) == before


def test_cli_dry_run_stores_nothing(db_copy, tmp_path):
    with db.connect(db_copy) as connection:
        data = filled(connection, kpis={PERCENT_KPI: {"value": 66}})
    path = tmp_path / "thu.xlsx"
    path.write_bytes(data)
    before = cli_counts(db_copy)
    result = nq57("import", str(path), "--dry-run", "--system", db_path=db_copy)
    assert result.returncode == 0, result.stderr
    assert "chạy thử, chưa ghi" in result.stdout
    assert cli_counts(db_copy) == before


def test_cli_dry_run_warns_of_what_the_page_preview_warns_of(db_copy, tmp_path):
    """A finished task sent back and a rate fallen to a tenth: the dry run names both, as the
    upload page's preview does, before anything is written."""
    with db.connect(db_copy) as connection:
        task = first_task(connection)
        accept(connection, filled(connection, kpis={PERCENT_KPI: {"value": 80}},
                                  tasks={task: {"status": "Hoàn thành", "evidence_ref": "QĐ 12"}}),
               now=datetime(2026, 11, 25, 8, 0))
        data = filled(connection, kpis={PERCENT_KPI: {"value": 8}}, tasks={task: {"status": "Đang thực hiện",
                                                                                   "percent_complete": 60}})
        task_no = connection.execute("select task_no from tasks where task_id = ?", [task]).fetchone()[0]
    path = tmp_path / "thu.xlsx"
    path.write_bytes(data)
    result = nq57("import", str(path), "--dry-run", "--system", db_path=db_copy)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Cảnh báo: ")]
    assert any(line.endswith("80 → 8: thay đổi bất thường") for line in warnings), warnings
    assert any(f"nhiệm vụ {task_no} «" in line and line.endswith("Hoàn thành 100% → Đang thực hiện 60%: lùi trạng thái")
               for line in warnings), warnings


@pytest.mark.parametrize("args", [["--unit", UNIT], ["--period", PERIOD], []])
def test_cli_template_without_unit_or_period_exits_2(db_copy, tmp_path, args):
    result = nq57("template", *args, "--out", str(tmp_path / "mau.xlsx"), db_path=db_copy)
    assert result.returncode == 2
    assert not (tmp_path / "mau.xlsx").exists()


def test_cli_template_then_import_round_trip(db_copy, tmp_path):
    out = tmp_path / "mau.xlsx"
    made = nq57("template", "--unit", UNIT, "--period", PERIOD, "--out", str(out), db_path=db_copy)
    assert made.returncode == 0, made.stderr
    workbook = openpyxl.load_workbook(out)
    sheet = workbook[KPI_SHEET]
    sheet[f"I{row_of(sheet, PERCENT_KPI)}"] = "88,5"
    workbook.save(out)
    result = nq57("import", str(out), "--system", db_path=db_copy)
    assert result.returncode == 0, result.stderr
    with db.connect(db_copy) as connection:
        assert connection.execute("select value from kpi_values v join report_batches b using (batch_id) "
                                  "where b.file_name = 'mau.xlsx' and v.kpi_id = ?", [PERCENT_KPI]).fetchall() == [(88.5,)]


# --- a workbook saved by LibreOffice Calc ---------------------------------------------------------

def test_a_workbook_saved_by_libreoffice_calc_is_accepted(con):
    # Made by tests/fixtures/make_fixtures.py: openpyxl template -> .ods -> .xlsx with soffice.
    from tests.fixtures.make_fixtures import LIBREOFFICE_KPI_VALUES, LIBREOFFICE_TASK

    data = (FIXTURES / "libreoffice_nha_bich_2026-10.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"LibreOffice" in archive.read("docProps/app.xml")
        assert re.search(rb'<sheet name="_meta"[^>]*state="hidden"', archive.read("xl/workbook.xml"))
    result = check(con, data, name="libreoffice.xlsx")
    assert result.accepted, [p.line() for p in result.problems]
    assert (result.unit_id, result.period) == (UNIT, date(2026, 10, 1))
    assert dict(zip(result.kpi_rows["kpi_id"], result.kpi_rows["value"])) == LIBREOFFICE_KPI_VALUES
    [(_, _, batch_id)] = ingest.commit(con, result, "test", now=NOW)
    assert kpi_actual(con, "an-toan-an-ninh-mang") == {72.5}
    task = result.task_rows.iloc[0]
    row = task_row(con, task["task_id"])
    assert row["last_batch_id"] == batch_id
    assert (row["reported_status"], row["percent_complete"], row["evidence_ref"]) == (
        "dang_thuc_hien", LIBREOFFICE_TASK["percent_complete"], LIBREOFFICE_TASK["evidence_ref"])
