"""A chart's title drawn as a heading (components/chart_title.py) on figures that are cached and
shared between reruns and sessions (components/figure_cache.py): the second page that draws a
cached figure must still show its title."""
import plotly.graph_objects as go

from components import chart_title


class Page:
    """Collects what a page would draw."""

    def __init__(self):
        self.headings, self.figures = [], []

    def markdown(self, text, **_):
        self.headings.append(text)

    def plotly_chart(self, fig, **_):
        self.figures.append(fig)


def test_a_shared_figure_keeps_its_title_for_the_next_page():
    shared = go.Figure(go.Bar(x=["a"], y=[1])).update_layout(title="Tỷ lệ hoàn thành", height=400, margin={"t": 80})
    first, second = Page(), Page()
    chart_title.plot(first, shared)
    chart_title.plot(second, shared)
    for page in (first, second):
        assert len(page.headings) == 1 and "Tỷ lệ hoàn thành" in page.headings[0]
        drawn = page.figures[0]
        assert not drawn.layout.title.text
        assert drawn.layout.height == 400 - chart_title.TITLE_ROOM
        assert drawn.layout.margin.t == 80 - chart_title.TITLE_ROOM
    assert shared.layout.title.text == "Tỷ lệ hoàn thành" and shared.layout.height == 400
