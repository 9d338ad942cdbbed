"""`python -m nq57 bench --cluster`: many browser sessions through nginx over three replicas on one
lake while imports commit, against one replica carrying a third of the sessions, in the same run.

Each session is a Playwright page in its own browser context (its own cookies, so nginx spreads
them); its response time is from `goto` until the page's title is drawn and the script is idle.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.common import table, verdict
from nq57.vnformat import vn_number

PROJECT = Path(__file__).resolve().parent.parent
REPORT = PROJECT / "tests" / "fixtures" / "libreoffice_nha_bich_2026-10.xlsx"
PAGE, TITLE = "", "Tổng quan tỉnh Đồng Nai"  # the overview is the default page, at "/"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GOAL_RATIO = 1.5  # a session through the cluster, against one replica with a third of the load


@dataclass
class LoadRun:
    seconds: list[float] = field(default_factory=list)  # one per session that answered
    failures: list[str] = field(default_factory=list)
    replicas: dict[str, int] = field(default_factory=dict)  # which replica nginx chose, per session
    imports: list[int] = field(default_factory=list)  # exit codes of the imports run meanwhile

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def p95(self) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)] if ordered else float("nan")


async def _session(browser, url: str, timeout: float, run: LoadRun) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = await context.new_page()
        started = time.perf_counter()
        answer = await page.goto(f"{url}/{PAGE}", timeout=timeout * 1000)
        await page.wait_for_function("t => document.body.innerText.includes(t)", arg=TITLE, timeout=timeout * 1000)
        await page.wait_for_selector(IDLE, timeout=timeout * 1000)
        run.seconds.append(time.perf_counter() - started)
        replica = (answer.headers.get("x-nq57-replica") or "trực tiếp").split(", ")[-1] if answer else "?"
        run.replicas[replica] = run.replicas.get(replica, 0) + 1
    except Exception as problem:  # a session that does not answer is counted, not fatal
        run.failures.append(f"{type(problem).__name__}: {str(problem).splitlines()[0][:200]}")
    finally:
        await context.close()


def _import(store: str, data_path: str) -> int:
    return subprocess.run([sys.executable, "-m", "nq57", "--store", store, "import", str(REPORT), "--system"],
                          cwd=PROJECT, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "NQ57_DATA_PATH": data_path}).returncode


def load_run(url: str, sessions: int, chromium: str, timeout: float = 180, imports: int = 0,
             store: str = "", data_path: str = "") -> LoadRun:
    """`sessions` concurrent sessions on `url`, while `imports` command-line imports commit."""
    from playwright.async_api import async_playwright

    run = LoadRun()

    async def main() -> None:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            try:
                await asyncio.gather(*(_session(browser, url, timeout, run) for _ in range(sessions)))
            finally:
                await browser.close()

    with ThreadPoolExecutor(imports + 1) as pool:
        writers = [pool.submit(_import, store, data_path) for _ in range(imports)]
        # a thread of its own: the caller may already run an event loop (sync Playwright in a test)
        pool.submit(lambda: asyncio.run(main())).result()
        run.imports = [writer.result() for writer in writers]
    return run


def _warm(url: str, chromium: str) -> None:
    """One session first, so both measurements meet a replica past its imports and first reads."""
    load_run(url, 1, chromium)


def run_cluster_bench(sessions: int = 60, replicas: int = 3, out=sys.stdout) -> int:
    import shutil

    from benchmarks.views import bench_database
    from nq57 import cli
    from tests import cluster_nodes, lake_server

    chromium, pg = shutil.which("chromium"), lake_server.binaries()
    nginx_binary = cluster_nodes.nginx_binary()
    if not (chromium and pg and nginx_binary):
        print("Cần chromium, PostgreSQL và nginx (apt-get install chromium postgresql nginx)", file=sys.stderr)
        return 1
    source = bench_database("province", out=out)
    server = lake_server.PostgresServer(pg)
    server.start()
    processes, nginx = [], None
    try:
        store, data_path = server.new_store()
        os.environ["NQ57_DATA_PATH"] = data_path
        started = time.perf_counter()
        with open(os.devnull, "w") as quiet:
            sys.stdout, saved = quiet, sys.stdout
            try:
                cli.main(["migrate", "--from", str(source), "--to", store])
            finally:
                sys.stdout = saved
        print(f"Kho chung: đã chép dữ liệu tỉnh trong {vn_number(time.perf_counter() - started, 1)} s", file=out)
        logs = Path(tempfile.mkdtemp(prefix="nq57-bench-cluster-"))
        with ThreadPoolExecutor(replicas) as pool:
            for future in [pool.submit(cluster_nodes.start_replica, store, data_path, logs / f"replica{n}.log")
                           for n in range(replicas)]:
                processes.append(future.result())
        nginx = cluster_nodes.Nginx([int(url.rsplit(":", 1)[1]) for _, url in processes], nginx_binary)
        nginx.start()
        share = max(1, sessions // replicas)
        for _, url in processes:
            _warm(url, chromium)
        single = load_run(processes[0][1], share, chromium)
        print(f"Một máy chủ, {share} phiên: trung vị {vn_number(single.median, 2)} s", file=out, flush=True)
        started = time.perf_counter()
        spread = load_run(nginx.url, sessions, chromium, imports=2, store=store, data_path=data_path)
        wall = time.perf_counter() - started
    finally:
        if nginx is not None:
            nginx.stop()
        for process, _ in processes:
            cluster_nodes.stop(process)
        server.remove()
        if processes:
            shutil.rmtree(logs, ignore_errors=True)
    ratio = spread.median / single.median
    answered = len(spread.seconds)
    rows = [
        (f"phiên trả lời qua nginx ({replicas} máy chủ)", f"{answered}/{sessions}", f"{sessions}/{sessions}",
         verdict(answered == sessions)),
        ("phân bố phiên", ", ".join(f"{vn_number(n)}" for n in sorted(spread.replicas.values(), reverse=True)),
         "mỗi máy chủ có phiên", verdict(len(spread.replicas) == replicas)),
        ("lệnh import chạy cùng lúc (mã thoát)", " ".join(str(code) for code in spread.imports), "0 0",
         verdict(all(code == 0 for code in spread.imports))),
        (f"một phiên, {replicas} máy chủ / {sessions} phiên: trung vị · p95",
         f"{vn_number(spread.median, 2)} · {vn_number(spread.p95, 2)} s", "", ""),
        (f"một phiên, 1 máy chủ / {share} phiên: trung vị · p95",
         f"{vn_number(single.median, 2)} · {vn_number(single.p95, 2)} s", "", ""),
        ("tỷ lệ trung vị cụm / một máy chủ", f"{vn_number(ratio, 2)}×", f"≤ {vn_number(GOAL_RATIO, 1)}×",
         verdict(ratio <= GOAL_RATIO)),
        ("thời gian cả lượt qua nginx", f"{vn_number(wall, 1)} s", "", ""),
    ]
    table(f"Cụm: {sessions} phiên trình duyệt qua nginx trên {replicas} máy chủ, hai lệnh import cùng lúc", rows, out)
    for failure in (single.failures + spread.failures)[:5]:
        print(f"  phiên lỗi: {failure}", file=out)
    return 0 if answered == sessions else 1
