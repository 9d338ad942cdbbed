"""Every view's leading comment contract (nq57/views.py) holds: the columns it declares are its
columns, in order; its grain is a unique key on the demo database at three as-of dates (a
missing value, e.g. the due date of a recurring task's flag, counts as one value; the first
grain column is never missing); its accepted columns only hold codes of their labels domain."""
from __future__ import annotations

import duckdb
import pytest

from nq57 import db, views

AS_OF_DATES = ["2025-12-31", "2026-06-30", "2026-11-25"]


@pytest.fixture(scope="module")
def empty_schema(tmp_path_factory):
    con = duckdb.connect(str(tmp_path_factory.mktemp("contracts") / "schema.duckdb"))
    db.create_schema(con)
    yield con
    con.close()


def test_every_view_declares_a_contract():
    for name, view in views.REGISTRY.items():
        assert view.columns, f"{view.path}: no '-- columns:' contract"
        assert view.grain or view.one_row, f"{view.path}: no '-- grain:' contract"
        assert set(view.grain) <= set(view.columns), name
        assert set(view.accepted) <= set(view.columns), name


@pytest.mark.parametrize("name", list(views.REGISTRY))
def test_declared_columns_are_the_view_columns(empty_schema, name):
    actual = [row[0] for row in empty_schema.execute(
        "select column_name from information_schema.columns where table_name = ? order by ordinal_position", [name]
    ).fetchall()]
    assert list(views.REGISTRY[name].columns) == actual


def test_a_view_reads_only_its_own_layer_or_those_below():
    assert views.upward_reads(views.REGISTRY) == {}


def test_a_mart_reading_a_page_helper_is_caught(tmp_path):
    for layer in views.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "marts" / "scores.sql").write_text("select * from chart_helper", encoding="utf-8")
    (tmp_path / "pages" / "chart_helper.sql").write_text("select 1 as x", encoding="utf-8")
    assert views.upward_reads(views.discover(tmp_path)) == {"scores": ["chart_helper"]}


def test_only_staging_reads_the_stored_tables():
    # a column renamed in a table is then renamed in its stg_ view only
    assert views.table_reads_outside_staging(views.REGISTRY, views.stored_tables()) == {}


def test_a_mart_reading_a_stored_table_is_caught(tmp_path):
    for layer in views.LAYERS:
        (tmp_path / layer).mkdir()
    (tmp_path / "schema.sql").write_text("create table if not exists kpis (kpi_id varchar);\n"
                                         "create table if not exists units (unit_id varchar);", encoding="utf-8")
    (tmp_path / "staging" / "stg_kpis.sql").write_text("select * from kpis", encoding="utf-8")
    marts = {
        "renamed_cte": "with kpis as (select * from stg_kpis) select * from kpis",   # allowed
        "same_name": "with kpis as (select * from kpis) select * from kpis",         # the table
        "from_list": "with vals as (select 1) select * from vals v, units u",          # the table
    }
    for name, sql in marts.items():
        (tmp_path / "marts" / f"{name}.sql").write_text(sql, encoding="utf-8")
    registry = views.discover(tmp_path)
    assert views.table_reads_outside_staging(registry, views.stored_tables(tmp_path)) == {
        "same_name": ["kpis"], "from_list": ["units"]}


def test_the_build_order_follows_the_references():
    assert views.build_order(views.REGISTRY) == db.VIEW_ORDER
    assert db.VIEW_ORDER.index("stg_units") < db.VIEW_ORDER.index("task_progress") < db.VIEW_ORDER.index("red_flags")
    cyclic = {"a": views.View("a", "marts", views.QUERIES_DIR, depends_on=("b",)),
              "b": views.View("b", "marts", views.QUERIES_DIR, depends_on=("a",))}
    with pytest.raises(ValueError, match="cycle"):
        views.build_order(cyclic)


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_grain_and_accepted_values_on_the_demo_database(demo_db_path, as_of):
    problems = []
    with db.connect(demo_db_path, read_only=True) as con:
        db.set_as_of(con, as_of)
        codes = {}
        for domain, code in con.execute("select domain, code from labels").fetchall():
            codes.setdefault(domain, set()).add(code)
        for name, view in views.REGISTRY.items():
            if view.one_row:
                count = con.execute(f"select count(*) from {name}").fetchall()[0][0]
                if count != 1:
                    problems.append(f"{name}: {count} rows, contract says one row")
                continue
            key = ", ".join(view.grain)
            rows, keys, nulls = con.execute(
                f"select count(*), count(distinct ({key})), "
                f"count(*) filter (where {view.grain[0]} is null) from {name}"
            ).fetchall()[0]
            if rows != keys or nulls:
                problems.append(f"{name}: grain ({key}) not unique: {rows} rows, {keys} keys, {nulls} with nulls")
            for column, domain in view.accepted.items():
                seen = {str(v) for (v,) in con.execute(f"select distinct {column} from {name} where {column} is not null").fetchall()}
                if seen - codes[domain]:
                    problems.append(f"{name}.{column}: values not in labels '{domain}': {sorted(seen - codes[domain])}")
    assert not problems, "\n".join(problems)
