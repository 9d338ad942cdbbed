"""The compare page's tabs after the league table: the units × KPIs heatmap with "Vì sao đỏ" for a
cell, and units side by side; and the meeting pack download above them."""
from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import chart_title, charts, data, heatmap_chart, session
from components.figure_cache import cached
from components.safe_text import md_escape
from nq57.palette import STATUS_STYLE
from nq57.vnformat import vn_date, vn_number, vn_percent

# The compare page's tabs; a tab's label is its value in the page's link (?compare_tab=…).
TABS = ["Bảng xếp hạng", "Bản đồ nhiệt", "Đặt cạnh nhau"]

# the columns the heatmap and the panels draw: at national size all of kpi_progress is 585.000
# rows with long texts
KPI_COLUMNS = ["unit_id", "unit_name", "kpi_id", "kpi_name", "comparator", "actual_value", "expected_value",
               "progress_ratio", "target_text", "status", "status_label", "flag_rule", "is_commune_level"]


def meeting_pack(as_of: date) -> None:
    """Gói tài liệu cuộc họp: seconds of drawing per click, for signed-in accounts only."""
    with st.expander("Gói tài liệu cuộc họp (Excel + PDF)", icon=":material/folder_zip:"):
        st.caption("Bảng xếp hạng, cảnh báo đỏ kèm lý do, kiến nghị đang mở theo cơ quan xử lý, một trang cho mỗi đơn vị, "
                   "biểu đồ; tính đến ngày đã chọn.")
        user = session.current_user()
        if user is None:
            st.info("Đăng nhập để tạo gói tài liệu cuộc họp.", icon=":material/lock:")
            session.sign_in_link()
            st.session_state.pop("pack", None)
        elif st.button("Tạo gói tài liệu", key="make_pack"):
            bar = st.progress(0.0, text="Đang chuẩn bị…")
            st.session_state["pack"] = data.meeting_pack(as_of, user,
                                                         progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
            bar.empty()
        if "pack" in st.session_state:
            workbook, pdf, stem = st.session_state["pack"]
            left, right = st.columns(2)
            left.download_button("Tải Excel", workbook, file_name=f"{stem}.xlsx", icon=":material/download:",
                                 mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            right.download_button("Tải PDF", pdf, file_name=f"{stem}.pdf", mime="application/pdf",
                                  icon=":material/download:")


class Grid:
    """The current horizon's KPI rows of the communes/wards with a target, and the KPIs that at
    least half of the units holding any target have (the heatmap's columns). Half of those units,
    not of all 95: targets follow the plans' lineage, so a unit without a plan holds none."""

    def __init__(self, as_of: date, league: pd.DataFrame):
        self.progress = data.view("kpi_progress", as_of, is_current_horizon=True, columns=KPI_COLUMNS)
        # masks instead of filtered copies: each copy of 302.000 national rows costs a tenth of a second
        self.in_grid = self.progress["is_commune_level"].fillna(False) & self.progress["comparator"].notna()
        coverage = self.progress.loc[self.in_grid, ["kpi_id", "unit_id"]].groupby("kpi_id")["unit_id"].nunique()
        holders = self.progress.loc[self.in_grid, "unit_id"].nunique()
        self.common = list(coverage[coverage >= 0.5 * holders].index)
        self.kpi_names = self.progress.drop_duplicates("kpi_id").set_index("kpi_id")["kpi_name"].to_dict()
        self.league = league


# The cells the heatmap opens with: 40 units of a province's dozen KPIs; with 80 KPIs (the
# country) fewer units, more on request. 3.280 cells took chromium 2 s to draw on a switch and
# ran past a projector's screen.
DEFAULT_HEATMAP_CELLS = 1200
# The most units the slider offers: a country's 3.321 rows are no heatmap anyone reads (and
# Streamlit's slider printed "3321", without the thousands dot); the league table and the export
# list every unit.
MAX_HEATMAP_UNITS = 200


def default_heat_units(units: int, kpis: int) -> int:
    """How many units the heatmap shows before the reader moves its slider (steps of 5, 10–40)."""
    fitting = DEFAULT_HEATMAP_CELLS // max(kpis, 1) // 5 * 5
    return min(40, units, max(10, fitting))


def heatmap(as_of: date, grid: Grid) -> tuple[list[str], tuple[str, str] | None]:
    """Units × KPIs, ordered and limited by the reader; returns the units drawn and the cell
    clicked (unit_id, kpi_id), if any."""
    progress, league, common, names = grid.progress, grid.league, grid.common, grid.kpi_names
    left, right = st.columns(2)
    order_by = left.selectbox("Sắp xếp đơn vị theo", ["Thứ hạng", "Tên"] + [names[k] for k in common], key="heat_order",
                            bind="query-params")
    limit = right.slider("Số đơn vị hiển thị", 10, min(len(league), MAX_HEATMAP_UNITS), default_heat_units(len(league), len(common)), step=5,
                         key="heat_limit", bind="query-params")
    in_heat = grid.in_grid & progress["kpi_id"].isin(common)
    if order_by == "Tên":
        units = sorted(league["unit_name"])
    elif order_by == "Thứ hạng":
        units = list(league.sort_values("rank")["unit_name"])
    else:
        kpi_id = [k for k in common if names[k] == order_by][0]
        ordered = progress.loc[in_heat & (progress["kpi_id"] == kpi_id), ["unit_name", "progress_ratio"]]
        units = list(ordered.sort_values("progress_ratio", na_position="last")["unit_name"])
    with_cells = set(progress.loc[in_heat, "unit_name"].unique())
    units = [u for u in units if u in with_cells][:limit]
    heat = progress[in_heat & progress["unit_name"].isin(units)]
    if heat.empty:
        st.info(f"Chưa có số liệu chỉ tiêu nào tính đến {vn_date(as_of)}.")
        return units, None
    st.caption("Màu và ký hiệu của mỗi ô là tình trạng của chỉ tiêu; bấm vào một ô để xem lý do bên dưới.")
    event = chart_title.plot(st, heatmap_chart.progress_heatmap(heat, units, common, names), width="stretch", theme=None,
                            key="heatmap", on_select="rerun", selection_mode="points",
                            alt="Bản đồ nhiệt tình trạng chỉ tiêu theo đơn vị")
    points = event.selection.points if event and event.selection else []
    cell = points[0].get("customdata") if points else None
    return units, (cell[0], cell[1]) if cell and cell[0] else None


def why_red(as_of: date, grid: Grid, units: list[str], clicked: tuple[str, str] | None = None) -> None:
    """The rule, the sentence and the numbers behind one cell of the heatmap: the cell clicked
    (any unit, any status), else the red cell chosen in the list."""
    progress = grid.progress
    if clicked:
        cell = progress[grid.in_grid & (progress["unit_id"] == clicked[0]) & (progress["kpi_id"] == clicked[1])]
        if len(cell):
            cell_reasons(as_of, cell.iloc[0])
            return
    # the red cells of the units shown: a national list would run to 100.000 options
    red = progress[grid.in_grid & (progress["status"] == "canh_bao_do") & progress["unit_name"].isin(units)]
    red = red.sort_values(["unit_name", "kpi_name"])
    if red.empty:
        st.success("Không có ô đỏ nào.", icon=":material/check_circle:")
        return
    options = {i: f"{r.unit_name} · {r.kpi_name}" for i, r in red.iterrows()}
    # in the link: the pick outlives a visit to another tab (a widget not drawn loses its state)
    chosen = st.selectbox("Chọn một ô đỏ (hoặc bấm một ô của bản đồ nhiệt)", list(options), format_func=options.get,
                          key="why_red", bind="query-params")
    cell_reasons(as_of, red.loc[chosen])


def cell_reasons(as_of: date, cell: pd.Series) -> None:
    """One cell's status, its rules and sentences, and its numbers written out in full."""
    st.markdown(f"**{md_escape(cell['unit_name'])} · {md_escape(cell['kpi_name'])}** — "
                f"{charts.status_text(cell['status_label'], 'kpi_status', cell['status'])}")
    flags = data.view("red_flags", as_of, unit_id=cell["unit_id"], item_id=cell["kpi_id"])
    for rule, rule_label in flags[["rule", "rule_label"]].drop_duplicates().itertuples(index=False):
        st.markdown(f"**Quy tắc {int(rule)} — {md_escape(rule_label)}**")
    for reason in flags["reason"]:
        st.markdown(md_escape(reason))
    if flags.empty and cell["status"] != "canh_bao_do":
        st.caption("Ô này không có cảnh báo đỏ.")
    numbers = st.columns(3)
    numbers[0].metric("Thực tế", vn_number(cell["actual_value"], 1))
    numbers[1].metric("Lộ trình yêu cầu đến nay", vn_number(cell["expected_value"], 1))
    # one decimal: 69,8 against 70 is 99,7%, not a rounded 100%
    numbers[2].metric("Thực tế / lộ trình", vn_percent(cell["progress_ratio"], 1))
    # the target as a sentence: a metric cuts long texts
    st.markdown(f"Mục tiêu: {md_escape(cell['target_text']) or '—'}")


def side_by_side(grid: Grid) -> None:
    """2–6 units: their rank, grade, score and flags, then a panel per chosen KPI on one scale."""
    league, common, names = grid.league, grid.common, grid.kpi_names
    units = dict(zip(league["unit_id"], league["unit_name"]))
    # the first and the last of the units that hold targets: a unit with none drew empty panels
    ranked = league.sort_values("rank")
    holders = ranked[ranked["unit_id"].isin(set(grid.progress.loc[grid.in_grid, "unit_id"]))]
    default = list((holders if len(holders) >= 2 else ranked)["unit_id"].iloc[[0, -1]])
    picked = st.multiselect("Chọn 2–6 đơn vị", list(units), default=default, format_func=units.get, max_selections=6,
                            key="side_units", placeholder="Chọn đơn vị", bind="query-params")
    if len(picked) < 2:
        st.info("Chọn ít nhất 2 đơn vị để so sánh.")
        return
    by_unit = league.set_index("unit_id")
    for column, unit_id in zip(st.columns(len(picked)), picked):
        row = by_unit.loc[unit_id]
        column.markdown(f"**{md_escape(row['unit_name'])}**")
        column.metric("Hạng · xếp loại", f"{vn_number(row['rank'])} · {row['grade']}")
        column.metric("Điểm", vn_number(row["score"], 1))
        column.metric(data.label("kpi_status", "canh_bao_do"), vn_number(row["red_flag_count"]))
    # a panel per KPI: a dozen read on one screen (and 120 subplots would take Plotly minutes)
    chosen = st.multiselect("Chỉ tiêu so sánh", common, default=common[:9], format_func=names.get,
                            max_selections=12, key="side_kpis", placeholder="Chọn chỉ tiêu", bind="query-params")
    progress = grid.progress
    panels = progress[grid.in_grid & progress["unit_id"].isin(picked) & progress["kpi_id"].isin(chosen)]
    if len(panels):
        chart_title.plot(st, panels_figure(panels, names), width="stretch", theme=None,
                        alt="So sánh các chỉ tiêu của các đơn vị được chọn")
    missing = [names.get(k, k) for k in chosen if k not in set(panels["kpi_id"])]
    if missing:  # a chosen KPI no chosen unit holds draws no panel: say so rather than drop it
        st.caption(f"Không vẽ {vn_number(len(missing))} chỉ tiêu mà các đơn vị được chọn không được giao: "
                   + "; ".join(map(md_escape, missing)) + ".")


@cached
def panels_figure(rows: pd.DataFrame, kpi_names: dict) -> go.Figure:
    """Small multiples: one panel per KPI, the chosen units as bars on one shared scale."""
    from plotly.subplots import make_subplots

    kpis = list(dict.fromkeys(rows["kpi_id"]))
    # two panels a row, short title lines, room for unit names: three ran into each other on a phone
    columns, rows_of_panels = 2, (len(kpis) + 1) // 2
    height = max(300, 90 + 250 * rows_of_panels)
    fig = make_subplots(rows=rows_of_panels, cols=columns, shared_xaxes=True, horizontal_spacing=0.22,
                        subplot_titles=[charts.wrap_words(kpi_names.get(k, k), 24, 3) for k in kpis],
                        vertical_spacing=min(0.3, 75 / height) if rows_of_panels > 1 else 0.1)
    for index, kpi_id in enumerate(kpis):
        panel = rows[rows["kpi_id"] == kpi_id]
        fig.add_trace(go.Bar(
            y=panel["unit_name"].map(charts.short_unit_name), x=panel["actual_value"], orientation="h",
            marker_color=[STATUS_STYLE.get(s, ("#999999",))[0] for s in panel["status_label"]],
            text=[vn_number(v) + " " + STATUS_STYLE.get(s, ("", "", ""))[1]
                  for v, s in zip(panel["actual_value"], panel["status_label"])],
            textposition="auto", showlegend=False,
            hovertemplate="%{y}: %{x:,.1f}<extra></extra>",
        ), row=index // columns + 1, col=index % columns + 1)
    fig.update_xaxes(range=[0, 105])
    fig.update_annotations(font_size=12)
    fig = charts.vietnamese_layout(fig, None, height=height)
    return fig.update_layout(margin={"t": 75})  # room for the first row's three-line titles
