"""Difficulties and requests (issue #15): a report's difficulties and requests become items that
the province assigns, answers and closes; a repeated text is the same item; every transition is
checked by role and audited; rule 5 of red_flags flags one left unanswered past the setting's
days; a rollback withdraws what its batch raised and keeps the history."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from nq57 import audit, auth, db, reports, request_flow, request_items, templates
from nq57.request_items import RequestError

OCT, NOV = date(2025, 10, 1), date(2025, 11, 1)
OCT_UPLOAD, NOV_UPLOAD = datetime(2025, 11, 10, 9), datetime(2025, 12, 8, 9)
ASK = "Đề nghị tỉnh hỗ trợ kinh phí nâng cấp đường truyền"
PASSWORD = "mat-khau-du-dai-123"


def report(con, period, uploaded_at, requests=ASK, difficulties=None, task_id="p-a:1"):
    return reports.record_batch(con, reports.Batch(
        unit_id="phuong-a", period=period, uploaded_by="can-bo-phuong-a", uploaded_at=uploaded_at,
        task_updates=[reports.TaskUpdate(task_id=task_id, status="dang_thuc_hien", percent_complete=40,
                                         difficulties=difficulties, requests=requests)]))


def requests_on(con, day):
    return db.query_view(con, "requests", as_of=day)


def flags_on(con, day):
    flags = db.query_view(con, "red_flags", as_of=day)
    return flags[flags["rule"] == 5]


@pytest.fixture()
def accounts(fixture_db):
    con = fixture_db
    con.execute("insert into units (unit_id, name, kind, parent_id, office_code, report_cycle, sort_order) values "
                "('phuong-a/phong-vhxh', 'Phòng VH-XH (phường An)', 'office', 'phuong-a', 'phong-vhxh', 'monthly', 6)")
    made = {}
    for name, role, unit in [("van-phong", "secretariat", None), ("phuong-a", "unit", "phuong-a"),
                             ("xa-b", "unit", "xa-b"), ("so-x", "unit", "dong-nai/so-x"),
                             ("vhxh", "unit", "phuong-a/phong-vhxh"), ("lanh-dao", "leader", None)]:
        made[name] = auth.add_user(con, name, role, PASSWORD, unit_id=unit, by="system:tests")
    return made


def test_a_request_in_the_october_report_is_open(fixture_db):
    report(fixture_db, OCT, OCT_UPLOAD)
    rows = requests_on(fixture_db, "2025-11-15")
    assert len(rows) == 1
    item = rows.iloc[0]
    assert (item["unit_id"], item["task_id"], item["kind"], item["text"]) == ("phuong-a", "p-a:1", "kien_nghi", ASK)
    assert item["state"] == "moi" and item["is_open"] and item["is_unanswered"]
    assert item["period"].date() == OCT and item["days_waiting"] == 5
    assert requests_on(fixture_db, "2025-11-09").empty  # not raised yet on that day


def test_the_same_text_in_november_is_the_same_item(fixture_db):
    report(fixture_db, OCT, OCT_UPLOAD, difficulties="Thiếu nhân lực chuyên trách\nHạ tầng mạng yếu")
    report(fixture_db, NOV, NOV_UPLOAD, requests="  đề nghị tỉnh hỗ trợ  kinh phí nâng cấp đường truyền. ",
           difficulties="Thiếu nhân lực chuyên trách\nChưa có phần mềm dùng chung")
    rows = requests_on(fixture_db, "2025-12-10").set_index("text")
    assert len(rows) == 4  # the request, two October difficulties, one new in November
    assert rows.loc[ASK, "times_reported"] == 2 and rows.loc[ASK, "last_period"].date() == NOV
    assert rows.loc[ASK, "period"].date() == OCT  # waiting since October, not since November
    assert rows.loc["Thiếu nhân lực chuyên trách", "times_reported"] == 2
    assert rows.loc["Chưa có phần mềm dùng chung", "period"].date() == NOV


def test_transitions_by_role_and_refused_for_others(fixture_db, accounts):
    con, a = fixture_db, accounts
    report(con, OCT, OCT_UPLOAD)
    request_id = int(requests_on(con, None).iloc[0]["request_id"])
    state = lambda: request_flow.current(con, request_id)["state"]  # noqa: E731

    for who in ("phuong-a", "lanh-dao", "so-x"):
        with pytest.raises(auth.PermissionDenied):
            request_flow.assign(con, a[who], request_id, "phuong-a/phong-vhxh")
    with pytest.raises(RequestError, match="Cơ quan xử lý"):
        request_flow.assign(con, a["van-phong"], request_id, "xa-b")  # a commune is not an office
    with pytest.raises(RequestError, match="trạng thái"):
        request_flow.close(con, a["phuong-a"], request_id)  # nothing to close before an answer
    request_flow.assign(con, a["van-phong"], request_id, "phuong-a/phong-vhxh")
    assert state() == "da_giao"

    for who in ("so-x", "phuong-a", "van-phong", "lanh-dao"):  # only the assigned office answers
        with pytest.raises(auth.PermissionDenied):
            request_flow.answer(con, a[who], request_id, "Đã bố trí kinh phí")
    with pytest.raises(RequestError, match="Nội dung trả lời"):
        request_flow.answer(con, a["vhxh"], request_id, "   ")
    request_flow.answer(con, a["vhxh"], request_id, "Đã bố trí kinh phí năm 2026", "15/QĐ-UBND")
    item = request_flow.current(con, request_id)
    assert (item["state"], item["answer"], item["answered_by"], item["document_ref"]) == (
        "da_tra_loi", "Đã bố trí kinh phí năm 2026", "vhxh", "15/QĐ-UBND")

    for who in ("xa-b", "lanh-dao"):
        with pytest.raises(auth.PermissionDenied):
            request_flow.close(con, a[who], request_id)
    request_flow.close(con, a["phuong-a"], request_id)
    assert state() == "da_dong" and not request_flow.current(con, request_id)["is_open"]

    for who in ("xa-b", "van-phong", "lanh-dao"):
        with pytest.raises(auth.PermissionDenied):
            request_flow.reopen(con, a[who], request_id, "Chưa nhận được kinh phí")
    request_flow.reopen(con, a["phuong-a"], request_id, "Chưa nhận được kinh phí")
    item = request_flow.current(con, request_id)
    assert (item["state"], item["reopen_count"], item["office_id"]) == ("mo_lai", 1, "phuong-a/phong-vhxh")

    log = audit.query(con)
    assert list(log[log["action"].str.startswith("request_")]["action"]) == [
        "request_raise", "request_assign", "request_answer", "request_close", "request_reopen"]
    assert (log["action"] == "denied").sum() == 12


def test_the_fifth_flag_after_the_configured_days_and_gone_when_answered(fixture_db, accounts):
    con, a = fixture_db, accounts
    report(con, OCT, OCT_UPLOAD)  # raised 10/11/2025
    assert flags_on(con, "2025-12-10").empty  # 30 days: not past the setting yet
    flag = flags_on(con, "2025-12-11")
    assert len(flag) == 1
    assert flag.iloc[0]["unit_id"] == "phuong-a" and "chờ 31 ngày" in flag.iloc[0]["reason"]
    assert "Kiến nghị quá hạn" in flag.iloc[0]["rule_label"]
    card = db.query_view(con, "unit_scorecard", as_of="2025-12-11").set_index("unit_id").loc["phuong-a"]
    assert card["flags_rule_5"] == 1

    con.execute("update settings set value = '10' where key = 'request_answer_days'")
    assert len(flags_on(con, "2025-11-21")) == 1 and flags_on(con, "2025-11-20").empty

    request_id = int(requests_on(con, None).iloc[0]["request_id"])
    request_flow.assign(con, a["van-phong"], request_id, "dong-nai/so-x", at=datetime(2025, 11, 25, 8))
    request_flow.answer(con, a["so-x"], request_id, "Đã trả lời bằng công văn", at=datetime(2025, 11, 28, 8))
    assert len(flags_on(con, "2025-11-27")) == 1  # assigned is not answered
    assert flags_on(con, "2025-11-28").empty and flags_on(con, "2026-03-01").empty


def test_a_rollback_withdraws_the_request_and_keeps_its_history(fixture_db, accounts):
    con = fixture_db
    batch_id = report(con, OCT, OCT_UPLOAD)
    request_flow.assign(con, accounts["van-phong"], int(requests_on(con, None).iloc[0]["request_id"]), "dong-nai/so-x",
                        at=datetime(2025, 11, 12, 8))
    reports.roll_back_batch(con, batch_id, by="van-phong", at=datetime(2025, 11, 20, 8))
    before, after = requests_on(con, "2025-11-19").iloc[0], requests_on(con, "2025-11-21").iloc[0]
    assert before["state"] == "da_giao" and before["is_open"]
    assert after["state"] == "da_rut" and not after["is_open"] and not after["breaks_rule_5"]
    assert flags_on(con, "2026-01-31").empty
    stored = [con.execute(f"select count(*) from {t}").fetchall()[0][0]
              for t in ("request_items", "request_sightings", "request_events")]
    assert stored == [1, 1, 1]  # nothing deleted
    report(con, NOV, NOV_UPLOAD)  # the same text again: the same item comes back, its history with it
    again = requests_on(con, "2025-12-10").iloc[0]
    assert len(requests_on(con, "2025-12-10")) == 1 and again["state"] == "da_giao" and again["period"].date() == OCT


def test_a_closed_request_repeated_later_is_a_new_item(fixture_db, accounts):
    con, a = fixture_db, accounts
    report(con, OCT, OCT_UPLOAD)
    first = int(requests_on(con, None).iloc[0]["request_id"])
    request_flow.assign(con, a["van-phong"], first, "dong-nai/so-x")
    request_flow.answer(con, a["so-x"], first, "Đã giải quyết")
    request_flow.close(con, a["phuong-a"], first)
    report(con, NOV, NOV_UPLOAD)
    rows = requests_on(con, None).set_index("request_id")
    assert len(rows) == 2 and rows.loc[first, "state"] == "da_dong"
    assert rows.drop(index=first).iloc[0]["state"] == "moi"


def test_a_unit_enters_a_request_directly_for_itself_only(fixture_db, accounts):
    con, a = fixture_db, accounts
    request_id = request_items.raise_directly(con, a["phuong-a"], "phuong-a", "kho_khan", "Thiếu máy tính", "p-a:2")
    item = request_flow.current(con, request_id)
    assert (item["source"], item["task_id"], item["state"], item["raised_by"]) == ("direct", "p-a:2", "moi", "phuong-a")
    with pytest.raises(auth.PermissionDenied):
        request_items.raise_directly(con, a["xa-b"], "phuong-a", "kho_khan", "Thiếu máy tính")
    with pytest.raises(RequestError, match="Nội dung"):
        request_items.raise_directly(con, a["phuong-a"], "phuong-a", "kho_khan", "  ")
    with pytest.raises(RequestError, match="Nhiệm vụ"):
        request_items.raise_directly(con, a["phuong-a"], "phuong-a", "kho_khan", "Thiếu", "p-khac:9")
    con.execute("insert or replace into settings (key, value) values ('max_text_chars', '50')")
    with pytest.raises(RequestError, match="Nội dung: nội dung dài 60 ký tự, vượt giới hạn 50 ký tự"):
        request_items.raise_directly(con, a["phuong-a"], "phuong-a", "kho_khan", "x" * 60)
    assert con.execute("select count(*) from request_items").fetchall()[0][0] == 1


def test_the_template_prefills_the_still_open_items(fixture_db, accounts):
    con, a = fixture_db, accounts
    report(con, OCT, OCT_UPLOAD, difficulties="Thiếu nhân lực", requests=ASK)
    report(con, NOV, NOV_UPLOAD, difficulties="Hạ tầng yếu", requests=None, task_id="p-a:4")
    closed = int(requests_on(con, None).set_index("text").loc["Hạ tầng yếu", "request_id"])
    request_flow.assign(con, a["van-phong"], closed, "dong-nai/so-x")
    request_flow.answer(con, a["so-x"], closed, "Đã nâng cấp")
    request_flow.close(con, a["phuong-a"], closed)
    sheet = templates.build_report_template(con, "phuong-a", "2025-12")["Nhiệm vụ"]
    headers = [c.value for c in sheet[3]]
    rows = {r[headers.index("Mã nhiệm vụ")]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["p-a:1"][headers.index("Khó khăn, vướng mắc")] == "Thiếu nhân lực"
    assert rows["p-a:1"][headers.index("Kiến nghị")] == ASK
    assert rows["p-a:4"][headers.index("Khó khăn, vướng mắc")] is None  # closed: not pending


def test_a_kept_line_of_the_prefilled_template_is_the_same_item_after_upload(demo_db_path, tmp_path):
    """The real round trip: a request uploaded for September is prefilled in October's template;
    uploading that template unchanged adds a sighting, not a second item."""
    import shutil

    import duckdb

    from tests.test_ingest import TASK, accept, filled, first_task, row_of, template

    path = tmp_path / "round.duckdb"
    shutil.copy(demo_db_path, path)
    con = duckdb.connect(str(path))
    task = first_task(con)
    text = "Đề nghị Sở KH&CN cử cán bộ hướng dẫn triển khai nền tảng số"
    accept(con, filled(con, tasks={task: {"status": "Đang thực hiện", "requests": text}}, period="2026-09"))
    items = con.execute("select count(*) from request_items").fetchall()[0][0]
    sheet = template(con, period="2026-10")["Nhiệm vụ"]
    assert text in sheet[f"{TASK['requests']}{row_of(sheet, task)}"].value.split("\n")
    accept(con, filled(con, tasks={task: {"status": "Đang thực hiện"}}, period="2026-10"))
    assert con.execute("select count(*) from request_items").fetchall()[0][0] == items
    db.set_as_of(con, None)
    mine = con.execute("select times_reported, strftime(last_period, '%Y-%m'), state from requests where text = ?",
                       [text]).fetchall()
    assert mine == [(2, "2026-10", "moi")]
    con.close()


def test_cli_exports_the_requests_view(demo_db_path):
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run([sys.executable, "-m", "nq57", "--db", str(demo_db_path), "export", "requests",
                           "--as-of", "2026-11-25"], cwd=Path(__file__).resolve().parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("request_id,unit_id,unit_name")
    with db.connect(demo_db_path, read_only=True) as con:
        assert len(lines) - 1 == len(db.query_view(con, "requests", as_of="2026-11-25"))


def test_a_request_on_a_task_that_moves_one_kpi_is_about_that_kpi(fixture_db):
    """task_kpis (issue #14) ties a task to the KPI it moves: its requests name that KPI; a task
    tied to two KPIs names neither, rather than a guess."""
    con = fixture_db
    kpi_ids = [row[0] for row in con.execute("select kpi_id from kpis order by kpi_id limit 2").fetchall()]
    report(con, OCT, OCT_UPLOAD)
    assert requests_on(con, "2025-11-15")["kpi_id"].isna().all()
    con.execute("insert into task_kpis (task_id, kpi_id) values ('p-a:1', ?)", [kpi_ids[0]])
    assert list(requests_on(con, "2025-11-15")["kpi_id"]) == [kpi_ids[0]]
    con.execute("insert into task_kpis (task_id, kpi_id) values ('p-a:1', ?)", [kpi_ids[1]])
    assert requests_on(con, "2025-11-15")["kpi_id"].isna().all()
