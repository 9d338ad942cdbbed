"""Load test (a contract of issue #16): 20 anonymous visitors change `?as_of=` for about a minute
against a real `streamlit run app.py` while two command-line imports and a `refresh` run. All three
exit 0 and land, and no visitor sees an error. Runs in the normal suite; `-m load` selects it.

The visitors are cheap websocket clients speaking Streamlit's own protocol, as the frontend does:
connect to /_stcore/stream (subprotocol "streamlit"), send a BackMsg `rerun_script` with the page
and the query string, read ForwardMsgs until `script_finished`. An exception element, an error
alert, a page not found or any other ending than "finished successfully" counts as an error.
"""
from __future__ import annotations

import asyncio
import random
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from nq57 import dates, db
from tests.conftest import DEMO_TODAY
from tests.live_server import start_server, stop_server
from tests.test_scale import filled_report

pytestmark = pytest.mark.load

PROJECT = Path(__file__).resolve().parent.parent
CLIENTS = 20
SECONDS = 60          # visitors keep going at least this long …
HARD_STOP = 100       # … and until the writers are done plus a few reruns, never longer than this
# A rerun that never answers is what this test catches (speed is the benchmark's, in ratios). On a
# day this machine ran at two thirds of its speed (the suite 88 min instead of 57), 20 visitors'
# reruns over days nobody stores took 13-17 s at the median and up to 97 s, on the code of the
# day before as well: 60 s failed one visitor in two runs out of three.
RERUN_TIMEOUT = 150
PAGES = [("", ""), ("ho-so-don-vi", "unit=xa-nha-bich"), ("chi-tieu", "kpi=dvc-toan-trinh"), ("canh-bao-do", ""),
         ("so-sanh", ""), ("nop-bao-cao", ""), ("lich-su-nhap", ""), ("xuat-du-lieu", "")]
UNITS = {"xa-nha-bich": 61.5, "xa-phuoc-an": 72.5}


def import_command(database: Path, workbook: Path) -> list[str]:
    """How the command line imports a file; the one place that knows its options."""
    return [sys.executable, "-m", "nq57", "--db", str(database), "import", str(workbook), "--system"]


def refresh_command(database: Path) -> list[str]:
    return [sys.executable, "-m", "nq57", "--db", str(database), "refresh"]


