"""Verdicts that stick (issue #16, finding 2): a verdict follows the evidence into a new upload of
the same item and period, changed evidence waits for a new verdict without counting, and a unit
cannot re-upload a reviewed period until the secretariat reopens it."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from nq57 import audit, db, evidence, ingest, verdicts
from nq57.auth import PermissionDenied
from nq57.reports import Batch, KpiValue, TaskUpdate, record_batch, record_review, roll_back_batch
from tests.conftest import DEMO_TODAY, at
from tests.test_trust import (  # noqa: F401 (db_path and con are fixtures)
    NOW, PASSWORD, PERIOD, UNIT, checked, con, db_path, first_task, nq57, report, user,
)
from tests.test_trust_pages import sign_in

CARD = ["red_flag_count", "flags_rule_3", "completion_rate", "score", "rank", "grade"]
REF = "QĐ 12/QĐ-UBND"


def card(con, unit_id: str, as_of=DEMO_TODAY) -> dict:
    return db.query_view(con, "unit_scorecard", as_of=as_of, filters={"unit_id": unit_id})[CARD].iloc[0].to_dict()


def task_row(con, task: str, unit_id: str = UNIT, as_of=DEMO_TODAY):
    return db.query_view(con, "task_progress", as_of=as_of, filters={"unit_id": unit_id, "task_id": task}).iloc[0]


def rule_3(con, item_id: str, unit_id: str = UNIT, as_of=DEMO_TODAY) -> pd.DataFrame:
    return db.query_view(con, "red_flags", as_of=as_of, filters={"unit_id": unit_id, "item_id": item_id, "rule": 3})


def stored(con) -> dict[str, int]:
    return {table: con.execute(f"select count(*) from {table}").fetchall()[0][0]
            for table in ("report_batches", "kpi_values", "task_updates")}


def judged_upload(con, when: datetime = NOW) -> tuple[int, str]:
    """The unit's report for PERIOD with its first task done on REF, judged insufficient an hour later."""
    task = first_task(con)
    [(_, _, batch_id)] = ingest.commit(con, checked(con, report(con, task_status="Hoàn thành", evidence_ref=REF)),
                                user(con, "nha-bich"), now=when)
    evidence.review(con, user(con, "tham-dinh"), batch_id, UNIT, "task", task, "insufficient", "Thiếu chữ ký",
                    now=when + timedelta(hours=1))
    return batch_id, task


def resubmit(con, ref: str, by: str = "van-thu", when: datetime = NOW + timedelta(hours=2), note: str = "lần 2"):
    """The same report again (another file: a note differs), through the secretariat by default."""
    data = report(con, task_status="Hoàn thành", evidence_ref=ref, note=note)
    written = ingest.commit(con, checked(con, data, "nop-lai.xlsx"), user(con, by) if by else "cli", now=when)
    return [batch.batch_id for batch in written]


# --- (a) the attack: the same rows again keep the verdict ------------------------------------------

def test_resubmitting_the_same_evidence_keeps_the_verdict_flag_score_and_rank(con):
    _, task = judged_upload(con)
    judged = card(con, UNIT)
    assert len(rule_3(con, task)) == 1
    # the same rows, the reference retyped with other spaces and case, by the secretariat and
    # by the trusted command line: nothing a reviewer said is washed away
    (second,) = resubmit(con, "  qđ 12/QĐ-UBND ")
    (third,) = resubmit(con, REF, by=None, when=NOW + timedelta(hours=3), note="lần 3")
    row = task_row(con, task)
    assert row["last_batch_id"] == third and row["evidence_state"] == "thieu_chat_luong"
    assert row["review_decision"] == "insufficient" and row["review_comment"] == "Thiếu chữ ký"
    assert len(rule_3(con, task)) == 1
    assert card(con, UNIT) == judged
    assert not ((evidence.pending_evidence(con, UNIT, DEMO_TODAY).item_id == task)).any()
    assert second != third


