"""The meeting pack (`python -m nq57 pack`): the workbook and the PDF agree with the views,
Vietnamese text survives in both, and nothing a unit typed can run as a formula."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from nq57 import db, pack
from tests.conftest import DEMO_TODAY

PROJECT = Path(__file__).resolve().parent.parent
FIXED_SHEETS = ["Thông tin", "Bảng xếp hạng", "Cảnh báo đỏ", "Kiến nghị đang mở"]
DIACRITIC_NAMES = ["Phước An", "Bình Long", "Tam Phước", "Nha Bích"]
EVIL_NAME = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'


def _build(source: Path, target_dir: Path, setup_sql: list[str] = ()) -> dict:
    """Copy the session database, optionally alter the copy, build the pack and read back the views."""
    target_dir.mkdir(parents=True, exist_ok=True)
    copy = target_dir / "copy.duckdb"
    shutil.copy(source, copy)
    steps: list[tuple[float, str]] = []
    with db.connect(copy) as con:
        for statement in setup_sql:
            con.execute(statement)
        files = pack.build_pack(con, DEMO_TODAY, target_dir / "out", progress=lambda f, m: steps.append((f, m)))
        scorecard = db.query_view(con, "unit_scorecard", as_of=DEMO_TODAY)
        flags = db.query_view(con, "red_flags", as_of=DEMO_TODAY)
        requests = db.query_view(con, "requests", as_of=DEMO_TODAY, filters={"is_open": True})
        offices = db.query_view(con, "requests_by_office", as_of=DEMO_TODAY)
    return {"files": files, "scorecard": scorecard, "flags": flags, "requests": requests, "offices": offices,
            "steps": steps, "db": copy}


@pytest.fixture(scope="module")
def built(demo_db_path, tmp_path_factory) -> dict:
    result = _build(demo_db_path, tmp_path_factory.mktemp("pack"))
    result["workbook"] = openpyxl.load_workbook(result["files"].xlsx)
    return result


@pytest.fixture(scope="module")
def injected(demo_db_path, tmp_path_factory) -> dict:
    """A copy where a unit name, a KPI name and a target text look like formulas."""
    result = _build(demo_db_path, tmp_path_factory.mktemp("pack_injected"), [
        f"update units set name = '{EVIL_NAME.replace(chr(39), chr(39) * 2)}' where unit_id = 'xa-nha-bich'",
        "update units set name = '+1 phường Bình Long' where unit_id = 'phuong-binh-long'",
        # a KPI Nha Bích's own plan sets (targets follow lineage since #14: it no longer holds vneid)
        "update kpis set name = '@SUM(A1:A9)' where kpi_id = 'an-toan-an-ninh-mang'",
        "update targets set raw_text = '-2+3' where kpi_id = 'an-toan-an-ninh-mang' and unit_id = 'xa-nha-bich'",
    ])
    result["workbook"] = openpyxl.load_workbook(result["files"].xlsx)
    return result


def _table(sheet, header_row: int = 1) -> list[dict]:
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    header = rows[0]
    return [dict(zip(header, row)) for row in rows[1:]]


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


# --- files and progress ------------------------------------------------------------------

def test_pack_writes_both_files_named_by_date(built):
    files = built["files"]
    assert files.xlsx.name == "goi_hop_2026-11-25.xlsx" and files.pdf.name == "goi_hop_2026-11-25.pdf"
    assert files.xlsx.stat().st_size > 0 and files.pdf.read_bytes().startswith(b"%PDF")


def test_progress_goes_from_0_to_1_with_vietnamese_messages(built):
    fractions = [f for f, _ in built["steps"]]
    assert fractions[0] == 0 and fractions[-1] == 1
    assert fractions == sorted(fractions) and all(0 <= f <= 1 for f in fractions)
    assert len(built["steps"]) >= 10
    assert all(message.strip() for _, message in built["steps"])
    assert any("xã, phường" in message for _, message in built["steps"])


def test_no_english_word_in_progress_cover_or_pdf(built):
    """The progress bar, the workbook's cover and the PDF said "sheet"."""
    from tests.browser_checks import english_words_in

    cover = [str(cell) for row in built["workbook"]["Thông tin"].iter_rows(values_only=True) for cell in row if cell]
    texts = [message for _, message in built["steps"]] + cover + [_pdf_text(built["files"].pdf)]
    assert [word for text in texts for word in english_words_in(text)] == []