async def rerun(ws, page: str, query: str) -> str | None:
    """One script run of a page; None when it finished cleanly, else what went wrong."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = BackMsg()
    message.rerun_script.page_name = page
    message.rerun_script.query_string = query
    await ws.send(message.SerializeToString())
    problem = None
    while True:
        forward = ForwardMsg()
        forward.ParseFromString(await asyncio.wait_for(ws.recv(), RERUN_TIMEOUT))
        kind = forward.WhichOneof("type")
        if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
            element = forward.delta.new_element
            if element.WhichOneof("type") == "exception":
                problem = problem or f"exception: {element.exception.type}: {element.exception.message}"
            elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR:
                problem = problem or f"error alert: {element.alert.body[:200]}"
        elif kind == "page_not_found":
            problem = problem or f"page not found: {page}"
        elif kind == "session_event" and forward.session_event.HasField("script_compilation_exception"):
            problem = problem or "script compilation exception"
        elif kind == "script_finished":
            if forward.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                problem = problem or f"script finished with status {forward.script_finished}"
            return problem


async def visitor(index: int, port: int, days: list[date], stop, tally: dict) -> None:
    import websockets

    chooser = random.Random(index)
    try:
        async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                      max_size=None, open_timeout=30) as ws:
            while not stop():
                page, extra = chooser.choice(PAGES)
                query = "&".join(filter(None, [extra, f"as_of={chooser.choice(days).isoformat()}"]))
                started = time.monotonic()
                problem = await rerun(ws, page, query)
                tally["seconds_per_rerun"].append(time.monotonic() - started)
                tally["reruns"] += 1
                tally["after_writers"] += tally["writers_done"]
                if problem:
                    tally["errors"].append(f"client {index} {page}?{query}: {problem}")
    except Exception as problem:  # a dropped connection or a timeout is an error the visitor saw
        tally["errors"].append(f"client {index}: {problem!r}")


async def writer(command: list[str], results: list) -> None:
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(*command, cwd=PROJECT, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), HARD_STOP)
    results.append((command[-1], process.returncode, out.decode(), err.decode(), time.monotonic() - started))


async def load(port: int, database: Path, workbooks: list[Path], days: list[date]) -> tuple[dict, list]:
    import websockets

    tally = {"reruns": 0, "errors": [], "seconds_per_rerun": [], "writers_done": 0, "after_writers": 0}
    results: list = []
    # A fresh server learns the st.navigation url paths from its first script run; before that
    # Streamlit answers a deep link with "page not found" (streamlit/streamlit#8860, also dismissed
    # in tests/test_browser.py): a cold-start quirk, not the database.
    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"]) as ws:
        assert await rerun(ws, "", "") is None
    started = time.monotonic()
    writers_done_at: list[float] = []

    def stop() -> bool:
        elapsed = time.monotonic() - started
        settled = bool(writers_done_at) and time.monotonic() - writers_done_at[0] > 5
        return elapsed > HARD_STOP or (elapsed > SECONDS and settled)

    async def writers() -> None:
        await asyncio.sleep(10)  # the visitors are in full swing
        await asyncio.gather(*(writer(import_command(database, w), results) for w in workbooks),
                             writer(refresh_command(database), results))
        writers_done_at.append(time.monotonic())
        tally["writers_done"] = 1

    await asyncio.gather(writers(), *(visitor(i, port, days, stop, tally) for i in range(CLIENTS)))
    tally["seconds"] = time.monotonic() - started
    return tally, results


def test_twenty_visitors_changing_dates_while_two_imports_and_a_refresh_land(demo_db_path, tmp_path):
    database = tmp_path / "load.duckdb"
    shutil.copy(demo_db_path, database)
    workbooks = []
    with db.connect(database) as con:
        for unit, value in UNITS.items():
            workbook = tmp_path / f"{unit}.xlsx"
            workbook.write_bytes(filled_report(con, unit, "2026-10", value))
            workbooks.append(workbook)
        kpi_before = con.execute("select count(*) from kpi_values").fetchall()[0][0]
    # month ends the refresh stores and days nobody stores, up to the server's today
    first = date(2025, 7, 1)
    days = sorted(set(dates.page_days(DEMO_TODAY)) | {first + timedelta(days=n) for n in range(0, 500, 17)})
    days = [d for d in days if d <= date.today()]

    log = tmp_path / "server.log"
    server, base = start_server(database, log)
    port = int(base.rsplit(":", 1)[1])
    try:
        tally, results = asyncio.run(load(port, database, workbooks, days))
    finally:
        stop_server(server)
    server_output = log.read_text(errors="replace")

    waits = sum(err.count(db.WAIT_FOR_DASHBOARD) + err.count(db.WAIT_FOR_WRITER) for _, _, _, err, _ in results)
    per_rerun = sorted(tally["seconds_per_rerun"]) or [0.0]
    print(f"\nload: {CLIENTS} clients, {tally['reruns']} reruns ({tally['after_writers']} after the writers), "
          f"{len(tally['errors'])} errors, rerun median {per_rerun[len(per_rerun) // 2]:.1f} s, "
          f"95% {per_rerun[int(len(per_rerun) * 0.95)]:.1f} s, slowest {per_rerun[-1]:.1f} s, {tally['seconds']:.0f} s; "
          f"writers: " + ", ".join(f"{Path(name).name} exit {code} in {seconds:.1f} s" for name, code, _, _, seconds in results)
          + f"; {waits} wait notices")
    for name, code, out, err, _ in results:
        assert code == 0, (name, out, err)
        assert "Traceback" not in err and "IOException" not in err, err
    assert tally["errors"] == [], tally["errors"][:10]
    assert tally["reruns"] >= CLIENTS and tally["after_writers"] > 0
    assert "Traceback" not in server_output, server_output[-3000:]

    # both imports landed, whole, and the refresh stored the days the pages ask for
    with db.connect(database) as con:
        landed = con.execute("select file_name, row_count from report_batches where file_name in (?, ?)",
                             [w.name for w in workbooks]).fetchall()
        assert sorted(name for name, _ in landed) == sorted(w.name for w in workbooks)
        assert con.execute("select count(*) from kpi_values").fetchall()[0][0] > kpi_before
        stored = {d for (d,) in con.execute("select as_of from view_snapshots").fetchall()}
        assert set(dates.page_days(date.today())) <= stored
        db.set_as_of(con, None)
        shown = db.query_view(con, "kpi_progress", filters={"unit_id": "xa-nha-bich"})
    assert UNITS["xa-nha-bich"] in set(shown["actual_value"].round(6))
