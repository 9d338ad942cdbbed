"""Router only: page config, the shared as-of selector and demo banner, and navigation."""
import streamlit as st

from components import data, filters

st.set_page_config(page_title="Theo dõi Nghị quyết 57 — Đồng Nai", page_icon="📊", layout="wide")

data.ensure_database()

pages = {
    "Lãnh đạo": [
        st.Page("pages/overview.py", title="Tổng quan", icon=":material/home:", default=True, url_path="tong-quan"),
        st.Page("pages/unit_profile.py", title="Hồ sơ đơn vị", icon=":material/location_city:", url_path="ho-so-don-vi"),
        st.Page("pages/kpi_view.py", title="Chỉ tiêu", icon=":material/monitoring:", url_path="chi-tieu"),
        st.Page("pages/red_flags.py", title="Cảnh báo đỏ", icon=":material/flag:", url_path="canh-bao-do"),
        st.Page("pages/compare.py", title="So sánh đơn vị", icon=":material/leaderboard:", url_path="so-sanh"),
    ],
    "Văn phòng": [
        st.Page("pages/upload.py", title="Nhập báo cáo", icon=":material/upload_file:", url_path="nhap-bao-cao"),
        st.Page("pages/compliance.py", title="Tình hình nộp báo cáo", icon=":material/event_available:", url_path="nop-bao-cao"),
        st.Page("pages/history.py", title="Lịch sử nhập", icon=":material/history:", url_path="lich-su-nhap"),
    ],
    "Dữ liệu": [
        st.Page("pages/data_export.py", title="Xuất dữ liệu", icon=":material/download:", url_path="xuat-du-lieu"),
    ],
}
navigation = st.navigation(pages)

filters.as_of_selector()
if data.has_demo_data():
    st.warning(
        "**Dữ liệu minh họa** — các báo cáo đang hiển thị là dữ liệu mẫu để làm quen với hệ thống, "
        "không phải số liệu thật. Xóa bằng lệnh `python -m nq57 demo --clear`; kế hoạch thật được giữ nguyên.",
        icon=":material/warning:",
    )
navigation.run()