# --- workbook ------------------------------------------------------------------------------

def test_workbook_has_fixed_sheets_and_one_sheet_per_unit(built):
    workbook, scorecard = built["workbook"], built["scorecard"]
    assert workbook.sheetnames[:len(FIXED_SHEETS)] == FIXED_SHEETS
    assert len(scorecard) == 95
    assert len(workbook.sheetnames) == 95 + len(FIXED_SHEETS)
    taken = {name.casefold() for name in FIXED_SHEETS}
    ordered = scorecard.sort_values("rank", kind="stable")
    expected = {pack.sheet_title(name, taken) for name in ordered["unit_name"]}
    assert set(workbook.sheetnames[len(FIXED_SHEETS):]) == expected
    assert "xã Nha Bích" in workbook.sheetnames and "phường Tam Phước" in workbook.sheetnames


def test_cover_sheet_has_title_date_and_demo_notice(built):
    cover = [cell for row in built["workbook"]["Thông tin"].iter_rows(values_only=True) for cell in row if cell]
    assert "Báo cáo tiến độ thực hiện Nghị quyết 57-NQ/TW" in cover
    assert "Số liệu tính đến ngày 25/11/2026" in cover
    assert any(str(text).startswith("Dữ liệu minh họa") for text in cover)


def test_league_table_equals_unit_scorecard(built):
    sheet, scorecard = built["workbook"]["Bảng xếp hạng"], built["scorecard"]
    rows = _table(sheet)
    assert len(rows) == 95
    exported = sorted((r["Hạng"], r["Xã, phường"], r["Xếp loại"], r["Điểm"]) for r in rows)
    expected = sorted(zip(scorecard["rank"].astype(int), scorecard["unit_name"], scorecard["grade"],
                          scorecard["score"].astype(float)))
    assert exported == expected
    ranks = [r["Hạng"] for r in rows]
    assert ranks == sorted(ranks)
    by_unit = scorecard.set_index("unit_name")
    for row in rows:
        assert row["Tỷ lệ hoàn thành nhiệm vụ"] == pytest.approx(by_unit.loc[row["Xã, phường"], "completion_rate"])
        assert row["Số cảnh báo đỏ"] == by_unit.loc[row["Xã, phường"], "red_flag_count"]


def test_league_table_is_formatted_with_filters_on(built):
    sheet = built["workbook"]["Bảng xếp hạng"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[:5] == ["Hạng", "Xã, phường", "Loại", "Xếp loại", "Điểm"]
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(headers))}96"
    assert sheet.freeze_panes == "C2"
    assert sheet["A1"].font.bold
    column = {header: index + 1 for index, header in enumerate(headers)}
    assert sheet.cell(row=2, column=column["Tỷ lệ hoàn thành nhiệm vụ"]).number_format == "0.0%"
    assert sheet.cell(row=2, column=column["Hạng"]).number_format == "#,##0"
    assert sheet.column_dimensions["B"].width >= 20


def test_red_flag_sheet_has_every_row_of_the_view(built):
    """Every row of red_flags: communes, wards and the province departments alike."""
    sheet, flags = built["workbook"]["Cảnh báo đỏ"], built["flags"]
    rows = _table(sheet)
    assert len(flags) > 0 and len(rows) == len(flags)
    assert sheet.auto_filter.ref is not None and sheet.auto_filter.ref.startswith("A1:")
    assert sorted(r["Lý do"] for r in rows) == sorted(flags["reason"])
    assert {r["Loại"] for r in rows} >= {"Xã", "Phường"}


