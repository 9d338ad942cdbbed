"""The secretariat's pages under AppTest: compliance figures equal the view, rollback works."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nq57 import db, exports, labels
from nq57.cli_trust import SYSTEM_ACTOR
from nq57.reports import Batch, KpiValue, TaskUpdate, record_batch
from tests.conftest import DEMO_TODAY, signed_in_copy

APP = str(Path(__file__).resolve().parent.parent / "dashboard.py")


@pytest.fixture()
def database(demo_db_path, tmp_path, monkeypatch) -> Path:
    return signed_in_copy(demo_db_path, tmp_path, monkeypatch, "truong-vp", display_name="Trưởng văn phòng")


def open_page(page: str, as_of: date = DEMO_TODAY) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.date_input(key="as_of_input").set_value(as_of).run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_compliance_counts_equal_the_view(database):
    at = open_page("pages/compliance.py")
    period = at.selectbox(key="compliance_period").value
    with db.connect(database) as con:
        rows = db.query_view(con, "reporting_compliance", as_of=DEMO_TODAY, filters={"period": period})
    shown = {m.label: m.value for m in at.metric}
    for label in ["Đúng hạn", "Trễ hạn", "Chưa nộp"]:
        assert shown[label] == str((rows["status_label"] == label).sum())
    missing = rows[rows["status"] == "chua_nop"]["unit_name"]
    reminder = at.code[0].value if len(at.code) else ""
    assert all(f"- {name}" in reminder for name in missing)


def test_rollback_from_the_history_page(database):
    with db.connect(database) as con:
        first = record_batch(con, Batch("xa-nha-bich", date(2026, 11, 1), "văn phòng", datetime(2026, 11, 20, 9),
                                        file_name="lan1.xlsx", kpi_values=[KpiValue("dvc-toan-trinh", 70, evidence_ref="BC 1")]))
        second = record_batch(con, Batch("xa-nha-bich", date(2026, 11, 1), "văn phòng", datetime(2026, 11, 21, 9),
                                         file_name="lan2.xlsx", kpi_values=[KpiValue("dvc-toan-trinh", 20, evidence_ref="BC 2")]))
    at = open_page("pages/history.py")
    states = dict(zip(at.dataframe[0].value["batch_id"], at.dataframe[0].value["state_label"]))
    grid = at.dataframe[0]
    # never rolled back: no value, which the grid draws as "—" (not "None"), as the time beside it
    assert grid.value["rolled_back_by_label"].isna().all() and (grid.value["rolled_back_at"] == "—").all()
    assert grid.placeholder == "—"
    # every column under a Vietnamese header ("uploaded" once lost its own)
    headers = {name: config.get("label") for name, config in json.loads(grid.proto.columns).items()}
    assert all(headers.get(column) for column in grid.value.columns), headers
    # … the words of the export page and the unit profile (column_labels.csv), not the page's own
    worded = exports.vietnamese_headers("batch_history", grid.value.columns)
    assert {c: headers[c] for c in grid.value.columns} == worded and all(worded[c] != c for c in worded), worded
    assert states[first] == "Đã bị thay thế" and states[second] == "Đang hiệu lực"
    at.selectbox(key="rollback_batch").set_value(second)
    at.checkbox(key="rollback_confirm").check().run()
    at.button[0].click().run()
    assert not at.exception
    with db.connect(database) as con:
        history = db.query_view(con, "batch_history").set_index("batch_id")
        # the page rolls back at the real clock's now, so read as of today
        actual = db.query_view(con, "kpi_progress", as_of=None, filters={"unit_id": "xa-nha-bich", "kpi_id": "dvc-toan-trinh"})
    assert history.loc[second, "state_label"] == "Đã hoàn tác" and history.loc[second, "rolled_back_by"] == "truong-vp"
    assert history.loc[first, "state_label"] == "Đang hiệu lực"
    assert set(actual["actual_value"]) == {70}


def test_an_import_by_the_command_line_is_credited_in_words(database):
    """`import --system` records the actor "system:cli"; the history and the profile say who that is."""
    with db.connect(database) as con:
        batch = record_batch(con, Batch("xa-nha-bich", date(2026, 11, 1), SYSTEM_ACTOR, datetime(2026, 11, 20, 9),
                                        file_name="tu-dong.xlsx", kpi_values=[KpiValue("dvc-toan-trinh", 70)]))
    actor = labels.of("actor")[SYSTEM_ACTOR].label
    history = open_page("pages/history.py").dataframe[0].value.set_index("batch_id")
    assert history.loc[batch, "uploaded_by_label"] == actor == "Hệ thống (dòng lệnh)"
    at = open_page("pages/unit_profile.py")  # opens on xa-nha-bich
    at.session_state["profile_tab"] = "Báo cáo"  # only the open tab is drawn
    at.run()
    shown = [frame.value for frame in at.dataframe if "uploaded_by_label" in frame.value.columns]
    assert shown and actor in set(shown[0]["uploaded_by_label"])
    assert not any((frame.value == SYSTEM_ACTOR).any().any() for frame in at.dataframe)


def test_what_a_plan_reports_as_done_is_credited_to_the_system_in_words(database):
    """The catalogue's own batch (what a plan records as already done) named a plan's title as the
    person who sent it; the history says the system did, in words, and the review list names a
    command-line import's evidence in words too (it showed "system:cli")."""
    from nq57 import evidence
    from nq57.catalogue import PLAN_ACTOR

    with db.connect(database) as con:
        seed = {row[0] for row in con.execute("select batch_id from report_batches where source = 'seed'").fetchall()}
        task = con.execute("select min(task_id) from task_updates where unit_id = 'xa-nha-bich'").fetchone()[0]
        batch = record_batch(con, Batch("xa-nha-bich", date(2026, 11, 1), SYSTEM_ACTOR, datetime(2026, 11, 20, 9),
                                        task_updates=[TaskUpdate(task, "hoan_thanh", 100, "QĐ 12/QĐ-UBND")]))
        pending = evidence.pending_evidence(con, as_of=DEMO_TODAY).set_index("batch_id")
    history = open_page("pages/history.py").dataframe[0].value.set_index("batch_id")
    assert seed and set(history.loc[sorted(seed), "uploaded_by_label"]) == {labels.of("actor")[PLAN_ACTOR].label}
    assert not history["uploaded_by_label"].str.startswith("Kế hoạch").any()
    # its file is named as the plan is everywhere (plan_labels), not by the transcription's stored name
    with db.connect(database) as con:
        plan_labels = set(db.query_view(con, "plan_labels")["plan_label"])
    files = set(history.loc[sorted(seed), "file_label"])
    assert files <= plan_labels and not any(name.endswith(".txt") for name in history["file_label"].dropna())
    assert pending.loc[batch, "uploaded_by_label"] == "Hệ thống (dòng lệnh)"
    # the demo's batches name their maker in words too (they read the code "demo")
    assert not ({"demo"} & set(history["uploaded_by_label"]) | {"demo"} & set(pending["uploaded_by_label"]))
    assert labels.of("actor")["demo"].label in set(pending["uploaded_by_label"])