def test_a_ward_resubmitting_its_reviewed_reports_keeps_its_flags_and_rank(con):
    """The issue's case on the demo data: the unit with the most rule-3 flags, every reviewed
    report in force uploaded again row for row (as the secretariat or the trusted command line
    may still do): its flags, score and rank stay where the reviewers put them."""
    flags = db.query_view(con, "red_flags", as_of=DEMO_TODAY, filters={"rule": 3})
    ward = flags.groupby("unit_id").size().sort_values(ascending=False).index[0]
    before = card(con, ward)
    assert before["flags_rule_3"] >= 2
    db.set_as_of(con, DEMO_TODAY)
    reviewed = [r[0] for r in con.execute(
        "select distinct c.batch_id from current_batches c join evidence_reviews r on r.batch_id = c.batch_id "
        "where c.unit_id = ?", [ward]).fetchall()]
    for batch_id in reviewed:
        (unit_id, period), = con.execute("select unit_id, period from report_batches where batch_id = ?",
                                         [batch_id]).fetchall()
        kpis = con.execute("select kpi_id, value, numerator, denominator, evidence_ref, note from kpi_values "
                           "where batch_id = ?", [batch_id]).fetchall()
        tasks = con.execute("select task_id, status, percent_complete, evidence_ref, difficulties, requests, note "
                            "from task_updates where batch_id = ?", [batch_id]).fetchall()
        record_batch(con, Batch(unit_id=unit_id, period=period, uploaded_by="van-thu", uploaded_at=NOW,
                                kpi_values=[KpiValue(*k) for k in kpis], task_updates=[TaskUpdate(*t) for t in tasks]))
    assert card(con, ward) == before
    assert len(db.query_view(con, "red_flags", as_of=DEMO_TODAY, filters={"unit_id": ward, "rule": 3})) == \
        before["flags_rule_3"]


# --- (b) changed evidence waits for a new verdict and does not count meanwhile ----------------------

def test_changed_evidence_awaits_review_again_and_counts_only_once_judged(con):
    _, task = judged_upload(con)
    (second,) = resubmit(con, "QĐ 15/QĐ-UBND ngày 20/11/2026")
    row = task_row(con, task)
    assert row["evidence_state"] == "cho_tham_dinh_lai" and row["evidence_label"] == "Chờ thẩm định lại"
    assert row["status"] == "cho_hoan_thien" and row["review_decision"] is None and not row["is_done"]
    assert rule_3(con, task).empty
    pending = evidence.pending_evidence(con, UNIT, DEMO_TODAY)
    mine = pending[pending.item_id == task].iloc[0]
    assert mine.batch_id == second and mine.is_rereview and mine.previous_decision == "insufficient"
    assert mine.previous_comment == "Thiếu chữ ký"
    # the secretariat's rollback brings the judged upload, and its verdict, back
    roll_back_batch(con, second, "van-thu", at=NOW + timedelta(hours=3))
    assert task_row(con, task)["evidence_state"] == "thieu_chat_luong" and len(rule_3(con, task)) == 1
    (third,) = resubmit(con, "QĐ 15/QĐ-UBND ngày 20/11/2026", when=NOW + timedelta(hours=4), note="lần 3")
    db.set_as_of(con, DEMO_TODAY)
    fingerprint = con.execute("select fingerprint from data_fingerprint").fetchall()[0][0]
    evidence.review(con, user(con, "tham-dinh"), third, UNIT, "task", task, "valid", None,
                    now=NOW + timedelta(hours=5))
    db.set_as_of(con, DEMO_TODAY)
    assert con.execute("select fingerprint from data_fingerprint").fetchall()[0][0] != fingerprint
    row = task_row(con, task)
    assert row["evidence_state"] == "hop_le" and row["status"] == "hoan_thanh" and row["is_done"]
    assert not (evidence.pending_evidence(con, UNIT, DEMO_TODAY).item_id == task).any()


def _fixture_task(con, ref="Biên bản 1", uploaded="2025-09-25 09:00"):
    return record_batch(con, Batch(unit_id="phuong-a", period=date(2025, 9, 1), uploaded_by="test",
                                   uploaded_at=at(uploaded),
                                   task_updates=[TaskUpdate("p-a:4", "hoan_thanh", 100, evidence_ref=ref)]))


