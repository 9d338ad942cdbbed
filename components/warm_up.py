"""What the first visitor after a server start would otherwise wait for (issue #12): importing
the components and the core modules they use (1,3 s, openpyxl among them), and Plotly loading
the validator of each property the first time a figure sets it (0,5 s). The server does it in a
background thread as it starts (app.py), so the answer to the first request is not delayed."""
from __future__ import annotations

import importlib
import pkgutil
import threading

import components


def run() -> None:
    """Import every component and build one figure with the trace types and properties the
    pages' charts use (components/charts.py), serialised as Streamlit sends it."""
    for module in pkgutil.iter_modules(components.__path__):
        if module.name != "warm_up":
            importlib.import_module(f"components.{module.name}")
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.subplots import make_subplots

    from components import charts

    fig = make_subplots(rows=1, cols=2)
    fig.add_trace(go.Bar(x=["a"], y=[1], orientation="v", marker_color=["#0072B2"], marker_line={"color": "#333", "width": 1},
                         text=["1"], textposition="outside", cliponaxis=False, customdata=[["a"]], width=0.5,
                         hovertemplate="%{x}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="lines+markers+text", name="a", text=["a"], textposition="top center",
                             textfont={"size": 10, "color": "#111"}, line={"color": "#000", "width": 3, "dash": "dash"},
                             marker={"symbol": "square", "size": 9, "color": "#fff", "opacity": 0,
                                     "line": {"width": 2, "color": "#111"}},
                             hovertext=["a"], hovertemplate="%{y}<extra></extra>", showlegend=False), row=1, col=2)
    fig.add_trace(go.Heatmap(z=[[0]], x=["a"], y=["a"], text=[["a"]], texttemplate="%{text}", hoverinfo="skip",
                             colorscale=[[0, "#999"], [1, "#999"]], zmin=0, zmax=1, showscale=False, xgap=1, ygap=1))
    fig.add_trace(go.Histogram(x=[1, 2], nbinsx=20, xbins={"size": 1}, marker_color="#0072B2"))
    fig.add_vline(x=1, line_dash="dot", line_color="#111", annotation_text="a", annotation_position="top")
    fig.update_xaxes(title="a", range=[0, 1], tickvals=[0], ticktext=["a"], tickformat="%m/%Y", side="top", tickangle=-90,
                     automargin=True, nticks=4, visible=True)
    fig.update_yaxes(title="a", rangemode="tozero", autorange="reversed")
    fig.update_annotations(font_size=12)
    charts.legend_below(charts.vietnamese_layout(fig, "a"))
    fig.update_layout(hoverlabel={"align": "left"}, hoverdistance=60, legend={"itemclick": False, "itemdoubleclick": False})
    pio.to_json(go.Figure(fig.to_dict()), validate=False)


def start() -> threading.Thread:
    thread = threading.Thread(target=run, name="nq57-warm-up", daemon=True)
    thread.start()
    return thread
