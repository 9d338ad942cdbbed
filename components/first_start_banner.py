"""The banner every page shows while the server makes the first start's demo reports and stored
figures in the background (nq57/first_start.py); it looks again every few seconds and, once that
work is done, draws the page again without it."""
from __future__ import annotations

import streamlit as st

from nq57 import first_start

# How often an open page looks whether the background work is done (no database read).
CHECK_SECONDS = 2

TEXT = ("**Đang tạo dữ liệu minh họa…** Kế hoạch thật đã được nạp; hệ thống đang tạo các báo cáo minh họa "
        "và lưu số liệu tổng hợp (thường dưới một phút), nên số liệu có thể hiện chậm hơn một chút. "
        "Thông báo này tự tắt khi xong.")
REFRESH_TEXT = ("**Đang lưu lại số liệu tổng hợp…** Cách tính vừa được cập nhật; hệ thống đang tính sẵn lại số liệu "
                "tổng hợp của các ngày hay xem, nên số liệu có thể hiện chậm hơn một chút. Thông báo này tự tắt khi xong.")


def show() -> None:
    """Drawn by dashboard.py on every page while first_start.running()."""
    _banner()


@st.fragment(run_every=CHECK_SECONDS)
def _banner() -> None:
    if not first_start.running():
        st.rerun()  # the whole page again, without the banner
    st.info(TEXT if first_start.making_demo() else REFRESH_TEXT, icon=":material/hourglass_top:")