def _attach(con, batch_id: int, sha: str, uploaded: str) -> None:
    con.execute(
        "insert into evidence_files (sha256, size, mime_type, original_name, stored_path, uploaded_by, uploaded_at, "
        "batch_id, unit_id, item_type, item_id) values (?, 10, 'application/pdf', 'bb.pdf', 'x/x.pdf', 'test', ?, ?, "
        "'phuong-a', 'task', 'p-a:4')", [sha, at(uploaded), batch_id])


def _state(con, as_of="2025-10-20"):
    return db.query_view(con, "task_progress", as_of=as_of, filters={"task_id": "p-a:4"}).iloc[0]


def test_files_are_part_of_the_evidence_a_verdict_was_given_on(fixture_db):
    first = _fixture_task(fixture_db)
    _attach(fixture_db, first, "aa", "2025-09-26 09:00")
    record_review(fixture_db, first, "phuong-a", "task", "p-a:4", "valid", "reviewer", reviewed_at=at("2025-09-27 09:00"))
    assert _state(fixture_db)["evidence_state"] == "hop_le"
    # the same reference and the same file (by hash) in a new upload: still valid
    second = _fixture_task(fixture_db, " biên  bản 1", "2025-10-01 09:00")
    _attach(fixture_db, second, "aa", "2025-10-01 10:00")
    assert _state(fixture_db)["evidence_state"] == "hop_le" and _state(fixture_db)["is_done"]
    # a file added after the verdict was not judged: awaiting review again, not done
    _attach(fixture_db, second, "bb", "2025-10-02 09:00")
    row = _state(fixture_db)
    assert row["evidence_state"] == "cho_tham_dinh_lai" and not row["is_done"] and row["is_overdue"]
    assert _state(fixture_db, "2025-10-01")["evidence_state"] == "hop_le"     # the as-of date sees it only then


def test_an_item_never_judged_still_counts_while_awaiting_review(fixture_db):
    _fixture_task(fixture_db)
    _fixture_task(fixture_db, "Biên bản 2", "2025-10-01 09:00")
    row = _state(fixture_db)
    assert row["evidence_state"] == "cho_tham_dinh" and row["is_done"]


def test_a_kpi_verdict_follows_its_evidence_too(fixture_db):
    def upload(ref, uploaded):
        return record_batch(fixture_db, Batch(unit_id="xa-b", period=date(2025, 9, 1), uploaded_by="test",
                                              uploaded_at=at(uploaded),
                                              kpi_values=[KpiValue("dvc", numerator=60, denominator=100, evidence_ref=ref)]))

    def kpi():
        return db.query_view(fixture_db, "kpi_progress", as_of="2025-10-20",
                             filters={"unit_id": "xa-b", "kpi_id": "dvc", "horizon": 2025}).iloc[0]

    first = upload("BC 2", "2025-09-25 09:00")
    record_review(fixture_db, first, "xa-b", "kpi", "dvc", "insufficient", "reviewer", reviewed_at=at("2025-09-28 09:00"))
    upload("BC 2", "2025-10-01 09:00")
    assert kpi()["evidence_state"] == "thieu_chat_luong"
    assert len(db.query_view(fixture_db, "red_flags", as_of="2025-10-20", filters={"item_id": "dvc", "rule": 3})) == 1
    upload("BC 3", "2025-10-02 09:00")
    row = kpi()
    assert row["evidence_state"] == "cho_tham_dinh_lai" and row["status"] == "cho_hoan_thien" and not row["is_on_track"]
    assert db.query_view(fixture_db, "red_flags", as_of="2025-10-20", filters={"item_id": "dvc", "rule": 3}).empty


# --- (c) a unit cannot re-upload a reviewed period ---------------------------------------------------

