"""The catalogue checks (issue #14): the findings of the view catalogue_findings as lines, for
`python -m nq57 check-catalogue`, `init` and every plan import. The rules are the view's; this
module only words a finding as one line and says whether any is an error."""
from __future__ import annotations

import duckdb
import pandas as pd


def findings(con: duckdb.DuckDBPyConnection, plan_id: str | None = None) -> pd.DataFrame:
    """Every finding, or one plan's (a plan import reports its own)."""
    if plan_id is None:
        return con.execute("select * from catalogue_findings").df()
    return con.execute("select * from catalogue_findings where plan_id = ?", [plan_id]).df()


def lines(frame: pd.DataFrame) -> list[str]:
    """One line per finding: severity, plan (its name and id), item, the problem (the item once,
    where the problem's sentence already opens with it)."""
    return [f"{row.severity_label}: kế hoạch {row.doc_label} ({row.plan_id})"
            + ("" if str(row.message).startswith(f"{row.item}:") else f" · {row.item}") + f": {row.message}"
            for row in frame.itertuples()]


def has_errors(frame: pd.DataFrame) -> bool:
    return bool((frame["severity"] == "error").any())


def summary(frame: pd.DataFrame) -> str:
    errors = int((frame["severity"] == "error").sum())
    return f"Kiểm tra danh mục: {errors} lỗi, {len(frame) - errors} cảnh báo."
