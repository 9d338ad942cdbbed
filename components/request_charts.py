"""The chart of the Kiến nghị page: which offices hold the most unanswered requests."""
import pandas as pd
import plotly.graph_objects as go

from components.charts import legend_below, short_unit_name, vietnamese_layout, wrap_words
from nq57.palette import RULE_COLOURS, style
from nq57.vnformat import vn_number


def requests_by_office(offices: pd.DataFrame, answer_days: int, limit: int = 10) -> go.Figure:
    """The offices with the most unanswered requests: waiting, and of those past the rule-5 days."""
    top = offices[offices["unanswered_count"] > 0].head(limit)
    # names broken between words: on a phone a long office name took the whole width from the bars
    names = [wrap_words(short_unit_name(str(n)), 24, 2) for n in top["office_name"]]  # 20 left "xử / lý"
    fig = go.Figure([
        go.Bar(y=names, x=top["unanswered_count"] - top["overdue_count"], orientation="h", name=f"chờ ≤ {answer_days} ngày",
               marker_color=style("request_state", "da_giao")[0],
               hovertemplate="%{y}: %{x} chờ trả lời chưa quá hạn<extra></extra>"),
        go.Bar(y=names, x=top["overdue_count"], orientation="h", name=f"quá {answer_days} ngày",
               marker_color=RULE_COLOURS.get(5, "#56B4E9"), marker_pattern_shape="/",
               text=[f"{vn_number(n)} · {vn_number(o)}" for n, o in zip(top["unanswered_count"], top["overdue_count"])],
               textposition="outside", cliponaxis=False,
               hovertemplate=f"%{{y}}: %{{x}} chờ quá {answer_days} ngày<extra></extra>"),
        # the printed pair reads "waiting · of them overdue", as the x-axis title says
    ])
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title="Chờ trả lời · quá hạn",
                     range=[0, max(int(top["unanswered_count"].max() if len(top) else 1), 1) * 1.7])
    fig = vietnamese_layout(fig, "Cơ quan có nhiều kiến nghị chờ trả lời nhất",
                            height=170 + 44 * max(len(top), 1))
    return legend_below(fig)
