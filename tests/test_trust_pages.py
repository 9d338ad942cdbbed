"""Sign-in and roles as a person meets them in the pages (AppTest), and HTML in names shown as
text in a real browser."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nq57 import auth, db, evidence
from components.safe_text import md_escape
from tests.conftest import APP_PATH, sign_in_as

PASSWORD = "mat-khau-du-dai-123"


@pytest.fixture()
def database(demo_db_path, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "trust.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("NQ57_DB", str(copy))
    return copy


def add_accounts(path: Path) -> None:
    with db.connect(path) as con:
        auth.add_user(con, "quantri", "admin", PASSWORD, by="system:tests")
        auth.add_user(con, "nhabich", "unit", PASSWORD, unit_id="xa-nha-bich", by="system:tests")
        auth.add_user(con, "lanhdao", "leader", PASSWORD, by="system:tests")
        auth.add_user(con, "thamdinh", "reviewer", PASSWORD, by="system:tests")


def start() -> AppTest:
    import streamlit as st

    st.cache_data.clear()  # the settings cache remembers whether accounts exist
    at = AppTest.from_file(APP_PATH, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(monkeypatch, database: Path, name: str) -> AppTest:
    sign_in_as(monkeypatch, database, name)
    return start()


def page_titles(at: AppTest) -> set[str]:
    navigation = at.get("navigation")
    return {page.page_name for page in navigation[0].proto.app_pages} if navigation else set()


def stored_counts(path: Path) -> dict[str, int]:
    with db.connect(path) as con:
        return {table: con.execute(f"select count(*) from {table}").fetchall()[0][0]
                for table in ["users", "report_batches", "kpi_values", "audit_log", "web_sessions"]}


def test_with_no_account_the_web_is_read_only_and_creates_no_admin(database):
    before = stored_counts(database)
    at = start()
    assert any("chế độ chỉ xem" in c.value and "user add" in c.value for c in at.sidebar.caption)
    # the accounts page and the upload page are reachable by bookmark but ask for sign-in
    for page in ["pages/users.py", "pages/upload.py", "pages/audit_log.py", "pages/review.py"]:
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert any("Cần đăng nhập" in i.value for i in at.info), page
        assert not at.text_input and not at.get("file_uploader"), page
    # the web layer refuses a write without an account, whatever a page would pass
    from components import data
    with pytest.raises(auth.PermissionDenied):
        data.add_user("ke-gian", "admin", PASSWORD, None, None, by=None)
    assert stored_counts(database) == before


def test_the_first_start_says_how_to_create_the_first_admin(database, capsys):
    import io

    from nq57 import first_start
    out = io.StringIO()
    first_start.prepare(database, out=out)
    assert "python -m nq57 user add" in out.getvalue() and "--role admin" in out.getvalue()
    add_accounts(database)
    out = io.StringIO()
    first_start.prepare(database, out=out)
    assert "user add" not in out.getvalue()


def test_anonymous_readers_are_asked_to_sign_in_on_a_bookmarked_upload_page(database):
    add_accounts(database)
    at = start()
    links = [m.value for m in at.sidebar.markdown if "/dang-nhap" in m.value]
    assert links, "the sidebar offers the sign-in page"
    at.switch_page("pages/upload.py").run()
    assert any("Cần đăng nhập để nhập báo cáo" in i.value for i in at.info)
    assert any("/dang-nhap?next=" in m.value for m in at.markdown)
    assert not at.get("file_uploader")


def test_a_unit_reporter_gets_templates_for_its_own_unit_only(database, monkeypatch):
    add_accounts(database)
    at = sign_in(monkeypatch, database, "nhabich")
    assert any("nhabich" in m.value for m in at.sidebar.markdown)
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert at.selectbox(key="template_unit").options == ["xã Nha Bích"]


def test_a_leader_reads_but_has_no_upload_or_review(database, monkeypatch):
    add_accounts(database)
    at = sign_in(monkeypatch, database, "lanhdao")
    at.switch_page("pages/upload.py").run()
    assert any("không có quyền nhập báo cáo" in w.value for w in at.warning)
    assert not at.get("file_uploader")
    at.switch_page("pages/history.py").run()
    assert any("Chỉ văn phòng hoặc quản trị" in c.value for c in at.caption)


def test_a_reviewer_judges_evidence_and_the_views_follow(database, monkeypatch):
    add_accounts(database)
    with db.connect(database) as con:
        pending = evidence.pending_evidence(con)
    assert len(pending)
    at = sign_in(monkeypatch, database, "thamdinh")
    at.switch_page("pages/review.py").run()
    at.toggle(key="review_hide_demo").set_value(False).run()  # the demo's evidence, hidden by default
    assert not at.exception, at.exception
    labels = at.selectbox(key="review_item").options
    assert labels
    at.radio(key="review_decision").set_value("insufficient").run()  # the button waits for a verdict
    at.text_area(key="review_comment").input("Ảnh chụp mờ")
    at.button(key="review_submit").click().run()
    assert not at.exception, at.exception
    with db.connect(database) as con:
        decisions = con.execute("select decision, reviewed_by from evidence_reviews where not is_demo").fetchall()
        log = con.execute("select action from audit_log where action = 'review'").fetchall()
    assert decisions == [("insufficient", "thamdinh")] and log
    # said on the page, and the form emptied: the next item opened with "Thiếu chất lượng" and the
    # comment filled in, one click from judging another unit's evidence alike
    assert any(s.value.startswith("Đã ghi kết luận «Thiếu chất lượng") for s in at.success), [s.value for s in at.success]
    assert at.radio(key="review_decision").value is None and at.text_area(key="review_comment").value == ""
    assert at.button(key="review_submit").disabled


def test_a_verdict_without_its_reason_is_refused_in_words_and_nothing_is_stored(database, monkeypatch):
    add_accounts(database)
    at = sign_in(monkeypatch, database, "thamdinh")
    at.switch_page("pages/review.py").run()
    at.toggle(key="review_hide_demo").set_value(False).run()  # the demo's evidence, hidden by default
    at.radio(key="review_decision").set_value("invalid").run()
    at.button(key="review_submit").click().run()
    assert not at.exception, at.exception
    # a sentence, as the page's own words are: capital first, curly quotes, a full stop (the core
    # says it in lower case with straight quotes, to read inside a line of the command line)
    refusal = next(e.value for e in at.error if "cần ghi rõ lý do" in e.value)
    assert refusal == md_escape("Kết luận “Không hợp lệ” hoặc “Thiếu chất lượng” cần ghi rõ lý do."), refusal
    with db.connect(database) as con:
        assert con.execute("select count(*) from evidence_reviews where not is_demo").fetchone()[0] == 0


def test_an_evidence_file_lost_from_the_folder_is_said_and_the_review_goes_on(database, monkeypatch):
    add_accounts(database)
    with db.connect(database) as con:
        item = evidence.pending_evidence(con).iloc[0]
        stored = evidence.store_evidence(con, b"%PDF-1.4\n%%EOF\n", "bien-ban.pdf", "system:tests",
                                         int(item["batch_id"]), item["unit_id"], item["item_type"], item["item_id"])
        pending = evidence.pending_evidence(con)
    stored.absolute_path.unlink()
    same = (pending["batch_id"] == item["batch_id"]) & (pending["unit_id"] == item["unit_id"]) \
        & (pending["item_type"] == item["item_type"]) & (pending["item_id"] == item["item_id"])
    at = sign_in(monkeypatch, database, "thamdinh")
    at.switch_page("pages/review.py").run()
    at.toggle(key="review_hide_demo").set_value(False).run()  # the demo's evidence, hidden by default
    at.selectbox(key="review_item").set_value(pending.index[same][0]).run()
    assert not at.exception, at.exception
    # the file's name is the sender's text: escaped, it renders as typed
    assert any(md_escape("Không mở được tệp minh chứng 'bien-ban.pdf'") in w.value for w in at.warning), \
        [w.value for w in at.warning]
    assert at.radio(key="review_decision") and at.button(key="review_submit")


def test_the_session_follows_the_cookie_not_streamlit_state(database, monkeypatch):
    """A replayed Streamlit session id arrives without the cookie: it is nobody. Sign-out and
    disabling the account end the session on the next run."""
    from components import session
    add_accounts(database)
    at = sign_in(monkeypatch, database, "quantri")
    assert any("quantri" in m.value for m in at.sidebar.markdown)
    at.switch_page("pages/audit_log.py").run()
    assert not at.info and at.dataframe, "the admin reads the audit log"
    monkeypatch.setattr(session, "cookie_value", lambda: None)  # same Streamlit session, no cookie
    at.run()
    assert any("Cần đăng nhập" in i.value for i in at.info) and not at.dataframe
    # a disabled admin's open session loses the audit log at once
    sign_in_as(monkeypatch, database, "quantri")
    at.run()
    assert at.dataframe
    with db.connect(database) as con:
        auth.disable_user(con, "quantri", by="cli")
    session._resolved.clear()  # the command line's change shows within a second; not wait here
    at.run()
    assert any("Cần đăng nhập" in i.value for i in at.info) and not at.dataframe


def test_the_audit_log_names_who_and_which_unit_in_words(database, monkeypatch):
    """The log printed the command line's code 'system:cli' as who acted and 'xa-nha-bich' as the
    unit; it now says "Hệ thống (dòng lệnh)" and the unit's name, with the same Vietnamese headers
    in the grid as in its CSV. Searching by the words finds the row."""
    from nq57 import audit, labels
    from nq57.cli_trust import SYSTEM_ACTOR

    add_accounts(database)
    with db.connect(database) as con:
        audit.record(con, "rollback", SYSTEM_ACTOR, unit_id="xa-nha-bich", batch_id=7, detail="kiểm thử")
        unit_name = con.execute("select name from units where unit_id = 'xa-nha-bich'").fetchone()[0]
    at = sign_in(monkeypatch, database, "quantri")
    at.switch_page("pages/audit_log.py").run()
    assert not at.exception, at.exception
    grid = at.dataframe[0]
    shown = grid.value
    row = shown[shown["detail"] == "kiểm thử"].iloc[0]
    assert row["user_label"] == labels.of("actor")[SYSTEM_ACTOR].label == "Hệ thống (dòng lệnh)"
    assert row["unit_name"] == unit_name and "Nha Bích" in unit_name
    assert not set(shown["user_label"]) & {SYSTEM_ACTOR}
    headers = {name: config["label"] for name, config in json.loads(grid.proto.columns).items() if "label" in config}
    assert headers["user_label"] == "Người thực hiện" and headers["unit_name"] == "Đơn vị"
    at.text_input(key="audit_user").set_value("dòng lệnh").run()
    assert list(at.dataframe[0].value["detail"]) == ["kiểm thử"]


def test_the_accounts_table_names_units_and_dates_as_a_reader_does(database, monkeypatch):
    """It showed the unit's code ("xa-nha-bich") and the last sign-in as "2026-12-07 15:05:34"."""
    import re

    add_accounts(database)
    with db.connect(database) as con:
        assert auth.authenticate(con, "quantri", PASSWORD)  # stamps quantri's last sign-in
    at = sign_in(monkeypatch, database, "quantri")
    at.switch_page("pages/users.py").run()
    assert not at.exception, at.exception
    accounts = at.dataframe[0].value.set_index("user_name")
    with db.connect(database) as con:
        unit_name = con.execute("select name from units where unit_id = 'xa-nha-bich'").fetchone()[0]
    assert accounts.loc["nhabich", "unit_name"] == unit_name
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", accounts.loc["quantri", "last_login"])
    assert accounts.loc["lanhdao", "last_login"] == "—"  # never signed in
    # the state in words (a checkbox was read aloud as "false"), the headers from column_labels.csv
    assert set(accounts["state_label"]) == {"Đang hoạt động"}
    headers = {name: config.get("label") for name, config in json.loads(at.dataframe[0].proto.columns).items()}
    assert headers["state_label"] == "Trạng thái" and headers["user_name"] == "Tên đăng nhập", headers


