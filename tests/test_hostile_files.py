"""Hostile workbooks (issue #16): each is refused with a Vietnamese message naming the sheet
(and cell), by check_workbook and by the command line (exit 1, no traceback), and nothing is
stored; a reading child that crashes, runs out of memory or hangs yields a message, not a dead
parent. The files are real filled templates with their sheet XML edited inside the zip."""
from __future__ import annotations

import io
import re
import time
import zipfile

import pytest

from nq57 import db, ingest
from nq57.workbook import reader
from nq57.workbook_format import KPI_SHEET
from tests.test_ingest import (  # noqa: F401  (con and db_copy are fixtures)
    KPI, PERCENT_KPI, assert_rejected, check, cli_counts, con, counts, db_copy, filled, nq57, rezip, row_of, template,
)

KPI_PART = "xl/worksheets/sheet2.xml"           # openpyxl writes the sheets in order: guide, KPIs, tasks, _meta


def report(con) -> bytes:
    return filled(con, kpis={PERCENT_KPI: {"value": 50}})


def edit_part(data: bytes, edit, part: str = KPI_PART) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(part).decode("utf-8")
    return rezip(data, replace={part: edit(xml).encode("utf-8")})


def with_cell(data: bytes, ref: str) -> bytes:
    """One extra text cell at ref (e.g. XFD1048576) in the KPI sheet."""
    row = re.sub(r"^[A-Z]+", "", ref)
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    return edit_part(data, lambda xml: xml.replace("</sheetData>", cell + "</sheetData>"))


def xfd_file(con) -> bytes:
    return with_cell(report(con), "XFD1048576")


def malformed(con) -> bytes:
    # an unquoted attribute: python-calamine raises XmlError
    return edit_part(report(con), lambda xml: xml.replace("</sheetData>", '<row r="900"><c r=B900><v>1</v></c></row></sheetData>'))


def unknown_entity(con) -> bytes:
    return edit_part(report(con), lambda xml: xml.replace("</sheetData>", '<row r="900"><c r="B900" t="inlineStr"><is><t>&lol;</t></is></c></row></sheetData>'))


def late_doctype(con) -> bytes:
    def edit(xml: str) -> str:
        body = re.sub(r"^<\?xml[^>]*\?>", "", xml).lstrip()
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<!--' + " " * 5000 + '-->\n'
                '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n' + body)
    return edit_part(report(con), edit)


def formula_without_value(con) -> bytes:
    def edit(workbook):
        sheet = workbook[KPI_SHEET]
        sheet[f"{KPI['value']}{row_of(sheet, PERCENT_KPI)}"] = "=40+10"   # openpyxl stores no cached value
    return filled(con, edit=edit)


def hidden_behind_decoy(con, state: str = "hidden") -> bytes:
    def edit(workbook):
        real = workbook[KPI_SHEET]
        decoy = workbook.copy_worksheet(real)
        decoy.title = "Chi tieu"
        workbook.move_sheet(decoy, -(len(workbook.sheetnames) - 1))
        real.sheet_state = state
    return filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=edit)


