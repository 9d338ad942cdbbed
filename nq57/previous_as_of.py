"""The second as-of of the views that compare two dates (league_table's rank change,
province_change's "since last month"): db.query_view(…, previous=day) reads what they need on
that day (`read` is db.query_view, so a valid snapshot serves it) and hands it over as
connection variables. Imports nothing from nq57 (db imports it)."""
from __future__ import annotations

from datetime import date
from typing import Callable

import duckdb
import pandas as pd

# The views that compare two dates, and what each needs from the previous date.
PREVIOUS_INPUTS = {"league_table": "unit_scorecard", "province_change": "province_summary"}
PREVIOUS_FIGURES = ["completion_rate", "kpi_on_track_rate", "red_flag_count", "timeliness_rate"]


def set_previous(con: duckdb.DuckDBPyConnection, view: str, previous: date | str | None, read: Callable) -> None:
    """The second as-of of a view in PREVIOUS_INPUTS: its input read on the previous day, as the
    variables previous_as_of, previous_ranks (map unit_id → rank) and previous_summary (struct of
    PREVIOUS_FIGURES). Unset (previous None, or any other view) so nothing leaks between reads
    on a kept-open connection."""
    for name in ("previous_as_of", "previous_ranks", "previous_summary"):
        con.execute(f"reset variable {name}")
    if previous is None or view not in PREVIOUS_INPUTS:
        return
    source = read(con, PREVIOUS_INPUTS[view], as_of=previous)
    con.execute("set variable previous_as_of = ?::date", [str(previous)])
    if view == "league_table":
        con.execute("set variable previous_ranks = map(?::varchar[], ?::bigint[])",
                    [list(source["unit_id"]), [int(r) for r in source["rank"]]])
    else:
        row = source.iloc[0]
        values = [None if pd.isna(row[c]) else float(row[c]) for c in PREVIOUS_FIGURES]
        fields = ", ".join(f"'{c}': ?::double" for c in PREVIOUS_FIGURES)
        con.execute(f"set variable previous_summary = {{{fields}}}", values)
