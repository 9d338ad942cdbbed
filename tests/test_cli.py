"""The command line as other tools use it: output, exit codes, files."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from tests.conftest import DEMO_TODAY

PROJECT = Path(__file__).resolve().parent.parent


def nq57(*args: str, db: Path | None = None, env_db: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NQ57_DB"}
    if env_db:
        env["NQ57_DB"] = str(env_db)
    command = [sys.executable, "-m", "nq57"] + (["--db", str(db)] if db else []) + list(args)
    return subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture()
def demo_copy(demo_db_path, tmp_path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(demo_db_path, target)
    return target


def test_parse_deadline_prints_json():
    result = nq57("parse", "deadline", "Qúy IV, 2025")
    assert result.returncode == 0
    parsed = json.loads(result.stdout)
    assert parsed["kind"] == "date" and parsed["due_date"] == "2025-12-31"
    unknown = json.loads(nq57("parse", "deadline", "sớm nhất có thể").stdout)
    assert unknown["kind"] == "unknown" and unknown["due_date"] is None


def test_parse_target_prints_a_list():
    result = nq57("parse", "target", "≥ 80% … trước ngày 01/01/2026, tiến tới 100% trước ngày 31/12/2030")
    targets = json.loads(result.stdout)
    assert [(t["comparator"], t["value"], t["unit"]) for t in targets] == [(">=", 80, "%"), (">=", 100, "%")]
    assert json.loads(nq57("parse", "target", "Tốp 25 của tỉnh").stdout)[0]["comparator"] == "rank<="


@pytest.mark.parametrize("args", [[], ["export"], ["parse", "date", "x"], ["export", "red_flags", "--as-of", "31/12/2025"]])
def test_wrong_usage_exits_2(args):
    assert nq57(*args).returncode == 2


@pytest.mark.parametrize("args", [[], ["export"], ["parse", "date", "x"], ["export", "red_flags", "--as-of", "31/12/2025"],
                                  ["refresh", "--bogus"], ["--help"], ["import", "--help"]])
def test_usage_and_errors_are_vietnamese(args):
    """argparse's own texts ("usage:", "error:", "the following arguments are required") too."""
    from tests.browser_checks import english_words_in

    result = nq57(*args)
    text = result.stdout + result.stderr
    assert "cách dùng: python -m nq57" in text
    assert english_words_in(text) == [] and not re.search(r"\b(usage|error|arguments?|required|invalid|choose)\b", text)


def test_unknown_export_is_rejected_with_a_message(demo_copy):
    result = nq57("export", "passwords", db=demo_copy)
    assert result.returncode == 1
    assert "không xuất được 'passwords'" in result.stderr


def test_init_is_safe_to_run_twice(tmp_path):
    path = tmp_path / "fresh.duckdb"
    first = nq57("init", "--system", db=path)
    second = nq57("init", "--system", env_db=path)  # NQ57_DB works like --db
    assert first.returncode == 0 and second.returncode == 0
    assert "112 nhiệm vụ" in second.stdout
    scorecard = pd.read_csv(io.StringIO(nq57("export", "unit_scorecard", db=path).stdout))
    assert len(scorecard) == 95


def test_red_flags_at_end_of_2025_show_every_rule_with_a_sentence(demo_copy):
    result = nq57("export", "red_flags", "--as-of", "2025-12-31", db=demo_copy)
    assert result.returncode == 0
    flags = pd.read_csv(io.StringIO(result.stdout))
    assert set(flags["rule"]) == {1, 2, 3, 4, 5}
    assert flags["reason"].str.len().min() > 20
    assert (flags["as_of"] == "2025-12-31").all()


def test_unit_scorecard_ranks_95_communes_and_wards(demo_copy):
    scorecard = pd.read_csv(io.StringIO(nq57("export", "unit_scorecard", "--as-of", str(DEMO_TODAY), db=demo_copy).stdout))
    assert len(scorecard) == 95
    assert scorecard["rank"].min() == 1
    assert scorecard["score"].is_monotonic_decreasing
    assert set(scorecard["grade"]) <= set("ABCDE")


def test_export_to_excel(demo_copy, tmp_path):
    out = tmp_path / "flags.xlsx"
    result = nq57("export", "red_flags", "--as-of", "2025-12-31", "--out", str(out), db=demo_copy)
    assert result.returncode == 0
    sheet = openpyxl.load_workbook(out).active
    header = [cell.value for cell in sheet[1]]
    assert "reason" in header and sheet.max_row > 10


