"""Demo data, always marked is_demo and removed by `demo --clear`.

    rows.py      what both data sets share: the demo actor, deleting demo rows, the batch sequence
    province.py  the real 95 communes/wards, row by row in Python (`demo`, the default)
    national.py  3,321 communes/wards in 34 provinces, set-based in DuckDB (`demo --scale national`)

province and national import only rows, never each other; `clear` here removes both.
"""
from __future__ import annotations

import duckdb

from nq57 import db
from nq57.demo import national
from nq57.demo.province import generate
from nq57.demo.rows import DEMO_USER, delete_demo_rows, has_demo_rows

__all__ = ["DEMO_USER", "clear", "generate", "has_demo_rows", "national"]


def clear(con: duckdb.DuckDBPyConnection) -> int:
    """Remove every demo row, and only those (the synthetic national catalogue is demo data too).
    Returns the number of demo batches removed."""
    count = con.execute("select count(*) from report_batches where is_demo").fetchall()[0][0]
    with db.transaction(con):
        delete_demo_rows(con)
        national.clear_catalogue(con)
    return count
