"""Router only: page config, the shared as-of selector and demo banner, and navigation (served by app.py)."""
import streamlit as st

from components import data, filters, first_start_banner, page_style, session
from nq57 import db

st.set_page_config(page_title="Theo dõi Nghị quyết 57 — Đồng Nai", page_icon="📊", layout="wide")

page_style.apply()

leaders = [
    # served at "/"; the url_path is not a route, but keep it: without it AppTest's sign-out run lost
    # its click (tests/test_trust_pages.py::test_sign_out_ends_the_session_for_every_tab)
    st.Page("pages/overview.py", title="Tổng quan", icon=":material/home:", default=True, url_path="tong-quan"),
    st.Page("pages/unit_profile.py", title="Hồ sơ đơn vị", icon=":material/location_city:", url_path="ho-so-don-vi"),
    st.Page("pages/kpi_view.py", title="Chỉ tiêu", icon=":material/monitoring:", url_path="chi-tieu"),
    st.Page("pages/red_flags.py", title="Cảnh báo đỏ", icon=":material/flag:", url_path="canh-bao-do"),
    st.Page("pages/lineage.py", title="Chuỗi kế hoạch", icon=":material/account_tree:", url_path="chuoi-ke-hoach"),
    st.Page("pages/compare.py", title="So sánh đơn vị", icon=":material/leaderboard:", url_path="so-sanh"),
    st.Page("pages/requests.py", title="Kiến nghị", icon=":material/forum:", url_path="kien-nghi"),
]


def protected(script: str, title: str, icon: str, url_path: str, action: str) -> st.Page:
    """Every page is routable, so a bookmark of a protected page opens it and the page itself
    asks for sign-in (session.require); the menu lists it only for those who may use it."""
    return st.Page(script, title=title, icon=icon, url_path=url_path,
                   visibility="visible" if session.can(action) else "hidden")


def _menu() -> dict[str, list[st.Page]]:
    """The menu by group; the protected pages are listed for the signed-in roles (reads the accounts)."""
    office = [protected("pages/upload.py", "Nhập báo cáo", ":material/upload_file:", "nhap-bao-cao", "import_report"),
              st.Page("pages/compliance.py", title="Tình hình nộp báo cáo", icon=":material/event_available:", url_path="nop-bao-cao"),
              st.Page("pages/history.py", title="Lịch sử nhập", icon=":material/history:", url_path="lich-su-nhap"),
              protected("pages/review.py", "Thẩm định minh chứng", ":material/fact_check:", "tham-dinh", "review_evidence")]
    exports = [st.Page("pages/data_export.py", title="Xuất dữ liệu", icon=":material/download:", url_path="xuat-du-lieu")]
    # an administrator looks for accounts under "Quản trị", not under "Dữ liệu"
    admin = [protected("pages/users.py", "Tài khoản", ":material/manage_accounts:", "tai-khoan", "manage_users"),
             protected("pages/audit_log.py", "Nhật ký hoạt động", ":material/receipt_long:", "nhat-ky", "manage_users")]
    return {"Lãnh đạo": leaders, "Văn phòng": office, "Dữ liệu": exports, "Quản trị": admin}


@st.fragment(run_every=5)
def _wait_for_store(message: str) -> None:
    """The store's own words (nothing was stored), then the whole page again once it answers."""
    st.error(f"{message}\n\nTrang tự tải lại khi kho dữ liệu hoạt động trở lại.", icon=":material/cloud_off:")
    try:
        with db.connect(read_only=True) as con:
            con.execute("select 1")
    except (db.StoreUnreachable, db.DatabaseBusy):
        return
    st.rerun(scope="app")


def _dashboard() -> None:
    data.ensure_database()
    # every page listed: collapsed, Streamlit hid an admin's last pages behind "View 4 more"
    navigation = st.navigation(_menu(), expanded=True)

    filters.as_of_selector()
    session.sidebar()
    if not session.reading_allowed():
        st.info("Vui lòng đăng nhập (thanh bên trái) để xem số liệu.", icon=":material/lock:")
        st.stop()
    if data.first_start_running():
        first_start_banner.show()  # first: the reader sees why the figures take a moment
        data.wait_for_first_demo()
    if data.has_demo_data():
        # a leader needs to know the figures are not real; only who manages the data needs the command
        how_to_clear = ("Xóa bằng lệnh `python -m nq57 demo --clear`; kế hoạch thật được giữ nguyên."
                        if session.can("manage_catalogue") else
                        "Người quản trị sẽ xóa dữ liệu minh họa khi bắt đầu nhập số liệu thật.")
        st.warning(
            "**Dữ liệu minh họa** — các báo cáo đang hiển thị là dữ liệu mẫu để làm quen với hệ thống, "
            f"không phải số liệu thật. {how_to_clear}",
            icon=":material/warning:",
        )
    navigation.run()


try:
    _dashboard()
except (db.StoreUnreachable, db.DatabaseBusy) as problem:  # the shared store is down, or the file held
    _wait_for_store(str(problem))
