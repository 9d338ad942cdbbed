"""The chain of directives as a drawn tree (page Chuỗi kế hoạch): Resolution 57 at the top, each
document one level below the longest way to it, a line to every document it implements."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components.charts import vietnamese_layout
from nq57.vnformat import vn_number

PLAN_COLOUR, DOCUMENT_COLOUR = "#0072B2", "#999999"


def node_table(lineage: pd.DataFrame) -> pd.DataFrame:
    """One row per document (plan_lineage has one per document and parent)."""
    return (lineage.sort_values(["depth", "level_order", "doc_label"])
            .drop_duplicates("node_id").reset_index(drop=True))


def short_name(row) -> str:
    """A plan without a number of its own is named by its issuer."""
    return row.doc_number if isinstance(row.doc_number, str) and row.doc_number else row.issuer_name


def _positions(nodes: pd.DataFrame) -> dict[str, tuple[float, float]]:
    positions = {}
    for depth, level in nodes.groupby("depth", sort=True):
        count = len(level)
        for i, node_id in enumerate(level["node_id"]):
            positions[node_id] = ((i + 1) / (count + 1), -float(depth))
    return positions


def _progress_text(row) -> str:
    parts = []
    if row.tasks_total:
        done = "" if pd.isna(row.completion_rate) else f", hoàn thành {vn_number(100 * row.completion_rate)}%"
        parts.append(f"{vn_number(row.tasks_total)} nhiệm vụ{done}")
    if row.targets_total:
        on_track = "" if pd.isna(row.kpi_on_track_rate) else f", đúng tiến độ {vn_number(100 * row.kpi_on_track_rate)}%"
        parts.append(f"{vn_number(row.targets_total)} mục tiêu{on_track}")
    return "; ".join(parts)


def tree_figure(lineage: pd.DataFrame) -> go.Figure:
    nodes = node_table(lineage)
    where = _positions(nodes)
    edge_x, edge_y = [], []
    for link in lineage.dropna(subset=["parent_id"]).itertuples():
        if link.parent_id in where and link.node_id in where:
            (x0, y0), (x1, y1) = where[link.parent_id], where[link.node_id]
            edge_x += [x0, x1, None]
            edge_y += [y0, y1, None]
    fig = go.Figure(go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"color": "#BBBBBB", "width": 1},
                               hoverinfo="skip"))
    names = [short_name(row) for row in nodes.itertuples()]
    details = [_progress_text(row) for row in nodes.itertuples()]
    fig.add_trace(go.Scatter(
        x=[where[n][0] for n in nodes["node_id"]], y=[where[n][1] for n in nodes["node_id"]],
        mode="markers+text", text=names, textposition="bottom center", textfont={"size": 12},
        marker={"size": [18 if plan else 12 for plan in nodes["is_plan"]], "symbol": "square",
                "color": [PLAN_COLOUR if plan else DOCUMENT_COLOUR for plan in nodes["is_plan"]]},
        customdata=list(zip(nodes["level_label"], nodes["issuer_name"], details)),
        hovertemplate="<b>%{text}</b><br>%{customdata[0]} · %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
    ))
    depth = int(nodes["depth"].max()) if len(nodes) else 0
    fig = vietnamese_layout(fig, height=140 + 130 * (depth + 1))
    fig.update_xaxes(visible=False, range=[0, 1])
    fig.update_yaxes(visible=False, range=[-depth - 0.6, 0.4])
    return fig