def test_locking_an_account_asks_first_and_says_who(database, monkeypatch):
    """One click locked a person out of every tab; now the page asks, naming the account, and
    "Hủy" leaves it as it was."""
    add_accounts(database)
    at = sign_in(monkeypatch, database, "quantri")
    at.switch_page("pages/users.py").run()
    at.selectbox(key="toggle_user").set_value("lanhdao").run()
    at.button(key="toggle_button").click().run()
    assert not at.exception, at.exception
    assert any("Khóa tài khoản **lanhdao**?" in w.value for w in at.warning)
    with db.connect(database) as con:
        assert not con.execute("select is_disabled from users where user_name = 'lanhdao'").fetchone()[0]
    at.button(key="cancel_lock_button").click().run()
    assert not [b for b in at.button if b.key == "confirm_lock_button"]
    at.button(key="toggle_button").click().run()
    at.button(key="confirm_lock_button").click().run()
    assert not at.exception, at.exception
    with db.connect(database) as con:
        assert con.execute("select is_disabled from users where user_name = 'lanhdao'").fetchone()[0]
    accounts = at.dataframe[0].value.set_index("user_name")
    assert accounts.loc["lanhdao", "state_label"] == "Đã khóa"
    assert at.button(key="toggle_button").label == "Mở khóa"  # unlocking needs no second click


