"""The server warms up as it starts (issue #12): the first visitor no longer waits for the
components' imports (1,3 s) and Plotly's first figure (0,5 s)."""
from __future__ import annotations

import subprocess
import sys

from nq57 import db

PROBE = """
import sys
from components import warm_up
warm_up.run()
before = set(sys.modules)
import importlib, pkgutil, components
import plotly.graph_objects as go
for module in pkgutil.iter_modules(components.__path__):
    importlib.import_module("components." + module.name)
from components import charts
charts.wrap_words("Tổng quan tỉnh")
go.Figure(go.Bar(x=["a"], y=[1])).to_json()
print(sorted(set(sys.modules) - before))
"""


def test_after_the_warm_up_a_page_has_nothing_left_to_import():
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=db.PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout


def test_the_server_starts_the_warm_up_before_its_first_visitor():
    app = (db.PROJECT_ROOT / "app.py").read_text(encoding="utf-8")
    lifespan = app[app.index("async def prepare_store"):app.index("yield")]
    assert "warm_up.start()" in lifespan
