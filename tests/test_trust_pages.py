"""Sign-in and roles as a person meets them in the pages (AppTest), and HTML in names shown as
text in a real browser."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from nq57 import auth, db, evidence
from tests.conftest import APP_PATH

PASSWORD = "mat-khau-du-dai-123"


@pytest.fixture()
def database(demo_db_path, tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "trust.duckdb"
    shutil.copy(demo_db_path, copy)
    monkeypatch.setenv("NQ57_DB", str(copy))
    return copy


def add_accounts(path: Path) -> None:
    with db.connect(path) as con:
        auth.add_user(con, "quantri", "admin", PASSWORD)
        auth.add_user(con, "nhabich", "unit", PASSWORD, unit_id="xa-nha-bich")
        auth.add_user(con, "lanhdao", "leader", PASSWORD)
        auth.add_user(con, "thamdinh", "reviewer", PASSWORD)


def start() -> AppTest:
    import streamlit as st

    st.cache_data.clear()  # the settings cache remembers whether accounts exist
    at = AppTest.from_file(APP_PATH, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.sidebar.text_input(key="sign_in_name").input(name)
    at.sidebar.text_input(key="sign_in_password").input(password)
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    return at


def page_titles(at: AppTest) -> set[str]:
    navigation = at.get("navigation")
    return {page.page_name for page in navigation[0].proto.app_pages} if navigation else set()


def test_trial_mode_offers_everything_and_creates_the_first_admin(database):
    at = start()
    assert any("Chế độ dùng thử" in c.value for c in at.sidebar.caption)
    at.switch_page("pages/users.py").run()
    at.text_input[0].input("quantri")
    at.text_input[2].input(PASSWORD)
    at.text_input[3].input(PASSWORD)
    at.selectbox[1].set_value("admin")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert any("Đã tạo tài khoản quantri" in s.value for s in at.success)
    with db.connect(database) as con:
        assert auth.get_user(con, "quantri").role == "admin"


def test_anonymous_readers_cannot_upload_once_accounts_exist(database):
    add_accounts(database)
    at = start()
    assert at.sidebar.text_input(key="sign_in_name") is not None
    # the upload page is not registered for a reader (and the core would refuse the commit anyway)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/upload.py")


def test_wrong_password_is_refused_in_vietnamese(database):
    add_accounts(database)
    at = sign_in(start(), "nhabich", "sai-mat-khau")
    assert any("Sai tên đăng nhập hoặc mật khẩu" in e.value for e in at.sidebar.error)


def test_a_unit_reporter_gets_templates_for_its_own_unit_only(database):
    add_accounts(database)
    at = sign_in(start(), "nhabich")
    assert any("nhabich" in m.value for m in at.sidebar.markdown)
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert at.selectbox(key="template_unit").options == ["xã Nha Bích"]


def test_a_leader_reads_but_has_no_upload_or_review(database):
    add_accounts(database)
    at = sign_in(start(), "lanhdao")
    at.switch_page("pages/history.py").run()
    assert any("Chỉ văn phòng hoặc quản trị" in c.value for c in at.caption)


def test_a_reviewer_judges_evidence_and_the_views_follow(database):
    add_accounts(database)
    with db.connect(database) as con:
        pending = evidence.pending_evidence(con)
    assert len(pending)
    at = sign_in(start(), "thamdinh")
    at.switch_page("pages/review.py").run()
    assert not at.exception, at.exception
    labels = at.selectbox(key="review_item").options
    assert labels
    at.radio(key="review_decision").set_value("insufficient")
    at.text_area(key="review_comment").input("Ảnh chụp mờ")
    at.button(key="review_submit").click().run()
    assert not at.exception, at.exception
    with db.connect(database) as con:
        decisions = con.execute("select decision, reviewed_by from evidence_reviews where not is_demo").fetchall()
        log = con.execute("select action from audit_log where action = 'review'").fetchall()
    assert decisions == [("insufficient", "thamdinh")] and log


def test_an_idle_session_expires(database):
    add_accounts(database)
    at = sign_in(start(), "lanhdao")
    at.session_state["last_seen"] = datetime.now() - timedelta(minutes=31)
    at.run()
    assert any("Phiên làm việc đã hết" in w.value for w in at.sidebar.warning)
    assert "signed_in_user" not in at.session_state