def test_unit_sheet_has_scorecard_flags_and_kpis(built):
    sheet = built["workbook"]["xã Nha Bích"]
    flags = built["flags"][built["flags"]["unit_id"] == "xa-nha-bich"]
    unit = built["scorecard"].set_index("unit_id").loc["xa-nha-bich"]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert values[0] == "xã Nha Bích"
    assert "Kết quả tổng hợp" in values and f"Cảnh báo đỏ ({len(flags)})" in values
    labels = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0]}
    assert labels["Xếp hạng (trên 95 xã, phường)"] == unit["rank"]
    assert labels["Xếp loại"] == unit["grade"]
    assert labels["Số cảnh báo đỏ"] == unit["red_flag_count"]
    assert set(flags["reason"]) <= set(values)
    assert "Tình trạng" in values and any(v in values for v in ("Đúng tiến độ", "Chậm", "Cảnh báo đỏ", "Đạt"))


def test_sheet_titles_are_valid_and_unique():
    taken = {name.casefold() for name in FIXED_SHEETS}
    assert pack.sheet_title("xã Nha Bích", taken) == "xã Nha Bích"
    assert pack.sheet_title("XÃ NHA BÍCH", taken) == "XÃ NHA BÍCH (2)"
    assert pack.sheet_title("a[b]:c*d?e/f\\g", taken) == "abcdefg"
    long = pack.sheet_title("phường " + "x" * 40, taken)
    assert len(long) == 31 and len(pack.sheet_title("phường " + "x" * 40, taken)) == 31
    assert pack.sheet_title("bảng xếp hạng", taken) == "bảng xếp hạng (2)"
    assert pack.sheet_title("'trích dẫn'", taken) == "trích dẫn"
    assert pack.sheet_title("///", taken) == "Đơn vị"


# --- formula neutralisation ------------------------------------------------------------------

def test_formula_like_text_is_neutralised_everywhere(injected):
    workbook = injected["workbook"]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} là công thức"
                # a formula-like text is the text itself in a string cell that stays text when edited
                if isinstance(cell.value, str) and re.match(r"\s*[=+\-@]", cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, f"{sheet.title}!{cell.coordinate}: {cell.value!r}"
    league = _table(workbook["Bảng xếp hạng"])
    assert EVIL_NAME in {r["Xã, phường"] for r in league} and "+1 phường Bình Long" in {r["Xã, phường"] for r in league}
    # a rank unchanged reads "=", not "'=" (an apostrophe written into a text is shown by Excel)
    assert "=" in {r["Thay đổi thứ hạng so với cuối tháng trước"] for r in league} and not any(str(v).startswith("'") for r in league for v in r.values())
    flag_units = {r["Đơn vị"] for r in _table(workbook["Cảnh báo đỏ"])}
    assert EVIL_NAME in flag_units
    unit_sheet = workbook[pack.sheet_title(EVIL_NAME, {n.casefold() for n in FIXED_SHEETS})]
    values = [cell for row in unit_sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)]
    assert values[0] == EVIL_NAME
    assert "@SUM(A1:A9)" in values and "-2+3" in values


def test_injected_names_still_read_as_text_in_the_pdf(injected):
    text = _pdf_text(injected["files"].pdf)
    assert "+1 phường Bình Long" in text


# --- PDF -------------------------------------------------------------------------------------

def test_request_sheet_has_every_open_request_by_office(built):
    rows, requests = _table(built["workbook"]["Kiến nghị đang mở"]), built["requests"]
    assert len(requests) > 0 and len(rows) == len(requests)
    assert sorted(r["Nội dung"] for r in rows) == sorted(requests["text"])
    offices = [r["Cơ quan xử lý"] or "" for r in rows]
    assert offices == sorted(offices)  # grouped by the office each waits on
    longest = requests["days_waiting"].max()
    assert max(r["Số ngày chờ trả lời"] or 0 for r in rows) == longest