def test_the_new_account_form_is_emptied_once_the_account_exists(database, monkeypatch):
    """It kept the name and password after creating, one click from a second attempt; after a
    refusal it keeps them, to be corrected."""
    add_accounts(database)
    at = sign_in(monkeypatch, database, "quantri")
    at.switch_page("pages/users.py").run()
    at.text_input(key="new_user_name").set_value("lanhdao")  # taken: refused, the form kept
    at.text_input(key="new_user_display").set_value("Nguyễn Văn A")
    next(b for b in at.button if b.label == "Tạo tài khoản").click().run()
    assert at.error and at.text_input(key="new_user_display").value == "Nguyễn Văn A"
    at.text_input(key="new_user_name").set_value("can-bo-moi")
    next(b for b in at.button if b.label == "Tạo tài khoản").click().run()
    assert not at.exception, at.exception
    assert any(f"Đã tạo tài khoản {md_escape('can-bo-moi')}" in m.value for m in at.success)
    assert at.text_input(key="new_user_name").value == "" and at.text_input(key="new_user_display").value == ""
    assert len(at.code) == 1  # the generated password, shown once


def test_sign_out_ends_the_session_for_every_tab(database, monkeypatch):
    add_accounts(database)
    cookie = sign_in_as(monkeypatch, database, "lanhdao")
    first, second = start(), start()  # two tabs with the same cookie
    first.sidebar.button(key="sign_out").click().run()
    assert not first.exception, first.exception
    second.run()
    assert not any("lanhdao" in m.value for m in second.sidebar.markdown)
    with db.connect(database) as con:
        assert con.execute("select revoked_at is not null from web_sessions").fetchall() == [(True,)]
        assert con.execute("select count(*) from audit_log where action = 'sign_out'").fetchall()[0][0] == 1
    assert cookie


