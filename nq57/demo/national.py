"""National-size demo data: 3,321 communes/wards in 34 provinces, 125 KPIs, 36 months of reports.

`python -m nq57 demo --scale national` builds it. The rows are generated set-based inside DuckDB
(queries/demo/national.sql: range(), generate_series(), hash() for determinism), not in Python
loops, so a national database is built in about a minute. Everything it adds is demo data: the
synthetic catalogue (units 'tinh-…', KPIs 'qg-…', plan 'demo-quoc-gia' with its tasks and
targets) and batches/reviews marked is_demo; `demo --clear` removes all of it.
"""
from __future__ import annotations

from datetime import date

import duckdb

from nq57 import db
from nq57.demo.rows import advance_batch_sequence, delete_demo_rows

NATIONAL_PLAN = "demo-quoc-gia"
UNIT_PREFIX = "tinh-"
KPI_PREFIX = "qg-"
PROVINCES = 34
COMMUNES_AND_WARDS = 3321
KPI_COUNT = 120
MONTHS = 36
# The connection variables queries/demo/national.sql numbers its rows from, and what they follow.
ID_BASES = [("nd_batch_base", "report_batches", "batch_id"), ("nd_target_base", "targets", "target_id"),
            ("nd_review_base", "evidence_reviews", "review_id")]


def clear_catalogue(con: duckdb.DuckDBPyConnection) -> None:
    """Remove the synthetic national catalogue (call inside the caller's transaction)."""
    con.execute("delete from task_units where task_id like ? or unit_id like ?",
                [NATIONAL_PLAN + ":%", UNIT_PREFIX + "%"])
    con.execute("delete from tasks where plan_id = ?", [NATIONAL_PLAN])
    con.execute("delete from targets where plan_id = ? or kpi_id like ?", [NATIONAL_PLAN, KPI_PREFIX + "%"])
    con.execute("delete from plans where plan_id = ?", [NATIONAL_PLAN])
    con.execute("delete from kpis where kpi_id like ?", [KPI_PREFIX + "%"])
    con.execute("delete from units where unit_id like ?", [UNIT_PREFIX + "%"])


def generate(con: duckdb.DuckDBPyConnection, today: date | None = None) -> dict[str, int]:
    """Replace every demo row with the national data set; real rows are untouched."""
    today = today or date.today()
    try:
        with db.transaction(con):
            delete_demo_rows(con)
            clear_catalogue(con)
            con.execute("set variable nd_today = ?::date", [str(today)])
            # explicit ids above the highest (the lake has no sequences; a file's move past them after)
            for variable, table, column in ID_BASES:
                base = con.execute(f"select coalesce(max({column}), 0) from {table}").fetchall()[0][0]
                con.execute(f"set variable {variable} = ?::bigint", [base])
            con.execute(db.read_sql_file("demo/national"))
    finally:
        for variable in ["nd_today", *(variable for variable, _, _ in ID_BASES)]:
            con.execute(f"reset variable {variable}")
    advance_batch_sequence(con)
    counts = {}
    for label, sql in [
        ("units", "select count(*) from units where is_commune_level(kind)"),
        ("kpis", "select count(*) from kpis"),
        ("tasks", "select count(*) from task_units"),
        ("batches", "select count(*) from report_batches where is_demo"),
        ("kpi_values", "select count(*) from kpi_values v join report_batches b using (batch_id) where b.is_demo"),
        ("task_updates", "select count(*) from task_updates t join report_batches b using (batch_id) where b.is_demo"),
        ("evidence_reviews", "select count(*) from evidence_reviews where is_demo"),
    ]:
        counts[label] = con.execute(sql).fetchall()[0][0]
    return counts
