"""Router only: page config, the shared as-of selector and demo banner, and navigation."""
import streamlit as st

from components import data, filters, session

st.set_page_config(page_title="Theo dõi Nghị quyết 57 — Đồng Nai", page_icon="📊", layout="wide")

data.ensure_database()

leaders = [
    st.Page("pages/overview.py", title="Tổng quan", icon=":material/home:", default=True, url_path="tong-quan"),
    st.Page("pages/unit_profile.py", title="Hồ sơ đơn vị", icon=":material/location_city:", url_path="ho-so-don-vi"),
    st.Page("pages/kpi_view.py", title="Chỉ tiêu", icon=":material/monitoring:", url_path="chi-tieu"),
    st.Page("pages/red_flags.py", title="Cảnh báo đỏ", icon=":material/flag:", url_path="canh-bao-do"),
    st.Page("pages/compare.py", title="So sánh đơn vị", icon=":material/leaderboard:", url_path="so-sanh"),
]
office = [st.Page("pages/compliance.py", title="Tình hình nộp báo cáo", icon=":material/event_available:", url_path="nop-bao-cao"),
          st.Page("pages/history.py", title="Lịch sử nhập", icon=":material/history:", url_path="lich-su-nhap")]
if session.can("import_report"):
    office.insert(0, st.Page("pages/upload.py", title="Nhập báo cáo", icon=":material/upload_file:", url_path="nhap-bao-cao"))
if session.can("review_evidence"):
    office.append(st.Page("pages/review.py", title="Thẩm định minh chứng", icon=":material/fact_check:", url_path="tham-dinh"))
admin = [st.Page("pages/data_export.py", title="Xuất dữ liệu", icon=":material/download:", url_path="xuat-du-lieu")]
if session.can("manage_users"):
    admin += [st.Page("pages/users.py", title="Tài khoản", icon=":material/manage_accounts:", url_path="tai-khoan"),
              st.Page("pages/audit_log.py", title="Nhật ký hoạt động", icon=":material/receipt_long:", url_path="nhat-ky")]
pages = {"Lãnh đạo": leaders, "Văn phòng": office, "Dữ liệu": admin}
navigation = st.navigation(pages)

filters.as_of_selector()
session.sidebar()
if not session.reading_allowed():
    st.info("Vui lòng đăng nhập (thanh bên trái) để xem số liệu.", icon=":material/lock:")
    st.stop()
if data.has_demo_data():
    st.warning(
        "**Dữ liệu minh họa** — các báo cáo đang hiển thị là dữ liệu mẫu để làm quen với hệ thống, "
        "không phải số liệu thật. Xóa bằng lệnh `python -m nq57 demo --clear`; kế hoạch thật được giữ nguyên.",
        icon=":material/warning:",
    )
navigation.run()
