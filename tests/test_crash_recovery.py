"""A process killed in the middle of its work (power cut, OOM killer, a stopped server) leaves a
database that opens again with what it had committed: DuckDB replays its write-ahead log. DuckDB
1.5.5 cannot replay an ALTER of a table whose default calls nextval; a first start killed before
its checkpoint left such a log, and the dashboard then failed to start ("Failure while replaying
WAL file"). schema.sql creates every column in the create statement since."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from nq57 import db

PROJECT = Path(__file__).resolve().parent.parent

# A first start's schema, views and settings (first_start.load_plans begins with them), committed,
# then killed before any checkpoint.
KILLED_FIRST_START = """
import os, sys
import duckdb
from nq57 import db
con = duckdb.connect(sys.argv[1])  # held open: closing it would checkpoint
db.create_schema(con)
os._exit(0)
"""


def test_a_first_start_killed_before_its_checkpoint_leaves_a_database_that_opens(tmp_path):
    path = tmp_path / "nq57.duckdb"
    subprocess.run([sys.executable, "-c", KILLED_FIRST_START, str(path)], cwd=PROJECT, check=True)
    assert Path(str(path) + ".wal").exists()  # the work is in the log only: what a restart replays
    with db.connect(path) as con:
        settings = con.execute("select count(*) from settings").fetchall()[0][0]
        views = con.execute("select count(*) from duckdb_views() where not internal").fetchall()[0][0]
    assert settings > 0 and views == len(db.VIEW_ORDER)
