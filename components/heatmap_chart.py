"""The compare page's and meeting mode's heatmap: units × KPIs, each cell in the colour of the
status it prints, with a click on a cell opening its reasons (components/compare_views.py)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts import legend_below, status_text, vietnamese_layout, wrap_words
from components.figure_cache import cached
from nq57.palette import STYLE_BY_CODE, style
from nq57.vnformat import vn_number


@cached
def progress_heatmap(cells: pd.DataFrame, unit_order: list[str], kpi_order: list[str], kpi_names: dict) -> go.Figure:
    """Units × KPIs, each cell in the colour of the status it prints (its symbol in the cell, the
    words in the legend and the hover), so a red cell is red and the grid reads without colour
    too. A click on a cell selects its point (customdata: unit_id, kpi_id) so the page opens its reasons."""
    codes = [code for (domain, code) in STYLE_BY_CODE if domain == "kpi_status" and code in set(cells["status"])]
    position = {code: index for index, code in enumerate(codes)}
    words = dict(zip(cells["status"], cells["status_label"]))

    def number(value) -> str:
        return "—" if pd.isna(value) else vn_number(value, 1)

    cells = cells.assign(
        z=cells["status"].map(position),
        symbol=[style("kpi_status", code)[1] for code in cells["status"]],
        hover=[f"<b>{u}</b><br>{wrap_words(kpi_names.get(k, k), 45, 3)}<br>Thực tế: {number(a)} · lộ trình: {number(e)}"
               f"<br>Mục tiêu: {wrap_words(t if isinstance(t, str) else '—', 45, 2)}<br>{status_text(s)}<br>Bấm để xem lý do"
               for u, k, a, e, t, s in zip(cells["unit_name"], cells["kpi_id"], cells["actual_value"],
                                           cells["expected_value"], cells["target_text"], cells["status_label"])])

    def grid(column: str) -> pd.DataFrame:
        return cells.pivot(index="unit_name", columns="kpi_id", values=column).reindex(index=unit_order, columns=kpi_order)

    # a step colour scale: one flat band per status, the colours of the labels table
    steps = max(len(codes), 1)
    scale = [pair for i, code in enumerate(codes) for pair in ([i / steps, style("kpi_status", code)[0]],
                                                                [(i + 1) / steps, style("kpi_status", code)[0]])]
    headers = []
    # two lines cut between words (one line left "Tỷ lệ thủ tục hành chính …" twice, told apart by
    # a number); Plotly merges columns whose headers are equal
    for kpi_id in kpi_order:
        header = wrap_words(kpi_names.get(kpi_id, kpi_id), 30, 2)
        headers.append(header if header not in headers else f"{header} ({len(headers) + 1})")
    header_of = dict(zip(kpi_order, headers))
    fig = go.Figure(go.Heatmap(
        z=grid("z").values, x=headers, y=unit_order,
        text=grid("symbol").fillna("").values, texttemplate="%{text}", textfont={"size": 12, "color": "#111111"},
        hoverinfo="skip",
        colorscale=scale or [[0, "#999999"], [1, "#999999"]], zmin=-0.5, zmax=steps - 0.5,
        showscale=False, xgap=1, ygap=1,
    ))
    # the key as a legend under the grid (it wraps on a phone; a colour bar took a third of its width)
    for code in codes:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=status_text(words[code], "kpi_status", code),
                                 marker={"symbol": "square", "size": 14, "color": style("kpi_status", code)[0]}))
    # Streamlit selects scatter points on a click, not heatmap cells: an invisible point on each
    # cell carries its unit and KPI, and the hover text
    fig.add_trace(go.Scatter(
        x=cells["kpi_id"].map(header_of), y=cells["unit_name"], mode="markers", showlegend=False,
        marker={"symbol": "square", "size": 16, "opacity": 0}, customdata=cells[["unit_id", "kpi_id"]].values,
        hovertext=cells["hover"], hovertemplate="%{hovertext}<extra></extra>",
    ))
    # the cells fill the plot: the invisible points must not pad the axes
    # upright headers: slanted ones reached past the right edge and squeezed the grid on a phone
    fig.update_xaxes(side="top", tickangle=-90, automargin=True, range=[-0.5, len(kpi_order) - 0.5])
    fig.update_yaxes(automargin=True, range=[len(unit_order) - 0.5, -0.5])
    # the upright headers need about 240 px above the grid; a grid of a few units still gets rows
    # tall enough for its symbols (with two units the headers were cut at the top of the figure)
    fig = legend_below(vietnamese_layout(fig, None, height=240 + 70 + 24 * max(len(unit_order), 4)), bottom=70)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 240, "b": 70}, hoverlabel={"align": "left"}, hoverdistance=60,
                      legend={"itemclick": False, "itemdoubleclick": False})
    return fig

