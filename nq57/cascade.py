"""The plans as a cascade (issue #14): the directives above the plans, which tasks move which
KPI, the labelled assumptions behind some targets and the reviewed KPI merges, from data/seed/.

Lineage itself is not stored: the view plan_links resolves every plan's and document's
`implements` (document numbers as written) when it is read, so a plan imported later links to
its parents at once and a number that matches nothing shows up in catalogue_findings.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

import duckdb
import pandas as pd


def _codes(text: str) -> list[str]:
    return [code.strip() for code in (text or "").split(";") if code.strip()]


def assumed_copies(targets: list[dict], assumptions: list[dict[str, str]]) -> list[dict]:
    """Targets one plan is assumed to share with another ('copy' assumptions): the same rows under
    the other plan and unit, each naming the assumption, so that a reader sees it wherever the
    target's source is shown. The original rows stay the issuing plan's own."""
    copies = []
    for assumption in assumptions:
        if assumption["kind"] != "copy":
            continue
        items = set(_codes(assumption["items"]))
        for target in targets:
            if target["plan_id"] == assumption["from_plan_id"] and target["item_no"] in items:
                copies.append({**target, "plan_id": assumption["as_plan_id"], "unit_id": assumption["as_unit_id"],
                               "assumption_id": assumption["assumption_id"]})
    return copies


def _documents(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{
        "doc_id": row["doc_id"], "doc_number": row["doc_number"],
        "issued_on": date.fromisoformat(row["issued_on"]) if row["issued_on"] else None,
        "issuer_name": row["issuer_name"], "issuer_unit_id": row["issuer_unit_id"] or None,
        "level": row["level"], "title": row["title"] or None, "implements": _codes(row["implements"]),
    } for row in rows])


def load_seeds(con: duckdb.DuckDBPyConnection, rows: dict[str, list[dict[str, str]]],
               replace_rows: Callable[[duckdb.DuckDBPyConnection, str, pd.DataFrame, str], None]) -> None:
    """documents, task_kpis, target_assumptions and kpi_merges from their seed rows (inside the
    catalogue's transaction; upserts by key, so rows added by plan imports are kept)."""
    replace_rows(con, "documents", _documents(rows["documents"]), "doc_id")
    links = pd.DataFrame([{"task_id": f"{r['plan_id']}:{r['task_no']}", "kpi_id": r["kpi_id"], "basis": r["basis"] or None}
                          for r in rows["task_kpis"]])
    replace_rows(con, "task_kpis", links, "task_id || ':' || kpi_id")
    assumptions = pd.DataFrame([{k: (r[k] or None) for k in ("assumption_id", "kind", "from_plan_id", "as_plan_id", "reason")}
                                for r in rows["target_assumptions"]])
    replace_rows(con, "target_assumptions", assumptions, "assumption_id")
    merges = pd.DataFrame([{k: (r[k] or None) for k in ("kpi_id", "plan_id", "reviewed_note")} for r in rows["kpi_merges"]])
    replace_rows(con, "kpi_merges", merges, "kpi_id || ':' || plan_id")


SEED_FILES = ["documents", "task_kpis", "target_assumptions", "kpi_merges"]
