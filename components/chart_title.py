"""A chart's title as a heading above the chart, in the page's HTML, so the browser wraps it at
the width it has: one line on a desktop or a projector, as many as needed on a phone. Plotly
never wraps a title and cannot know the width server-side; broken for a phone, a title took two
lines at 1920 px too. Every page draws its charts through `plot`."""
from __future__ import annotations

import html

import plotly.graph_objects as go

TITLE_CLASS = "nq57-chart-title"
TITLE_ROOM = 40  # px of the figure's top margin that the title took (components/charts.vietnamese_layout)


def plot(where, fig: go.Figure, **options):
    """`where.plotly_chart(fig, **options)` (where: st, a column, a container) with the figure's
    title moved out of the figure into a heading right above it. Returns the chart's event."""
    title = fig.layout.title.text
    if title:
        text = html.escape(" ".join(str(title).replace("<br>", " ").split()))
        where.markdown(f'<p class="{TITLE_CLASS}">{text}</p>', unsafe_allow_html=True)
        # the figure may be cached and shared between sessions (components/figure_cache.py): change
        # a copy; Streamlit serialises the figure through to_dict anyway, so unvalidated is safe
        spec = fig.to_dict()
        layout = spec.setdefault("layout", {})
        layout.pop("title", None)
        margin = layout.get("margin", {})
        layout["margin"] = {**margin, "t": max(int(margin.get("t", 60)) - TITLE_ROOM, 20)}
        layout["height"] = (layout.get("height") or 450) - TITLE_ROOM
        fig = go.Figure(spec, _validate=False)
    return where.plotly_chart(fig, **options)
