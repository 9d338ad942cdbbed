"""So sánh đơn vị: the league table with the change in rank, a units × KPIs heatmap, units
side by side, "Vì sao đỏ" for any red cell, and a meeting mode that turns it into slides."""
import streamlit as st

from components import compare_views, filters, league_table, meeting
from nq57.vnformat import vn_date

as_of = filters.current_as_of()

if meeting.is_on():
    meeting.run_slides()
    st.stop()

st.title("So sánh đơn vị")
top_left, top_right = st.columns([3, 1])
top_left.caption(f"Số liệu tính đến ngày {vn_date(as_of)} · thay đổi thứ hạng so với cuối tháng trước")
if top_right.button("Chế độ trình chiếu", icon=":material/slideshow:", type="primary", key="start_meeting"):
    meeting.start(as_of)
    st.rerun()

compare_views.meeting_pack(as_of)

st.subheader("Bảng xếp hạng")
league = league_table.draw(as_of)
grid = compare_views.Grid(as_of, league)

st.subheader("Bản đồ nhiệt: đơn vị × chỉ tiêu")
units, clicked = compare_views.heatmap(as_of, grid)

st.subheader("Vì sao đỏ")
compare_views.why_red(as_of, grid, units, clicked)

st.subheader("Đặt cạnh nhau")
compare_views.side_by_side(grid)
