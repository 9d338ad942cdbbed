"""The upload page under AppTest with hostile text (issue #16): a file name or a cell holding
Markdown is shown escaped (no image, no link); a commit on a full disk is a message on the page
and stores nothing."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from components.safe_text import md_escape
from nq57 import db, ingest, storage
from tests.test_ingest import PERCENT_KPI, filled
from tests.conftest import DEMO_TODAY, signed_in_copy
from tests.test_input_rules import stored

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")
EVIL = "![x](http://evil/x.png) [link](http://evil)"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# an image or link in Markdown: '](' not escaped as '\]\('
LIVE_MARKDOWN = re.compile(r"(?<!\\)\]\((?!\\)|!\[")


@pytest.fixture()
def database(demo_db_path, tmp_path, monkeypatch) -> Path:
    return signed_in_copy(demo_db_path, tmp_path, monkeypatch, "van-thu")


def upload(name: str, content: bytes) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.file_uploader(key="report_file").set_value((name, content, XLSX)).run()
    assert not at.exception, at.exception
    return at


def shown_markdown(at: AppTest) -> list[str]:
    """Every text the page passed through Markdown."""
    return [e.value for kind in (at.markdown, at.error, at.warning, at.caption, at.info, at.success) for e in kind]


def test_markdown_in_a_file_name_and_a_cell_is_shown_escaped(database):
    with db.connect(database) as con:
        before = stored(con)
        data = filled(con, kpis={PERCENT_KPI: {"value": 50, "kpi_id": EVIL}})
    at = upload(EVIL + ".xlsx", data)
    assert md_escape(EVIL + ".xlsx") in at.error[0].value            # the file name, escaped
    assert any(md_escape(f"mã chỉ tiêu '{EVIL}'") in m.value for m in at.markdown)   # the cell, escaped
    texts = shown_markdown(at)
    assert any("evil" in text for text in texts)
    assert not [text for text in texts if LIVE_MARKDOWN.search(text)], texts
    with db.connect(database) as con:
        assert stored(con) == before


def test_markdown_in_an_extra_column_header_is_escaped_in_the_warning(database):
    def extra_column(workbook):
        workbook["Chỉ tiêu"]["Z3"] = EVIL
    with db.connect(database) as con:
        data = filled(con, kpis={PERCENT_KPI: {"value": 50}}, edit=extra_column)
    at = upload("bao-cao.xlsx", data)
    warnings = [w.value for w in at.warning]
    assert any(md_escape(EVIL) in w for w in warnings), warnings
    assert not [w for w in warnings if LIVE_MARKDOWN.search(w)]


def test_a_commit_on_a_full_disk_is_a_message_and_stores_nothing(database, monkeypatch):
    def full_disk(*args, **kwargs):
        raise storage.storage_error(duckdb_error())
    with db.connect(database) as con:
        before = stored(con)
        data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
    at = upload("bao-cao.xlsx", data)
    monkeypatch.setattr(ingest, "commit", full_disk)
    next(b for b in at.button if b.label == "Ghi nhận báo cáo").click().run()
    assert not at.exception, at.exception
    # the message is escaped like any text the page did not write itself; it renders unchanged
    message = md_escape("Không ghi được vào cơ sở dữ liệu: ổ đĩa đầy")  # a sentence: capital first
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    with db.connect(database) as con:
        assert stored(con) == before


def duckdb_error():
    import duckdb

    return duckdb.IOException('Could not write file "upload.duckdb.wal": No space left on device')


def test_evidence_choices_after_a_commit_name_the_kpi_and_unit_not_their_codes(database):
    with db.connect(database) as con:
        data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
        kpi_name = con.execute("select name from kpis where kpi_id = ?", [PERCENT_KPI]).fetchone()[0]
    at = upload("bao-cao.xlsx", data)
    next(b for b in at.button if b.label == "Ghi nhận báo cáo").click().run()
    assert not at.exception, at.exception
    choices = at.selectbox(key="evidence_item").options
    chosen = next(c for c in choices if kpi_name in c)
    assert "xã Nha Bích" in chosen and PERCENT_KPI not in chosen and "xa-nha-bich" not in chosen, chosen
    # tasks by their number and text, never their id (nha-bich-nq57:12)
    assert not [c for c in choices if "xa-nha-bich" in c or "nha-bich-nq57:" in c], choices


def test_a_task_sent_back_from_done_is_named_on_the_page_before_the_commit(database):
    """The secretariat sees, before committing, that a task the store holds as Hoàn thành comes
    back as Đang thực hiện: a warning and the task's row with both statuses in words."""
    from tests.test_ingest import first_task

    with db.connect(database) as con:
        task = first_task(con)
        done = con.execute("select t.task_no from tasks t where t.task_id = ?", [task]).fetchone()[0]
        result = ingest.check_workbook(con, filled(con, tasks={task: {"status": "Hoàn thành", "evidence_ref": "QĐ 12"}}),
                                       "truoc.xlsx", today=DEMO_TODAY)
        ingest.commit(con, result, "test", now=datetime(2026, 11, 25, 8, 0))
        back = filled(con, tasks={task: {"status": "Đang thực hiện", "percent_complete": 90}})
    at = upload("bao-cao.xlsx", back)
    warning = next(w.value for w in at.warning if "lùi trạng thái" in w.value)
    assert warning.startswith("1 nhiệm vụ lùi trạng thái"), warning
    grid = at.dataframe[-1].value
    row = grid[grid["flag"] != ""].iloc[0]
    assert (row["task_no"], row["previous_status_label"], row["new_status_label"]) == (done, "Hoàn thành", "Đang thực hiện")
    headers = json.loads(at.dataframe[-1].proto.columns)
    assert {"Trạng thái trước", "Trạng thái mới", "Kiểm tra"} <= {c.get("label") for c in headers.values()}, headers


def test_after_a_commit_the_page_keeps_the_evidence_step_through_the_next_clicks(database):
    """Picking another item, then choosing a file for it, reran the page: the committed file was
    checked again, read "already imported (đợt 1473)", and the evidence step vanished. After the
    commit the page shows what was written and the evidence step, not the preview and the button."""
    with db.connect(database) as con:
        data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
    at = upload("bao-cao.xlsx", data)
    next(b for b in at.button if b.label == "Ghi nhận báo cáo").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Đã ghi nhận 1 đợt báo cáo lúc ") for s in at.success)
    assert not [b for b in at.button if b.label == "Ghi nhận báo cáo"] and not at.dataframe  # no preview, no button
    items = at.selectbox(key="evidence_item")
    items.set_value(items.options.index(items.options[-1])).run()  # the next click
    assert not at.exception, at.exception
    assert not [i for i in at.info if "đã được nhập trước đây" in i.value], [i.value for i in at.info]
    assert at.selectbox(key="evidence_item").value == len(items.options) - 1
    assert any(s.value.startswith("Đã ghi nhận 1 đợt báo cáo lúc ") for s in at.success)


def test_the_same_file_again_says_when_and_by_whom_it_came(database):
    with db.connect(database) as con:
        data = filled(con, kpis={PERCENT_KPI: {"value": 50}})
        result = ingest.check_workbook(con, data, "lan-dau.xlsx", today=DEMO_TODAY)
        ingest.commit(con, result, "van-thu", now=datetime(2026, 11, 25, 8, 30))
    at = upload("lan-hai.xlsx", data)
    said = next(i.value for i in at.info if "đã được nhập trước đây" in i.value)
    assert "lúc 25/11/2026 08:30" in said and "Lịch sử nhập" in said, said
