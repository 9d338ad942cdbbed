"""A chart's title as a heading above the chart, in the page's HTML, so the browser wraps it at
the width it has: one line on a desktop or a projector, as many as needed on a phone. Plotly
never wraps a title and cannot know the width server-side; broken for a phone, a title took two
lines at 1920 px too. Every page draws its charts through `plot`."""
from __future__ import annotations

import html
import weakref

import plotly.graph_objects as go

TITLE_CLASS = "nq57-chart-title"
TITLE_ROOM = 40  # px of the figure's top margin that the title took (components/charts.vietnamese_layout)


# The figure without its title, per figure drawn: the figures are cached and shared
# (components/figure_cache.py) and never changed once drawn, so the copy is made once and not on
# every rerun (to_dict and a new Figure: 0,02 s a chart, a tenth of the overview's run). An entry
# goes when its figure does (a figure built for one run only, as meeting mode's enlarged copies).
_moved: dict[int, tuple[weakref.ref, str, go.Figure]] = {}


def _without_title(fig: go.Figure, title: object) -> tuple[str, go.Figure]:
    key = id(fig)
    hit = _moved.get(key)
    if hit is not None and hit[0]() is fig:
        return hit[1], hit[2]
    text = html.escape(" ".join(str(title).replace("<br>", " ").split()))
    # the figure may be cached and shared between sessions: change a copy; Streamlit serialises
    # the figure through to_dict anyway, so unvalidated is safe
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    layout.pop("title", None)
    margin = layout.get("margin", {})
    layout["margin"] = {**margin, "t": max(int(margin.get("t", 60)) - TITLE_ROOM, 20)}
    layout["height"] = (layout.get("height") or 450) - TITLE_ROOM
    moved = go.Figure(spec, _validate=False)
    _moved[key] = (weakref.ref(fig, lambda _gone, key=key: _moved.pop(key, None)), text, moved)
    return text, moved


def plot(where, fig: go.Figure, **options):
    """`where.plotly_chart(fig, **options)` (where: st, a column, a container) with the figure's
    title moved out of the figure into a heading right above it. Returns the chart's event. A
    figure is not changed after it is drawn (a changed copy is another figure)."""
    title = fig.layout.title.text
    if title:
        text, fig = _without_title(fig, title)
        where.markdown(f'<p class="{TITLE_CLASS}">{text}</p>', unsafe_allow_html=True)
    return where.plotly_chart(fig, **options)
