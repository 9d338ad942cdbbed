"""A database file's data version (components/data.data_version) is read from the file only when
the file or its write-ahead log changed (issue #12: after 2 s idle every page switch reopened the
file and hashed its data), and a write from another process still shows on the next run."""
from __future__ import annotations

import shutil
import subprocess
import sys

from components import data, session
from nq57 import db

WRITE = """import sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("update settings set value = '20' where key = 'report_deadline_day'")
con.execute("update settings set value = '4' where key = 'session_hours'")
con.close()
"""


def test_the_version_is_read_again_only_when_the_file_changed(demo_db_path, tmp_path, monkeypatch):
    path = tmp_path / "nq57.duckdb"
    shutil.copy(demo_db_path, path)
    monkeypatch.setenv("NQ57_DB", str(path))
    data._clear_version()
    first, settings = data.data_version(), session._state()
    opened = []
    real_connect = db.connect
    monkeypatch.setattr(db, "connect", lambda *args, **kwargs: opened.append(args) or real_connect(*args, **kwargs))
    assert data.data_version() == first and session._state() == settings
    assert not opened  # the file is as it was: nothing opened it
    subprocess.run([sys.executable, "-c", WRITE, str(path)], check=True)  # another process writes
    assert data.data_version() != first  # seen on the next run, no cache cleared
    assert session._state()[2] == 4 * 3600
    assert opened
