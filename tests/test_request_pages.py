"""The Kiến nghị page, the overview's count and the unit profile's count under AppTest (issue #15):
the figures are the views', the forms appear for the roles that may use them, and a transition
made on the page is stored, audited and shown."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from nq57 import audit, auth, db, request_flow
from nq57.vnformat import vn_number
from tests.conftest import APP_PATH, DEMO_TODAY, sign_in_as, signed_in_copy

PAGE = "pages/requests.py"


def go(at: AppTest, page: str, **params) -> AppTest:
    at.date_input(key="as_of_input").set_value(DEMO_TODAY).run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def view(path, name, **filters):
    with db.connect(path) as con:
        return db.query_view(con, name, as_of=DEMO_TODAY, filters=filters or None)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_the_page_lists_every_open_request_with_the_views_counts(app, demo_db_path):
    go(app, PAGE)
    summary = view(demo_db_path, "request_summary").iloc[0]
    shown = metrics(app)
    assert summary["unanswered_count"] > 0 and summary["overdue_count"] > 0
    assert shown["Đang mở"] == vn_number(summary["open_count"])
    assert shown["Chờ trả lời"] == vn_number(summary["unanswered_count"])
    assert shown[f"Chờ quá {summary['answer_days']} ngày"] == vn_number(summary["overdue_count"])
    table = app.dataframe[0].value
    assert len(table) == summary["open_count"]
    longest = view(demo_db_path, "requests", is_open=True)["days_waiting"].max()
    assert table["waiting"].iloc[0] == f"{vn_number(longest)} ngày"  # the longest waiting first
    assert not app.get("button")  # reading needs no sign-in, and offers no action to nobody


def test_filters_narrow_the_list_by_unit_and_age(app, demo_db_path):
    go(app, PAGE)
    rows = view(demo_db_path, "requests", is_open=True)
    unit = rows["unit_name"].value_counts().index[0]
    app.multiselect(key="req_units").set_value([unit]).run()
    assert len(app.dataframe[0].value) == (rows["unit_name"] == unit).sum()
    app.selectbox(key="req_age").set_value(30).run()
    expected = ((rows["unit_name"] == unit) & (rows["days_waiting"] > 30)).sum()
    assert len(app.dataframe[0].value) == expected


def test_the_overview_and_the_unit_profile_count_the_waiting_requests(app, demo_db_path):
    go(app, "pages/overview.py")
    summary = view(demo_db_path, "request_summary").iloc[0]
    assert metrics(app)["Kiến nghị chờ trả lời"] == vn_number(summary["unanswered_count"])
    rows = view(demo_db_path, "requests")
    unit = rows[rows["is_unanswered"]]["unit_id"].value_counts().index[0]
    go(app, "pages/unit_profile.py", unit=unit)
    app.session_state["profile_tab"] = "Khó khăn, kiến nghị"  # only the open tab is drawn
    app.run()
    own = rows[rows["unit_id"] == unit]
    assert metrics(app)["Kiến nghị chờ trả lời"] == vn_number(own["is_unanswered"].sum())


def test_the_secretariat_assigns_on_the_page_and_a_leader_cannot(demo_db_path, tmp_path, monkeypatch):
    copy = signed_in_copy(demo_db_path, tmp_path, monkeypatch, "van-phong")
    waiting = view(copy, "requests", state="moi").sort_values("request_id").iloc[0]
    at = AppTest.from_file(APP_PATH, default_timeout=90)
    at.run()
    go(at, PAGE)
    at.selectbox(key="req_chosen").set_value(int(waiting["request_id"])).run()
    # a new request offers what its state allows: assigning, not closing or reopening it
    offered = {b.key for b in at.get("button")}
    assert "req_assign" in offered and not offered & {"req_close", "req_reopen"}, offered
    with db.connect(copy) as con:
        office_id, office = request_flow.offices(con, waiting["unit_id"])[-1]
    at.selectbox(key="req_office").set_value(office_id).run()
    at.button(key="req_assign").click().run()
    assert not at.exception, at.exception
    assert any("Đã cập nhật kiến nghị" in s.value for s in at.success)
    with db.connect(copy) as con:  # the event is dated now, after the demo's as-of
        item = db.query_view(con, "requests", filters={"request_id": int(waiting["request_id"])}).iloc[0]
    assert item["state"] == "da_giao" and item["office_name"] == office
    with db.connect(copy) as con:
        assert audit.query(con, action="request_assign")["user_name"].tolist() == ["van-phong"]
        auth.add_user(con, "lanh-dao", "leader", "mat-khau-du-dai-123", by="system:tests")
    sign_in_as(monkeypatch, copy, "lanh-dao")
    at = AppTest.from_file(APP_PATH, default_timeout=90)
    at.run()
    go(at, PAGE)
    keys = {b.key for b in at.get("button")}
    assert not keys & {"req_assign", "req_answer_submit", "req_close", "req_reopen", "req_new_submit"}


def test_no_cell_of_the_list_says_none(app):
    go(app, PAGE)
    table = app.dataframe[0].value
    assert not table.isna().any().any()
    assert not table.astype(str).isin(["None", "nan", "NaT"]).any().any()


def test_a_unit_reporter_raises_a_request_on_the_page(demo_db_path, tmp_path, monkeypatch):
    import shutil

    copy = tmp_path / "unit.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("NQ57_DB", str(copy))
    with db.connect(copy) as con:
        auth.add_user(con, "can-bo-phuoc-an", "unit", "mat-khau-du-dai-123", unit_id="xa-phuoc-an", by="system:tests")
    sign_in_as(monkeypatch, copy, "can-bo-phuoc-an")
    at = AppTest.from_file(APP_PATH, default_timeout=90)
    at.run()
    go(at, PAGE)
    assert at.selectbox(key="req_new_unit").options == ["xã Phước An"]  # its own unit only
    # its tasks in the plan's order (they came as stored: NV 11, 22, 33, 5 …), each cut at a word
    with db.connect(copy) as con:
        planned = [n for (n,) in con.execute("select t.task_no from task_units tu join tasks t using (task_id) "
                                              "where tu.unit_id = 'xa-phuoc-an' order by t.plan_id, t.sort_order").fetchall()]
    offered = at.selectbox(key="req_new_task").options[1:]
    assert [o.split(" · ")[0].removeprefix("NV ") for o in offered] == planned
    assert all(len(o.split(" · ", 1)[1]) <= 80 for o in offered)
    assert not [b for b in at.get("button") if b.key == "req_assign"]  # assigning is the secretariat's
    # offered only the requests it may act on, its own unit's: every unit's requests were offered,
    # with nothing it could do
    offered = at.selectbox(key="req_chosen").options
    assert offered and all(" · xã Phước An · " in o for o in offered), offered
    at.text_area(key="req_new_text").set_value("Thiếu máy tính cho bộ phận một cửa").run()
    at.button(key="req_new_submit").click().run()
    assert not at.exception, at.exception
    assert any("Đã ghi nhận kiến nghị" in s.value for s in at.success)
    # the form again, empty: what was sent is not there to be sent twice
    assert at.text_area(key="req_new_text").value == ""
    with db.connect(copy) as con:
        row = db.query_view(con, "requests", filters={"text": "Thiếu máy tính cho bộ phận một cửa"})
        log = audit.query(con, action="request_raise", user="can-bo-phuoc-an")
    assert row[["unit_id", "source", "state", "raised_by"]].values.tolist() == [
        ["xa-phuoc-an", "direct", "moi", "can-bo-phuoc-an"]]
    assert len(log) == 1


def test_a_request_without_a_suggested_office_is_assigned_only_to_one_chosen(demo_db_path, tmp_path, monkeypatch):
    """The office list opened on the first name (Báo Đồng Nai…): one stray click assigned it."""
    copy = signed_in_copy(demo_db_path, tmp_path, monkeypatch, "van-phong")
    requests = view(copy, "requests", state="moi")
    waiting = requests[requests["suggested_office_id"].isna()].sort_values("request_id").iloc[0]
    at = AppTest.from_file(APP_PATH, default_timeout=90)
    at.run()
    go(at, PAGE)
    at.selectbox(key="req_chosen").set_value(int(waiting["request_id"])).run()
    assert at.selectbox(key="req_office").value is None
    assert at.button(key="req_assign").disabled
    with db.connect(copy) as con:
        office_id, _ = request_flow.offices(con, waiting["unit_id"])[0]
    at.selectbox(key="req_office").set_value(office_id).run()
    assert not at.button(key="req_assign").disabled