def test_a_unit_upload_into_a_reviewed_period_is_refused_and_audited(con):
    _, task = judged_upload(con)
    before, judged = stored(con), card(con, UNIT)
    again = checked(con, report(con, value=7, task_status="Hoàn thành", evidence_ref="QĐ khác"))
    with pytest.raises(verdicts.PeriodLocked) as refused:
        ingest.commit(con, again, user(con, "nha-bich"), now=NOW + timedelta(hours=2))
    message = str(refused.value)
    assert message.startswith("Kỳ báo cáo 10/2026 của xã Nha Bích đã được thẩm định")
    assert "chỉ Văn phòng mới mở lại được kỳ này" in message
    assert isinstance(refused.value, PermissionDenied)   # pages and the command line already show these
    assert stored(con) == before and card(con, UNIT) == judged and len(rule_3(con, task)) == 1
    denied = audit.query(con, action="denied", user="nha-bich")
    assert len(denied) == 1 and denied.iloc[0].unit_id == UNIT and str(denied.iloc[0].period)[:7] == PERIOD
    assert denied.iloc[0].detail == message
    # another unit's same period is not affected
    assert verdicts.locked_periods(con, [("xa-tan-an", date(2026, 10, 1))], NOW + timedelta(hours=2)).empty


def test_the_command_line_refuses_a_unit_account_too(con, db_path, tmp_path):
    judged_upload(con)
    con.close()
    workbook = tmp_path / "nop-lai.xlsx"
    import duckdb

    with duckdb.connect(str(db_path)) as again:
        workbook.write_bytes(report(again, value=9))
        before = stored(again)
    done = nq57("import", str(workbook), "--user", "nha-bich", db_path=db_path)
    assert done.returncode == 1 and "đã được thẩm định; chỉ Văn phòng mới mở lại được kỳ này" in done.stderr
    with duckdb.connect(str(db_path)) as again:
        assert stored(again) == before
        assert len(audit.query(again, action="denied", user="nha-bich")) == 1


# --- (d) the secretariat reopens; the unit's upload lands ------------------------------------------

def test_after_the_secretariat_reopens_the_unit_upload_lands_until_the_next_verdict(con):
    _, task = judged_upload(con)
    for name in ("nha-bich", "tham-dinh", "lanh-dao"):
        with pytest.raises(PermissionDenied, match="không có quyền mở lại"):
            verdicts.reopen(con, UNIT, date(2026, 10, 1), user(con, name), "xin nộp lại", now=NOW + timedelta(hours=2))
    with pytest.raises(verdicts.ReopenError, match="lý do"):
        verdicts.reopen(con, UNIT, date(2026, 10, 1), user(con, "van-thu"), " ", now=NOW + timedelta(hours=2))
    with pytest.raises(verdicts.ReopenError, match="chưa được thẩm định"):
        verdicts.reopen(con, "xa-tan-an", date(2026, 10, 1), user(con, "van-thu"), "x", now=NOW + timedelta(hours=2))
    assert len(audit.query(con, action="denied")) >= 3
    verdicts.reopen(con, UNIT, date(2026, 10, 15), user(con, "van-thu"), "Đơn vị bổ sung minh chứng",
                    now=NOW + timedelta(hours=2))
    row = audit.query(con, action="reopen").iloc[0]
    assert row.user_name == "van-thu" and row.unit_id == UNIT and "Đơn vị bổ sung minh chứng" in row.detail
    assert con.execute("select reopened_by, period from period_reopenings").fetchall() == [("van-thu", date(2026, 10, 1))]
    with pytest.raises(verdicts.ReopenError, match="đã được mở lại"):
        verdicts.reopen(con, UNIT, date(2026, 10, 1), user(con, "van-thu"), "lần nữa", now=NOW + timedelta(hours=2))
    before = stored(con)
    (landed,) = resubmit(con, "QĐ 20/QĐ-UBND", by="nha-bich", when=NOW + timedelta(hours=3))
    assert stored(con)["report_batches"] == before["report_batches"] + 1
    row = task_row(con, task)
    assert row["last_batch_id"] == landed and row["evidence_state"] == "cho_tham_dinh_lai"   # reopening washes nothing
    # the next verdict closes the period again
    evidence.review(con, user(con, "tham-dinh"), landed, UNIT, "task", task, "valid", None, now=NOW + timedelta(hours=4))
    with pytest.raises(verdicts.PeriodLocked):
        resubmit(con, "QĐ 21/QĐ-UBND", by="nha-bich", when=NOW + timedelta(hours=5), note="lần 3")


