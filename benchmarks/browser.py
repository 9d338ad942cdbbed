"""`python -m nq57 bench --browser`: what a leader waits for in Debian's chromium (Playwright),
not what AppTest times. For every page: a new tab until ready (cold: the first visit after the
server starts; warm: later tabs) and the in-app switch from the menu (warm figures: the median
of ROUNDS tries), beside the same measurement of a bare Streamlit app with one Plotly chart and
one table (the floor, started in the same run). Ready = the script idle, the page's title drawn
and every chart holding its SVG."""
from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import table as _table, verdict as _verdict
from benchmarks.pages import app_pages
from benchmarks.server import serve
from nq57 import db
from nq57.vnformat import vn_number

GOAL_WARM_OVER_FLOOR = 2.0
GOAL_COLD_OVER_FLOOR = 3.0
ROUNDS = 3  # tries of each warm new tab and switch, the median kept
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  return [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(c => c.querySelector('svg.main-svg'));
}"""
FLOOR_APP = '''import pandas as pd
import plotly.graph_objects as go
import streamlit as st


def draw(title):
    st.title(title)  # another title per page, as in the dashboard, so a switch is seen
    frame = pd.DataFrame({"don_vi": [f"Đơn vị {i}" for i in range(95)], "diem": [i % 100 for i in range(95)]})
    st.plotly_chart(go.Figure(go.Bar(x=frame["don_vi"], y=frame["diem"])), theme=None)
    st.dataframe(frame, hide_index=True)


st.navigation([st.Page(lambda: draw("Trang một"), title="Một", url_path="mot", default=True),
               st.Page(lambda: draw("Trang hai"), title="Hai", url_path="hai")]).run()
'''


def _new_tab(browser, url: str) -> float:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(READY_JS, timeout=180_000, polling=50)
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed


def _switch(page, menu_title: str, title_before: str) -> float:
    """Click the menu link `menu_title` and wait until the new page is ready."""
    started = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text=menu_title).first.click()
    page.wait_for_function("t => { const h = document.querySelector('[data-testid=\"stMain\"] h1');"
                           " return h && h.innerText !== t; }", arg=title_before, timeout=180_000, polling=50)
    page.wait_for_function(READY_JS, timeout=180_000, polling=50)
    return time.perf_counter() - started


def _measure(browser, base: str, menu: dict[str, str], out) -> dict[str, tuple[float, float, float]]:
    """cold new tab, warm new tab and warm in-app switch for each url path (in order) of
    `menu` (url path → its title in the menu). Warm figures are the median of ROUNDS tries: on
    this shared machine one try of the same switch took 0,4 s or 1,3 s."""
    paths = list(menu)
    cold, warm, switch = {}, {path: [] for path in paths}, {path: [] for path in paths}
    for path in paths:
        cold[path] = _new_tab(browser, f"{base}/{path}")
        warm[path] = [_new_tab(browser, f"{base}/{path}") for _ in range(ROUNDS)]
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{base}/{paths[-1]}")
    page.wait_for_function(READY_JS, timeout=180_000, polling=50)
    page.wait_for_timeout(1500)  # a deep link runs the script twice: switch only once it has settled
    page.wait_for_function(READY_JS, timeout=180_000, polling=50)
    for _ in range(ROUNDS):
        for path in paths:  # each switch comes from the page before it
            title = page.locator('[data-testid="stMain"] h1').first.inner_text()
            switch[path].append(_switch(page, menu[path], title))
    page.close()
    results = {path: (cold[path], statistics.median(warm[path]), statistics.median(switch[path])) for path in paths}
    for path, times in results.items():
        texts = (vn_number(t, 2) for t in times)
        print(f"  {path or '/'}: thẻ mới {next(texts)} s (lạnh) / {next(texts)} s (ấm), chuyển trang {next(texts)} s "
              f"(ấm: trung vị {ROUNDS} lần)", file=out, flush=True)
    return results


def _menu() -> dict[str, str]:
    """url path → menu title of the pages every visitor may open (dashboard.py's navigation). The
    default page is "" (the root, where its menu link goes): Streamlit ignores its url_path, and
    opening that path showed "page not found" before running the main page."""
    import re

    router = (db.PROJECT_ROOT / "dashboard.py").read_text(encoding="utf-8")
    listed = re.findall(r'st\.Page\("[^"]+", title="([^"]+)"([^)]*)url_path="([^"]+)"', router)
    assert len(listed) >= len(app_pages()) - 4, "dashboard.py's pages changed shape"
    return {"" if "default=True" in options else path: title for title, options, path in listed}


def run_browser_bench(path: Path, scale: str, out=sys.stdout) -> list[tuple[str, str, str, str]]:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("cần chromium của Debian (apt-get install chromium)")
    work = Path(tempfile.mkdtemp(prefix="nq57-bench-browser-"))
    served = work / "nq57.duckdb"
    shutil.copy(path, served)  # the server may store snapshots for today; the cached file stays as built
    floor_script = work / "floor_app.py"
    floor_script.write_text(FLOOR_APP, encoding="utf-8")
    env = {**os.environ, "NQ57_DB": str(served)}
    processes = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
            process, base = serve(floor_script, work, env, work / "floor.log")
            processes.append(process)
            print("Sàn (ứng dụng Streamlit một biểu đồ, một bảng):", file=out, flush=True)
            times = list(_measure(browser, base, {"mot": "Một", "hai": "Hai"}, out).values())
            # cold: the first visit after the server started; warm: the better of the two pages' medians
            floor = (times[0][0], min(t[1] for t in times), min(t[2] for t in times))
            process, base = serve(db.PROJECT_ROOT / "app.py", db.PROJECT_ROOT, env, work / "app.log")
            processes.append(process)
            print(f"Bảng điều hành (quy mô {scale}):", file=out, flush=True)
            pages = _measure(browser, base, _menu(), out)
            browser.close()
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    rows = []
    for url_path, (cold, warm, switch) in pages.items():
        ratios = (cold / floor[0], warm / floor[1], switch / floor[2])
        ok = ratios[0] <= GOAL_COLD_OVER_FLOOR and max(ratios[1:]) <= GOAL_WARM_OVER_FLOOR
        rows.append((f"{url_path or '/'} ({scale})",
                     " / ".join(vn_number(t, 2) for t in (cold, warm, switch)) + " s = "
                     + " / ".join(vn_number(r, 1) + "×" for r in ratios),
                     f"≤ {GOAL_COLD_OVER_FLOOR:g}× lạnh, ≤ {GOAL_WARM_OVER_FLOOR:g}× ấm", _verdict(ok)))
    floor_text = " / ".join(vn_number(t, 2) for t in floor) + " s"
    _table(f"Trình duyệt: thẻ mới lạnh / thẻ mới ấm / chuyển trang, so với sàn {floor_text}", rows, out)
    return rows
