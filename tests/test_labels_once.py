"""Labels live once, in data/seed/labels.csv (the labels table): no page, component or pack
module spells a rule, status, grade or kind label as a string literal (comments and docstrings
aside), and renaming a label in the database renames it on the pages."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from nq57 import labels

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ["pages", "components", "nq57/pack"]
APP = str(ROOT / "dashboard.py")


def _literals(path: Path):
    """(line, text) of every string constant but docstrings, f-string pieces included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_label_is_written_as_a_literal():
    texts = {x.label for x in labels.read_seed() if x.label}
    found = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
             for folder in FOLDERS for path in sorted((ROOT / folder).glob("*.py"))
             for line, text in _literals(path) if text.strip() in texts]
    assert not found, "labels belong to data/seed/labels.csv:\n" + "\n".join(found)


def test_the_scan_sees_a_label(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('"""Đạt in a docstring is fine."""\nx = "Chậm"  # a literal\ny = f"{x} Đúng hạn"\n',
                     encoding="utf-8")
    assert [text for _, text in _literals(probe)] == ["Chậm", " Đúng hạn"]


def test_renaming_a_label_in_the_database_renames_it_on_the_pages(demo_db_path, tmp_path, monkeypatch):
    database = tmp_path / "renamed.duckdb"
    shutil.copy(demo_db_path, database)
    con = duckdb.connect(str(database))
    con.execute("update labels set label = 'Báo động đỏ' where domain = 'kpi_status' and code = 'canh_bao_do'")
    con.execute("update labels set label = 'Không gửi báo cáo' where domain = 'rule' and code = '4'")
    con.close()
    monkeypatch.setenv("NQ57_DB", str(database))
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("pages/red_flags.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Báo động đỏ"
    assert "Không gửi báo cáo" in at.multiselect(key="flag_rules").options
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception
    assert "Báo động đỏ" in [m.label for m in at.metric]


def test_headline_figure_words_are_not_literals():
    """The rates' words on tiles, the trend chart and the league table come from column_labels.csv."""
    from nq57 import exports

    words = {label for view, _, label in exports._header_rows() if view == "tile"}
    words |= {exports.header("league_table", c) for c in ("completion_rate", "kpi_on_track_rate", "timeliness_rate")}
    found = [f"{path.relative_to(ROOT)}:{line}: {text!r}"
             for folder in FOLDERS for path in sorted((ROOT / folder).glob("*.py"))
             for line, text in _literals(path) if text.strip() in words]
    assert len(words) == 6 and not found, "\n".join(found)