def test_an_excel_export_keeps_formula_like_text_as_text_and_formats_rates_and_dates(tmp_path):
    """A unit named '=HYPERLINK(…)' must not run in Excel; an unchanged rank ("=") must not read "'=";
    a rate reads 75,0% and a day 31/12/2025."""
    import pandas as pd

    from nq57 import exports

    evil = '=HYPERLINK("http://evil.example/x","Bấm")'
    out = tmp_path / "x.xlsx"
    exports.to_xlsx({"bang": pd.DataFrame({"unit_name": [evil, "xã A"], "rank_change_text": ["=", "↑ 2"],
                                           "score": [1.5, 2.0], "completion_rate": [0.75, 1.0],
                                           "as_of": pd.to_datetime(["2025-12-31", "2025-12-31"])})}, out)
    sheet = openpyxl.load_workbook(out)["bang"]
    cells = {cell.coordinate: cell for row in sheet.iter_rows() for cell in row}
    assert not [c for c in cells.values() if c.data_type == "f"]
    assert cells["A2"].value == evil and cells["A2"].quotePrefix and cells["B2"].value == "=" and cells["B2"].quotePrefix
    assert cells["A3"].value == "xã A" and not cells["A3"].quotePrefix and cells["C2"].value == 1.5
    # a reader's formats, as on the export page: 75,0% (not 0.75) and 31/12/2025 (not 2025-12-31 00:00:00)
    assert cells["D2"].value == 0.75 and cells["D2"].number_format == "0.0%"
    assert cells["E2"].number_format == "DD/MM/YYYY" and cells["C2"].number_format == "General"


def test_demo_clear_removes_demo_rows_and_nothing_else(demo_copy):
    result = nq57("demo", "--clear", "--system", db=demo_copy)
    assert result.returncode == 0
    import duckdb
    con = duckdb.connect(str(demo_copy), read_only=True)
    assert con.execute("select count(*) from report_batches where is_demo").fetchone()[0] == 0
    assert con.execute("select count(*) from evidence_reviews where is_demo").fetchone()[0] == 0
    assert con.execute("select count(*) from report_batches where source = 'seed'").fetchone()[0] == 1
    assert con.execute("select count(*) from tasks").fetchone()[0] == 112
    con.close()


def test_memory_limit_is_configurable(tmp_path, monkeypatch):
    from nq57 import db

    monkeypatch.setenv("NQ57_MEMORY_LIMIT", "500MB")
    with db.connect(tmp_path / "limited.duckdb") as con:
        limit = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    assert limit == "476.8 MiB"  # 500 MB as DuckDB reports it; the default here is many GiB


def test_bench_reads_the_global_db_option_like_every_command(tmp_path, monkeypatch):
    """`--db PATH bench …` was refused (exit 2, unknown arguments): the bench options were parsed by
    the main parser unless `bench` came first. Now --db may stand before it and reaches --views."""
    from benchmarks import views
    from nq57 import cli

    measured = {}
    monkeypatch.setattr(views, "run_views_bench", lambda scale, runs, **options: measured.update(
        scale=scale, runs=runs, **options))
    target = tmp_path / "bench.duckdb"
    assert cli.main(["--db", str(target), "bench", "--views", "--scale", "province", "--runs", "1",
                     "--skip-pages"]) == 0
    assert measured["db_path"] == target and measured["runs"] == 1 and measured["skip_pages"]
    assert cli.main(["bench", "--views", "--runs", "2"]) == 0 and measured["db_path"] is None


@pytest.mark.parametrize("args", [["bench"], ["bench", "--runs", "0", "--ingest"], ["bench", "--no-such"],
                                  ["init", "--system", "--no-such"]])
def test_bench_usage_errors_exit_2_with_or_without_db(tmp_path, args):
    assert nq57(*args).returncode == 2
    assert nq57(*args, db=tmp_path / "x.duckdb").returncode == 2


def test_vn_short_writes_goals_as_a_vietnamese_reader_does():
    from nq57.vnformat import vn_short

    assert [vn_short(v) for v in (0.3, 2, 2.0, 1024, 0.072, 1.5)] == ["0,3", "2", "2", "1.024", "0,072", "1,5"]


def test_a_shortened_text_ends_at_a_word_and_a_missing_one_reads_a_dash():
    """A table cell or slide row cut a long text; a missing one must not read "None" or "nan"."""
    from nq57.vnformat import MISSING, vn_shortened

    assert vn_shortened("Xây dựng chương trình chuyển đổi số toàn diện", 30) == "Xây dựng chương trình chuyển …"
    assert vn_shortened("Ngắn", 30) == "Ngắn"
    assert vn_shortened(None, 30) == vn_shortened(float("nan"), 30) == MISSING


def test_the_views_and_ingest_benchmarks_print_vietnamese_numbers():
    """`bench --views` and `--ingest` printed 0.072 s and 1,024 MB; like `--browser` they write
    numbers through nq57/vnformat.py (0,072 s, 1.024 MB): no English number format is left."""
    import re

    english = re.compile(r"\{[^{}]*:(,|[,.]?\.?\d*[fg]|,\.\d+f)\}")
    for module in ("views", "ingest"):
        source = (Path(__file__).resolve().parent.parent / "benchmarks" / f"{module}.py").read_text(encoding="utf-8")
        found = [line.strip() for line in source.splitlines() if english.search(line)]
        assert not found, f"benchmarks/{module}.py: " + "\n".join(found)


def test_counts_in_messages_are_written_the_vietnamese_way():
    """A national migration copies millions of rows: 13.970.125 dòng, not 13970125."""
    from nq57.migrate import Compared, report

    lines, problem = report([Compared("kpi_values", 13_970_125, 42, 13_970_125, 42),
                             Compared("units", 3_321, 7, 3_321, 7)])
    assert problem is None
    assert lines[0] == "kpi_values: 13.970.125 → 13.970.125 dòng, tổng kiểm 42 → 42 (khớp)"
    assert lines[-1] == "Đã chép 2 bảng, 13.973.446 dòng; mọi bảng khớp."