ATTACKS = {
    # name: (builder, cell the problem names or None, words the message must hold)
    "XFD1048576": (xfd_file, f"{KPI_SHEET}!XFD1048576", "nằm ngoài vùng dữ liệu cho phép"),
    "A1048576": (lambda con: with_cell(report(con), "A1048576"), f"{KPI_SHEET}!A1048576",
                 "nằm ngoài vùng dữ liệu cho phép"),
    "malformed-xml": (malformed, None, "cấu trúc XML bị hỏng"),
    "unknown-entity": (unknown_entity, None, "'&lol;'"),
    "doctype-after-4kb": (late_doctype, None, "DOCTYPE/ENTITY"),
    "formula-without-value": (formula_without_value, None, "có công thức nhưng chưa có giá trị"),
    "hidden-kpi-sheet": (hidden_behind_decoy, None, "đang bị ẩn"),
    "very-hidden-kpi-sheet": (lambda con: hidden_behind_decoy(con, "veryHidden"), None, "đang bị ẩn"),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_a_hostile_workbook_is_refused_by_check_and_by_the_command_line(con, db_copy, tmp_path, attack):
    build, cell, says = ATTACKS[attack]
    data = build(con)
    result = assert_rejected(con, data, says=says)          # Vietnamese, nothing stored or storable
    lines = [p.line() for p in result.problems]
    assert any(line.startswith(KPI_SHEET) for line in lines), lines   # names the sheet
    if cell:
        assert any(line.startswith(cell + ": ") for line in lines), lines
    path = tmp_path / f"{attack}.xlsx"
    path.write_bytes(data)
    before = cli_counts(db_copy)
    run = nq57("import", str(path), "--system", db_path=db_copy)
    assert run.returncode == 1, run.stderr
    assert says in run.stderr and "không có gì được ghi" in run.stderr
    assert "Traceback" not in run.stderr and "panicked" not in run.stderr
    assert cli_counts(db_copy) == before


def test_the_formula_cell_is_named(con):
    data = formula_without_value(con)
    row = row_of(template(con)[KPI_SHEET], PERCENT_KPI)
    assert_rejected(con, data, cell=f"{KPI_SHEET}!{KPI['value']}{row}",
                    says="hãy mở bằng Excel/LibreOffice, lưu lại rồi tải lên")


def test_a_formula_with_its_cached_value_is_read(con):
    data = formula_without_value(con)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read(KPI_PART).decode("utf-8")
    assert "<f>40+10</f>" in xml
    saved = edit_part(data, lambda text: re.sub(r"<f>40\+10</f><v\s*/>|<f>40\+10</f><v></v>", "<f>40+10</f><v>50</v>", text))
    result = check(con, saved)
    assert result.accepted, [p.line() for p in result.problems]
    assert list(result.kpi_rows["value"]) == [50.0]


def test_the_real_default_refuses_a_400_mb_expansion_quickly(con):
    data = report(con)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != KPI_PART:
                target.writestr(member.filename, source.read(member.filename))
        xml = source.read(KPI_PART)
        with target.open(KPI_PART, "w") as handle:       # 400 MB of spaces inside the sheet, streamed
            head, tail = xml.split(b"</sheetData>")
            handle.write(head)
            for _ in range(400):
                handle.write(b" " * (1 << 20))
            handle.write(b"</sheetData>" + tail)
    bomb = out.getvalue()
    assert len(bomb) < 2 * 1024 * 1024
    started = time.perf_counter()
    assert_rejected(con, bomb, says="zip bomb")
    assert time.perf_counter() - started < 5


def test_the_cap_is_a_setting(con):
    """A small cap (max_unzipped_mb) and a sheet padded with 2 MB of spaces (a few KB zipped)."""
    con.execute("insert or replace into settings (key, value, description) values ('max_unzipped_mb', '1', 'test')")
    padded = edit_part(report(con), lambda xml: xml.replace("</sheetData>", " " * (2 << 20) + "</sheetData>"))
    assert len(padded) < 100_000
    assert_rejected(con, padded, says="zip bomb")


def test_the_stream_counts_the_bytes_that_really_come_out(con):
    from nq57.workbook.container import Refused, stream_member
    padded = edit_part(report(con), lambda xml: xml.replace("</sheetData>", " " * (2 << 20) + "</sheetData>"))
    archive = zipfile.ZipFile(io.BytesIO(padded))
    budget = [1 << 20]
    with pytest.raises(Refused, match="vượt giới hạn"):
        for _ in stream_member(archive, archive.getinfo(KPI_PART), budget, f"trang '{KPI_SHEET}'"):
            pass
    assert budget[0] < 0                                   # stopped at the first chunk past the cap


def test_a_declared_size_that_lies_is_refused(con):
    data = with_cell(report(con), "B900")
    blob = bytearray(data)                               # every header of the KPI part claims 100 bytes
    name = KPI_PART.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := blob.find(signature, start)) >= 0:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if blob[name_at:name_at + len(name)] == name:
                blob[start + size_at:start + size_at + 4] = (100).to_bytes(4, "little")
            start += 4
    assert blob != bytearray(data)
    assert_rejected(con, bytes(blob), says="bị hỏng")


def test_the_benchmark_size_is_allowed(con):
    """136.800 rows is a real province-wide year: the row cap must let it through."""
    assert ingest.reading_settings(con).limits.max_rows >= 136_803


# --- a reading child that fails ----------------------------------------------------------------------

