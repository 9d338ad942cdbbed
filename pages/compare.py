"""So sánh đơn vị, in three tabs: the league table with the change in rank; a units × KPIs heatmap
with "Vì sao đỏ" for any cell; units side by side. A meeting mode turns it into slides."""
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

# One section at a time, the one the tab opens (it is in the link): at national size the heatmap
# and the panels took chromium most of a second to draw on every visit (docs/SCALING.md).
league_tab, heat_tab, side_tab = st.tabs(compare_views.TABS, key="compare_tab", on_change="rerun",
                                         bind="query-params")
if league_tab.open:
    with league_tab:
        league_table.draw(as_of)
if heat_tab.open:
    with heat_tab:
        grid = compare_views.Grid(as_of, league_table.rows(as_of))
        st.subheader("Bản đồ nhiệt: đơn vị × chỉ tiêu")
        units, clicked = compare_views.heatmap(as_of, grid)
        st.subheader("Vì sao đỏ")
        compare_views.why_red(as_of, grid, units, clicked)
if side_tab.open:
    with side_tab:
        compare_views.side_by_side(compare_views.Grid(as_of, league_table.rows(as_of)))
