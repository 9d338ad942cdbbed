"""Each page in a real browser: Playwright driving Debian's chromium against a live server.
Screenshots go to tests/screenshots/ (git-ignored) for a person to look at."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SCREENSHOTS = PROJECT / "tests" / "screenshots"
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

PAGES = [
    # (url path, texts that must show, number of Plotly charts)
    ("?as_of=2025-12-31", ["Tổng quan tỉnh Đồng Nai", "31/12/2025", "Dữ liệu minh họa", "Bảng xếp hạng"], 2),
    ("xuat-du-lieu", ["Xuất dữ liệu", "Tải Excel"], 0),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    database = tmp_path_factory.mktemp("browser") / "nq57.duckdb"
    shutil.copy(demo_db_path, database)
    port = free_port()
    env = {**os.environ, "NQ57_DB": str(database)}
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("streamlit did not start within 60 s")
    yield base
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("path, texts, chart_count", PAGES)
def test_page_renders_in_a_browser(server, browser, path, texts, chart_count):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{server}/{path}")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_timeout(500)
    body = page.inner_text("body")
    for text in texts:
        assert text in body, f"'{text}' is not on {path}"
    assert "Traceback" not in body and "Page not found" not in body
    if chart_count:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        assert page.locator(".js-plotly-plot").count() == chart_count
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = path.split("?")[0] or "tong-quan"
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.close()