@pytest.mark.parametrize("fault, setting, value, says", [
    ("abort", None, None, "lỗi đọc"),
    ("memory", "reader_memory_mb", "400", "quá bộ nhớ"),
    ("hang", "reader_timeout_seconds", "1", "quá thời gian"),
])
def test_a_failing_child_gives_a_message_and_the_next_file_reads(con, monkeypatch, fault, setting, value, says):
    if setting:
        con.execute("insert or replace into settings (key, value, description) values (?, ?, 'test')", [setting, value])
    monkeypatch.setenv(reader.FAULT_ENV, fault)
    result = assert_rejected(con, report(con), says=says)
    assert "không đọc được tệp bao-cao.xlsx" in result.problems[0].message
    monkeypatch.delenv(reader.FAULT_ENV)
    assert check(con, report(con)).accepted                 # a fresh child reads the next upload


def test_a_real_reader_abort_is_contained(con):
    """With the row cap lifted, the A1048576 file reaches python-calamine, whose grid then needs
    more than the child's memory: the child dies, the parent answers."""
    con.execute("insert or replace into settings (key, value, description) values ('max_sheet_rows', '2000000', 't')")
    con.execute("insert or replace into settings (key, value, description) values ('reader_memory_mb', '400', 't')")
    assert_rejected(con, with_cell(report(con), "A1048576"), says="quá bộ nhớ")


def test_a_crashing_child_under_the_command_line(db_copy, tmp_path, monkeypatch):
    with db.connect(db_copy) as connection:
        data = report(connection)
    path = tmp_path / "bao-cao.xlsx"
    path.write_bytes(data)
    before = cli_counts(db_copy)
    monkeypatch.setenv(reader.FAULT_ENV, "abort")
    run = nq57("import", str(path), "--system", db_path=db_copy)
    assert run.returncode == 1
    assert "không đọc được tệp bao-cao.xlsx" in run.stderr and "Traceback" not in run.stderr
    assert cli_counts(db_copy) == before


def test_plan_import_uses_the_same_bounded_reading(con):
    from nq57 import plan_import, templates
    buffer = io.BytesIO()
    templates.build_plan_template(con).save(buffer)
    plan = with_cell_in(buffer.getvalue(), "xl/worksheets/sheet2.xml", "XFD1048576")
    before = counts(con)
    check_ = plan_import.check_plan_workbook(con, plan, "ke-hoach.xlsx")
    assert not check_.accepted
    assert any("nằm ngoài vùng dữ liệu cho phép" in line for line in check_.problem_lines())
    assert counts(con) == before


def with_cell_in(data: bytes, part: str, ref: str) -> bytes:
    row = re.sub(r"^[A-Z]+", "", ref)
    cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
    edited = edit_part(data, lambda xml: xml.replace("</sheetData>", cell + "</sheetData>") if "</sheetData>" in xml
                       else xml.replace("<sheetData/>", "<sheetData>" + cell + "</sheetData>"), part)
    return edited


def test_an_evidence_docx_with_a_padded_content_types_is_refused():
    from nq57.evidence import EvidenceError, detect_type
    docx = io.BytesIO()
    padding = " " * (2 << 20)          # past the 1 MB read: the macro type must not hide behind it
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types>' + padding +
                         '<Override ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(EvidenceError, match="vượt giới hạn"):
        detect_type(docx.getvalue())


def test_every_hostile_workbook_is_refused_on_the_upload_page_and_the_page_lives_on(
        con, demo_db_path, tmp_path, monkeypatch):
    """The same files through the web page, one after another in one session: each is refused
    in Vietnamese with nothing stored, and the dashboard keeps answering."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import APP_PATH, signed_in_copy
    from tests.test_input_rules import stored

    database = signed_in_copy(demo_db_path, tmp_path, monkeypatch, "van-phong")
    with db.connect(database) as web:
        before = stored(web)
    files = {attack: build(con) for attack, (build, _, _) in ATTACKS.items()}
    page = AppTest.from_file(APP_PATH, default_timeout=120)
    page.run()
    page.switch_page("pages/upload.py").run()
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for attack, data in files.items():
        page.file_uploader(key="report_file").set_value((f"{attack}.xlsx", data, xlsx)).run()
        assert not page.exception, (attack, page.exception)
        assert any("bị từ chối" in e.value for e in page.error), attack
        says = ATTACKS[attack][2]
        shown = " ".join(m.value for m in page.markdown)
        assert says.replace("'", "") in shown.replace("\\", "").replace("'", ""), (attack, shown[:300])
        assert not [b for b in page.button if b.label == "Ghi nhận báo cáo"], attack
    page.switch_page("pages/overview.py").run()
    assert not page.exception and page.title[0].value.startswith("Tổng quan")
    with db.connect(database) as web:
        assert stored(web) == before