def test_pdf_lists_open_requests_by_office(built):
    text = " ".join(_pdf_text(built["files"].pdf).split())
    assert f"Khó khăn, kiến nghị đang mở theo cơ quan xử lý ({len(built['requests'])} kiến nghị)" in text
    busiest = built["offices"].iloc[0]
    assert (f"{busiest['office_name']} — {busiest['unanswered_count']} chờ trả lời, "
            f"{busiest['overdue_count']} quá 30 ngày") in text


def test_pdf_keeps_vietnamese_text_intact(built):
    text = _pdf_text(built["files"].pdf)
    for name in DIACRITIC_NAMES:
        assert name in text, name
    assert "Báo cáo tiến độ thực hiện Nghị quyết" in text
    assert "tỉnh Đồng Nai" in text
    assert "Số liệu tính đến ngày 25/11/2026" in text
    assert "Dữ liệu minh họa" in text
    assert "Bảng xếp hạng 95 xã, phường" in text
    assert "Cảnh báo đỏ và lý do" in text


def test_pdf_lists_red_flags_with_their_reasons(built):
    text = " ".join(_pdf_text(built["files"].pdf).split())
    flags = built["flags"]
    # a short reason sentence fits on one line of its cell, so it comes out of the PDF whole
    short = flags[(flags["unit_id"] == "xa-phuoc-an") & (flags["rule"] == 4)]["reason"]
    assert len(short) > 0
    for reason in short:
        assert reason in text
    if len(flags) <= pack.PDF_FLAG_LIMIT:
        assert "cảnh báo đỏ khác trong tệp Excel" not in text


def test_pdf_embeds_its_font_and_numbers_its_pages(built):
    reader = PdfReader(built["files"].pdf)
    embedded = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for font in fonts.values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            targets = [d.get_object() for d in descendants] if descendants else [font]
            for target in targets:
                descriptor = target.get("/FontDescriptor")
                if descriptor is not None and "/FontFile2" in descriptor.get_object():
                    embedded.add(str(target.get("/BaseFont")))
    assert any("DejaVu" in name for name in embedded), embedded
    pages = len(reader.pages)
    assert pages >= 5
    assert f"Trang 1/{pages}" in reader.pages[0].extract_text()
    assert f"Trang {pages}/{pages}" in reader.pages[-1].extract_text()


def test_pdf_has_chart_images(built):
    reader = PdfReader(built["files"].pdf)
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 3


# --- command line ----------------------------------------------------------------------------

def _nq57(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NQ57_DB"}
    return subprocess.run([sys.executable, "-m", "nq57", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=180)


def test_cli_pack_writes_both_files(demo_db_path, tmp_path):
    copy = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, copy)
    out = tmp_path / "goi"
    result = _nq57("--db", str(copy), "pack", "--as-of", "2026-11-25", "--out", str(out))
    assert result.returncode == 0, result.stderr
    xlsx, pdf = out / "goi_hop_2026-11-25.xlsx", out / "goi_hop_2026-11-25.pdf"
    assert xlsx.exists() and pdf.exists()
    assert str(xlsx) in result.stdout and str(pdf) in result.stdout
    assert "giây" in result.stdout


@pytest.mark.parametrize("bad", ["25/11/2026", "2026-13-01", "hôm nay"])
def test_cli_pack_bad_date_is_usage_error(tmp_path, bad):
    result = _nq57("--db", str(tmp_path / "none.duckdb"), "pack", "--as-of", bad, "--out", str(tmp_path))
    assert result.returncode == 2
    assert "ngày không hợp lệ" in result.stderr


def test_cli_pack_needs_out(tmp_path):
    assert _nq57("pack", "--as-of", "2026-11-25").returncode == 2


def test_cli_pack_on_an_empty_database_is_rejected(tmp_path):
    result = _nq57("--db", str(tmp_path / "empty.duckdb"), "pack", "--out", str(tmp_path / "goi"))
    assert result.returncode == 1
    assert "chưa khởi tạo" in result.stderr
