"""`python -m nq57 bench --first-start`: what a newcomer waits for after README's one line on an
empty data folder, in Debian's chromium (Playwright). From the moment the server process is
started: the overview drawn (the first start: schema and real plans, the demo still being made
in the background), the banner "Đang tạo dữ liệu minh họa…" gone (demo and stored figures done),
and the overview drawn after a warm restart on the same database in the same run (absolute times
drift twice over on a busy machine; the ratio to the warm restart does not). tests/test_first_start.py
measures the same way."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.browser import FLAGS, READY_JS
from benchmarks.common import table as _table, verdict as _verdict
from benchmarks.server import serve
from nq57 import db
from nq57.vnformat import vn_number

BANNER = "Đang tạo dữ liệu minh họa"
GOAL_FIRST_SECONDS = 10.0
GOAL_FIRST_OVER_WARM = 2.0


@dataclass
class Started:
    """Seconds from the server process's start: health answered, overview drawn; and what the
    overview showed when first drawn."""
    healthy: float
    ready: float
    banner: bool
    text: str


def open_overview(browser, database: Path, log: Path, project: Path = db.PROJECT_ROOT, timeout: float = 300):
    """Start `streamlit run app.py` on `database` and open the overview in a new tab; returns
    (server process, base url, the open page, Started)."""
    env = {**os.environ, "NQ57_DB": str(database)}
    started = time.perf_counter()
    process, base = serve(project / "app.py", project, env, log, timeout)
    healthy = time.perf_counter() - started
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{base}/")
    page.wait_for_function(READY_JS, timeout=timeout * 1000, polling=50)
    ready = time.perf_counter() - started
    text = page.inner_text('[data-testid="stMain"]')
    return process, base, page, Started(healthy, ready, BANNER in text, text)


def wait_banner_gone(page, started_at: float, timeout: float = 300) -> float:
    """Seconds (from `started_at`) until the page, left open, has redrawn itself without the banner."""
    page.wait_for_function("t => !document.querySelector('[data-testid=\"stMain\"]').innerText.includes(t)",
                           arg=BANNER, timeout=timeout * 1000, polling=100)
    page.wait_for_function(READY_JS, timeout=timeout * 1000, polling=50)
    return time.perf_counter() - started_at


def stop(process) -> None:
    process.terminate()
    process.wait(timeout=30)


def measure(browser, work: Path, project: Path = db.PROJECT_ROOT, out=sys.stdout) -> dict[str, float]:
    """The first start on an empty database in `work`, then a warm restart on the same file."""
    database = work / "nq57.duckdb"
    database.unlink(missing_ok=True)
    started_at = time.perf_counter()
    process, _base, page, first = open_overview(browser, database, work / "first.log", project)
    try:
        done = wait_banner_gone(page, started_at) if first.banner else first.ready
    finally:
        page.close()
        stop(process)
    process, _base, page, warm = open_overview(browser, database, work / "warm.log", project)
    page.close()
    stop(process)
    times = {"first_healthy": first.healthy, "first_ready": first.ready, "banner": float(first.banner),
             "background_done": done, "warm_healthy": warm.healthy, "warm_ready": warm.ready}
    print(f"  lần đầu: máy chủ trả lời sau {vn_number(first.healthy, 2)} s, trang tổng quan sau "
          f"{vn_number(first.ready, 2)} s ({'có' if first.banner else 'không có'} thông báo đang tạo), "
          f"dữ liệu minh họa xong sau {vn_number(done, 2)} s; khởi động lại: máy chủ "
          f"{vn_number(warm.healthy, 2)} s, trang tổng quan {vn_number(warm.ready, 2)} s", file=out, flush=True)
    return times


def run_first_start_bench(project: Path = db.PROJECT_ROOT, out=sys.stdout) -> list[tuple[str, str, str, str]]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("cần chromium của Debian (apt-get install chromium)")
    work = Path(tempfile.mkdtemp(prefix="nq57-bench-first-start-"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            print(f"Khởi động lần đầu trên cơ sở dữ liệu trống ({project / 'app.py'}):", file=out, flush=True)
            times = measure(browser, work, project, out)
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratio = times["first_ready"] / times["warm_ready"]
    rows = [
        ("lần đầu → trang tổng quan", f"{vn_number(times['first_ready'], 2)} s",
         f"≤ {vn_number(GOAL_FIRST_SECONDS, 0)} s", _verdict(times["first_ready"] <= GOAL_FIRST_SECONDS)),
        ("lần đầu / khởi động lại", f"{vn_number(ratio, 2)}×", f"≤ {vn_number(GOAL_FIRST_OVER_WARM, 0)}×",
         _verdict(ratio <= GOAL_FIRST_OVER_WARM)),
        ("dữ liệu minh họa xong (nền)", f"{vn_number(times['background_done'], 2)} s", "thông báo tự tắt",
         _verdict(bool(times["banner"]) or times["background_done"] == times["first_ready"])),
    ]
    _table("Khởi động lần đầu: giây tính từ lúc chạy máy chủ, trong chromium", rows, out)
    return rows