def test_upload_page_offers_a_template_for_the_chosen_unit(database):
    at = open_page("pages/upload.py")
    at.selectbox(key="template_unit").set_value("xa-nha-bich").run()
    assert not at.exception
    assert "Tải mẫu báo cáo" in [s.value for s in at.subheader][0]
    assert any("Chưa chọn tệp" in i.value for i in at.info)


def test_the_history_state_filter_opens_on_all_and_narrows_when_chosen(database):
    """The three states chosen by default were cut to "Đã bị th…" at 1440 px: the filter opens
    empty, reading "Tất cả", with every batch listed; choosing a state lists only its batches."""
    with db.connect(database) as con:
        record_batch(con, Batch("xa-nha-bich", date(2026, 11, 1), "văn phòng", datetime(2026, 11, 20, 9),
                                file_name="lan1.xlsx", kpi_values=[KpiValue("dvc-toan-trinh", 10, evidence_ref="BC 1")]))
        record_batch(con, Batch("xa-nha-bich", date(2026, 11, 1), "văn phòng", datetime(2026, 11, 21, 9),
                                file_name="lan2.xlsx", kpi_values=[KpiValue("dvc-toan-trinh", 20, evidence_ref="BC 2")]))
        every = len(db.query_view(con, "batch_history").query("not is_demo"))
    at = open_page("pages/history.py")
    states = at.multiselect(key="history_states")
    assert states.value == [] and states.placeholder == "Tất cả"
    assert len(at.dataframe[0].value) == every
    states.set_value(["superseded"]).run()
    assert set(at.dataframe[0].value["state_label"]) == {"Đã bị thay thế"}


def test_history_and_review_hide_the_demo_by_one_rule(demo_db_path, tmp_path, monkeypatch):
    """History hid the demo by default and Review showed it. One rule for both: hidden, one click
    away."""
    database = signed_in_copy(demo_db_path, tmp_path, monkeypatch, "quan-tri", role="admin")
    for page, key in (("pages/history.py", "history_hide_demo"), ("pages/review.py", "review_hide_demo")):
        at = open_page(page)
        assert at.toggle(key=key).value is True, page
        shown = len(at.dataframe[0].value) if at.dataframe else 0
        at.toggle(key=key).set_value(False).run()
        assert len(at.dataframe[0].value) > shown, page  # the demo's rows, one click away