def test_reopen_on_the_command_line(con, db_path):
    judged_upload(con)
    con.close()
    refused = nq57("reopen", "--unit", UNIT, "--period", PERIOD, "--reason", "nộp nhầm", "--user", "nha-bich",
                   db_path=db_path)
    assert refused.returncode == 1 and "không có quyền mở lại" in refused.stderr
    assert nq57("reopen", "--unit", UNIT, "--period", "10/2026", "--reason", "x", db_path=db_path).returncode == 1
    done = nq57("reopen", "--unit", UNIT, "--period", PERIOD, "--reason", "nộp nhầm", "--user", "van-thu",
                db_path=db_path)
    assert done.returncode == 0, done.stderr
    assert "Đã mở lại kỳ báo cáo 10/2026" in done.stdout
    log = nq57("audit", "--action", "reopen", db_path=db_path)
    assert "van-thu,reopen,xa-nha-bich,2026-10-01" in log.stdout and "nộp nhầm" in log.stdout


# --- (e) the review page ---------------------------------------------------------------------------

def test_the_review_page_offers_changed_evidence_to_judge_again(con, db_path, monkeypatch):
    now = datetime.now() - timedelta(hours=3)   # the pages read as of today
    _, task = judged_upload(con, when=now)
    resubmit(con, "QĐ 15/QĐ-UBND", when=now + timedelta(hours=2))
    con.close()
    monkeypatch.setenv("NQ57_DB", str(db_path))
    app = sign_in(monkeypatch, db_path, "tham-dinh")
    app.switch_page("pages/review.py").run()
    app.selectbox(key="review_unit").select("xã Nha Bích").run()
    assert not app.exception, app.exception
    # the demo leaves nothing else of this unit unjudged: the one item is the task to judge again
    labels = app.selectbox(key="review_item").options
    assert len(labels) == 1 and labels[0].startswith("Thẩm định lại · xã Nha Bích · ")
    assert any("1 mục thẩm định lại" in c.value for c in app.caption)
    assert any("kết luận trước: Thiếu chất lượng" in w.value for w in app.warning)
    assert any(t.value == "QĐ 15/QĐ-UBND" for t in app.text)
    app.radio(key="review_decision").set_value("valid").run()
    app.button(key="review_submit").click().run()
    assert not app.exception, app.exception
    with db.connect(db_path) as after:
        assert task_row(after, task, as_of=None)["evidence_state"] == "hop_le"
        assert not (evidence.pending_evidence(after, UNIT).item_id == task).any()


def test_the_secretariat_reopens_a_period_from_the_history_page(con, db_path, monkeypatch):
    judged_upload(con, when=datetime.now() - timedelta(hours=3))
    con.close()
    monkeypatch.setenv("NQ57_DB", str(db_path))
    app = sign_in(monkeypatch, db_path, "van-thu")
    app.switch_page("pages/history.py").run()
    assert not app.exception, app.exception
    periods = app.selectbox(key="reopen_period")
    assert len(periods.options) == 1 and periods.options[0].startswith("xã Nha Bích · kỳ 10/2026 · 1 kết luận")
    assert app.button(key="reopen_submit").disabled          # a reason is required
    app.text_area(key="reopen_reason").input("Đơn vị nộp nhầm tệp").run()
    app.button(key="reopen_submit").click().run()
    assert not app.exception, app.exception
    assert any("Đã mở lại kỳ 10/2026 của xã Nha Bích" in s.value for s in app.success)
    with db.connect(db_path) as after:
        assert after.execute("select reopened_by, reason from period_reopenings").fetchall() == [
            ("van-thu", "Đơn vị nộp nhầm tệp")]
        assert verdicts.locked_periods(after, [(UNIT, date(2026, 10, 1))]).empty
