"""Every dashboard page under Streamlit's AppTest, cold and warm (`bench --views`).

The only part of the benchmarks that imports Streamlit, and only when time_pages runs; it lives
outside nq57/ so the core never does.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from nq57 import db
from nq57.vnformat import vn_number


def app_pages() -> list[str]:
    """The page scripts in dashboard.py's navigation, in order."""
    import re

    return re.findall(r'(?:st\.Page|protected)\("([^"]+)"', (db.PROJECT_ROOT / "dashboard.py").read_text(encoding="utf-8"))


def time_pages(path: Path, timeout: float = 120, out=sys.stdout) -> list[tuple[str, float, float]]:
    """Each page under AppTest: cold (caches cleared, first run) and warm (second run). A run
    longer than `timeout` is recorded as infinite (printed '> timeout') and the next page goes on."""
    import os

    import logging

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from streamlit import logger as streamlit_logger

    streamlit_logger.set_log_level("error")  # "No runtime found" warnings outside a server
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    os.environ["NQ57_DB"] = str(path)
    # as under the server: the database stays open between a page's connections (AppTest has no
    # server runtime, so components/data.py does not turn this on by itself)
    db.keep_open(db.DASHBOARD_KEEP_OPEN_SECONDS)
    results = []
    try:
        for page in ["dashboard.py", *app_pages()]:
            st.cache_data.clear()
            st.cache_resource.clear()
            at = AppTest.from_file(str(db.PROJECT_ROOT / "dashboard.py"), default_timeout=timeout)
            if page != "dashboard.py":
                at.switch_page(page)
            cold = warm = float("inf")
            try:
                started = time.perf_counter()
                at.run()
                cold = time.perf_counter() - started
                if at.exception:
                    raise RuntimeError(f"{page}: {at.exception[0].message}")
                started = time.perf_counter()
                at.run()
                warm = time.perf_counter() - started
            except RuntimeError as problem:
                if "timed out" not in str(problem):
                    raise
            print(f"  {page}: {vn_number(cold, 2)} s / {vn_number(warm, 2)} s", file=out, flush=True)
            results.append((page, cold, warm))
    finally:
        db.keep_open(0)
    return results
