"""The README documents what others rely on: every view, its columns, every page."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from nq57 import db, views

PROJECT = Path(__file__).resolve().parent.parent
README = (PROJECT / "README.md").read_text(encoding="utf-8")


def test_every_sql_file_is_created_in_order():
    """Every view file is in a layer folder and created after the views it reads."""
    from nq57 import views

    loose = {p.stem for p in (PROJECT / "queries").glob("*.sql")} - {"schema", "macros"}
    assert not loose, f"view files outside queries/staging|intermediate|marts|pages: {loose}"
    files = {p.stem for layer in views.LAYERS for p in (PROJECT / "queries" / layer).glob("*.sql")}
    assert files == set(db.VIEW_ORDER)
    position = {name: i for i, name in enumerate(db.VIEW_ORDER)}
    for name, view in views.REGISTRY.items():
        assert all(position[d] < position[name] for d in view.depends_on), name
    assert {n for n, v in views.REGISTRY.items() if v.layer == "marts"} == set(db.CONTRACT_VIEWS) | set(views.CONTRACT_PARTS)


@pytest.mark.parametrize("view", db.CONTRACT_VIEWS)
def test_contract_view_and_its_columns_are_documented(tmp_path, view):
    con = duckdb.connect(str(tmp_path / "docs.duckdb"))
    db.create_schema(con)
    columns = [row[0] for row in con.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position", [view]
    ).fetchall()]
    con.close()
    section = README.split(f"### `{view}`", 1)
    assert len(section) == 2, f"README has no section for {view}"
    documented = set(re.findall(r"[a-z_0-9]+", section[1].split("###", 1)[0]))
    missing = [c for c in columns if c not in documented]
    assert not missing, f"{view}: columns not in README: {missing}"


def test_every_page_is_documented():
    router = (PROJECT / "dashboard.py").read_text(encoding="utf-8")
    titles = re.findall(r'st\.Page\([^)]*title="([^"]+)"', router) + re.findall(r'protected\("[^"]+", "([^"]+)"', router)
    assert len(titles) == 14
    for title in titles:
        assert f"| {title} |" in README, f"page '{title}' is not in the README's page table"


def test_readme_shows_the_two_command_lines():
    assert "streamlit run app.py" in README and "python -m pytest" in README


@pytest.mark.parametrize("view", db.CONTRACT_VIEWS)
def test_readme_column_lists_are_the_view_contracts(view):
    """The README's column list of a contract view is the `-- columns:` contract of its file
    (queries/marts/<view>.sql), in order: one source for both."""
    from nq57 import views

    section = README.split(f"### `{view}`", 1)[1].split("###", 1)[0]
    listed = re.search(r"`([a-z_0-9,\s]+)`", section)
    assert listed, f"README section of {view} has no column list"
    documented = [c for c in re.split(r"[,\s]+", listed.group(1)) if c]
    assert documented == list(views.REGISTRY[view].columns), (
        f"{view}: README lists {documented}, the contract says {list(views.REGISTRY[view].columns)}")


@pytest.mark.parametrize("part,whole", list(views.CONTRACT_PARTS.items()))
def test_a_contract_part_is_its_view_less_the_rank(part, whole):
    """unit_scores holds unit_scorecard's columns, in order, but the rank (snapshot_units stores
    the scorecard's rows and reads them back less the rank as unit_scores' rows)."""
    assert list(views.REGISTRY[part].columns) == [c for c in views.REGISTRY[whole].columns if c != "rank"]
    assert "rank" in views.REGISTRY[whole].columns