def test_the_demo_banner_names_its_command_to_an_administrator_only(database, monkeypatch):
    """A leader on the projector read "python -m nq57 demo --clear" in the banner: the command is
    for whoever manages the data; everyone is told the figures are not real."""
    add_accounts(database)

    def banner(at: AppTest) -> str:
        return next(w.value for w in at.warning if "Dữ liệu minh họa" in w.value)

    leader = banner(sign_in(monkeypatch, database, "lanhdao"))
    assert "không phải số liệu thật" in leader and "nq57" not in leader and "quản trị" in leader
    assert "python -m nq57 demo --clear" in banner(sign_in(monkeypatch, database, "quantri"))


def test_the_new_account_form_reads_in_order_when_stacked_on_a_phone(database, monkeypatch):
    """A phone stacks columns: two columns of three fields put "Nhập lại mật khẩu" three fields
    after "Mật khẩu". Each pair is its own row, so the stacked order is the reading order."""
    add_accounts(database)
    at = sign_in(monkeypatch, database, "quantri")
    at.switch_page("pages/users.py").run()
    labels = [field.label for field in at.text_input]
    password = next(i for i, label in enumerate(labels) if label.startswith("Mật khẩu"))
    assert labels[password + 1] == "Nhập lại mật khẩu", labels
    assert labels[0].startswith("Tên đăng nhập") and labels[1] == "Họ tên", labels
