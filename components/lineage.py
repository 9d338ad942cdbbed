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


def _primary_parents(lineage: pd.DataFrame, depth: dict[str, int]) -> dict[str, str]:
    """Each document hangs under the parent on its longest way up (the deepest one), so the
    drawing is a tree; its other parents get a dotted line."""
    primary = {}
    for node_id, links in lineage.dropna(subset=["parent_id"]).groupby("node_id"):
        parents = [p for p in links["parent_id"] if p in depth]
        if parents:
            primary[node_id] = max(parents, key=lambda p: (depth[p], p))
    return primary


def _outline(nodes: pd.DataFrame, primary: dict[str, str]) -> list[str]:
    """The documents in outline order: each after its primary parent, siblings by level then name."""
    rank = {row.node_id: (row.level_order, row.doc_label) for row in nodes.itertuples()}
    children: dict[str | None, list[str]] = {}
    for node_id in nodes["node_id"]:
        children.setdefault(primary.get(node_id), []).append(node_id)
    order: list[str] = []
    todo = sorted(children.get(None, []), key=rank.get, reverse=True)
    while todo:
        node_id = todo.pop()
        order.append(node_id)
        todo.extend(sorted(children.get(node_id, []), key=rank.get, reverse=True))
    return order


def _progress_text(row) -> str:
    parts = []
    if row.tasks_total:
        done = "" if pd.isna(row.completion_rate) else f", hoàn thành {vn_number(100 * row.completion_rate)}%"
        parts.append(f"{vn_number(row.tasks_total)} nhiệm vụ{done}")
    if row.targets_total:
        on_track = "" if pd.isna(row.kpi_on_track_rate) else f", đúng tiến độ {vn_number(100 * row.kpi_on_track_rate)}%"
        parts.append(f"{vn_number(row.targets_total)} mục tiêu{on_track}")
    return "<br>".join(parts)


def tree_figure(lineage: pd.DataFrame) -> go.Figure:
    """An outline tree: one row per document, indented by its depth in the chain, an elbow line
    to the parent it hangs under and a dotted line to each other document it implements."""
    nodes = node_table(lineage)
    depth = dict(zip(nodes["node_id"], nodes["depth"]))
    primary = _primary_parents(lineage, depth)
    order = _outline(nodes, primary)
    where = {node_id: (0.05 * depth[node_id], -float(i)) for i, node_id in enumerate(order)}
    tree_x, tree_y, other_x, other_y = [], [], [], []
    for link in lineage.dropna(subset=["parent_id"]).itertuples():
        if link.parent_id not in where or link.node_id not in where:
            continue
        (x0, y0), (x1, y1) = where[link.parent_id], where[link.node_id]
        if primary.get(link.node_id) == link.parent_id:
            tree_x += [x0, x0, x1, None]
            tree_y += [y0, y1, y1, None]
        else:
            other_x += [x0, x1, None]
            other_y += [y0, y1, None]
    fig = go.Figure([
        go.Scatter(x=tree_x, y=tree_y, mode="lines", line={"color": "#888888", "width": 1.5}, hoverinfo="skip"),
        go.Scatter(x=other_x, y=other_y, mode="lines", line={"color": "#BBBBBB", "width": 1, "dash": "dot"},
                   hoverinfo="skip"),
    ])
    shown = nodes.set_index("node_id").loc[order].reset_index()
    names = list(shown["node_label"])
    details = [_progress_text(row) for row in shown.itertuples()]
    fig.add_trace(go.Scatter(
        x=[where[n][0] for n in order], y=[where[n][1] for n in order], mode="markers+text",
        # short lines: the deepest plans start a quarter of the way across, and on a phone one
        # long line ran out of the chart
        text=[f"<b>{name}</b><br>{level}" + (f"<br>{detail}" if detail else "")
              for name, level, detail in zip(names, shown["level_label"], details)],
        textposition="middle right", textfont={"size": 13},
        marker={"size": [14 if plan else 10 for plan in shown["is_plan"]], "symbol": "square",
                "color": [PLAN_COLOUR if plan else DOCUMENT_COLOUR for plan in shown["is_plan"]]},
        customdata=list(zip(names, shown["issuer_name"])),
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
    ))
    fig = vietnamese_layout(fig, height=80 + 76 * len(order))
    fig.update_xaxes(visible=False, range=[-0.02, 1])
    fig.update_yaxes(visible=False, range=[-len(order) + 0.4, 0.6])
    return fig
