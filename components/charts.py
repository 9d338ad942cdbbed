"""Plotly figures for the pages: Vietnamese number formats, large type for a projector, and
colours from a colour-blind-safe palette (Okabe–Ito) that always come with a text label."""
from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from components.figure_cache import cached
from nq57.exports import header
from nq57.palette import GRADE_COLOURS, RULE_COLOURS, STATUS_STYLE, style
from nq57.vnformat import vn_number, vn_short

# Grade and status colours; the letter or the label is always printed too.
FONT_SIZE = 16
LINE_DASHES = ["solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid"]
LINE_MARKERS = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star"]
# The white template as the default, applied when the figure is serialised: naming it in each
# figure's layout copies the whole template again (10 ms a chart, 0,15 s on a unit's profile).
pio.templates.default = "plotly_white"


def vietnamese_layout(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    # the title whole, on one line: pages draw it as HTML above the chart (components/chart_title.plot)
    fig.update_layout(title=title, separators=",.",  # decimal comma, thousands dot: 1.234,5
                      font={"size": FONT_SIZE}, height=height, showlegend=False,
                      margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 10})
    # 30.000, not Plotly's "30k" (an English SI suffix), on every number axis
    axes = {"exponentformat": "none", "separatethousands": True}
    # a gap between a category's name and its bar: names ran into the bars they label
    return fig.update_xaxes(**axes).update_yaxes(**axes, ticklabelstandoff=6)


def legend_below(fig: go.Figure, bottom: int = 90) -> go.Figure:
    """The legend at the foot of the figure, under the axis labels, so it never covers the
    title, a marker's annotation or the data."""
    fig.update_layout(showlegend=True, legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom",
                                               "x": 0, "xanchor": "left"})
    fig.update_layout(margin={**fig.layout.margin.to_plotly_json(), "b": bottom})
    return fig


MIN_TICK_DAYS = 20  # two month ticks closer than this would overlap on a phone


def month_ticks(fig: go.Figure, days) -> go.Figure:
    """Ticks on the plotted days themselves, written 12/2025 (today's as-of 07/12/2026): Plotly's own date ticks fall on the
    1st, so a month-end point sat on the next month's label, and they are in English."""
    days = list(pd.to_datetime(pd.Series(list(days))).drop_duplicates().sort_values())
    # an as-of date early in a month (06/12) sits days after the last month end: its tick alone,
    # "11/2026" and "12/2026" were printed on each other
    if len(days) > 1 and (days[-1] - days[-2]).days < MIN_TICK_DAYS:
        days = days[:-2] + days[-1:]
    # a day that is no month end (today's as-of) by its date: "12/2026" read as the month's end,
    # and November looked missing
    texts = [f"{d:%m/%Y}" if d.is_month_end else f"{d:%d/%m/%Y}" for d in days]
    # slanted only where they overlap (a phone), up to the right so each ends at its tick (30° hid the last)
    return fig.update_xaxes(tickvals=days, ticktext=texts, autotickangles=[0, -30, -90])


def wrap_words(text: str, width: int = 18, lines: int = 3) -> str:
    """A label broken between words into at most `lines` lines (an ellipsis if longer), so axis
    headers are never cut in the middle of a word."""
    return "<br>".join(textwrap.wrap(str(text), width, break_long_words=False, break_on_hyphens=False,
                                     max_lines=lines, placeholder=" …"))


@cached
def grade_distribution(summary: pd.Series, bands: pd.DataFrame) -> go.Figure:
    """Units per grade; bands is the grade_bands view (each grade's score band, from the settings)."""
    grade_labels = dict(zip(bands["grade"], bands["grade_label"]))
    grades = list(GRADE_COLOURS)
    counts = [int(summary[f"grade_{g.lower()}"]) for g in grades]
    fig = go.Figure(go.Bar(
        x=[grade_labels[g] for g in grades],
        y=counts,
        marker_color=[GRADE_COLOURS[g] for g in grades],
        marker_line={"color": "#333333", "width": 1},
        text=[f"{vn_number(c)} đơn vị" for c in counts],
        textposition="outside",
        customdata=grades,  # a click filters the league table by this grade
        hovertemplate="Xếp loại %{x}: %{y} đơn vị<extra></extra>",
    ))
    fig.update_yaxes(title="Số đơn vị", rangemode="tozero")
    return vietnamese_layout(fig, "Đơn vị theo xếp loại")


@cached
def flags_by_rule(flags: pd.DataFrame) -> go.Figure:
    # short label lines leave the bars room for their numbers on a projector and a phone
    labels = [f"{wrap_words(f'Quy tắc {r}: {label}', 22, 3)}<br>{vn_number(n)} cảnh báo · {vn_number(u)} đơn vị"
              for r, label, n, u in zip(flags["rule"], flags["rule_label"], flags["flag_count"], flags["units_flagged"])]
    fig = go.Figure(go.Bar(
        y=labels,
        x=flags["flag_count"],
        orientation="h",
        marker_color=[RULE_COLOURS[int(r)] for r in flags["rule"]],
        # inside the longest bars (outside, "22.801" ran past a phone's edge); no "0" by the label
        text=[vn_number(n) if n else "" for n in flags["flag_count"]],
        textposition=["inside" if n >= 0.6 * flags["flag_count"].max() else "outside" for n in flags["flag_count"]],
        textangle=0, insidetextanchor="end",
        cliponaxis=False,
        # the rule's label: a click opens the red flags page filtered by it
        customdata=flags[["units_flagged", "rule_label"]].values,
        hovertemplate="%{y}<br>%{x} cảnh báo ở %{customdata[0]:,} đơn vị<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    # room on the right for the labels printed outside the bars
    fig.update_xaxes(title="Số cảnh báo đỏ", range=[0, max(int(flags["flag_count"].max()), 1) * 1.35], nticks=4)
    return vietnamese_layout(fig, "Cảnh báo đỏ theo quy tắc", height=140 + 78 * len(flags))


@cached
def compliance_bar(counts: pd.Series, statuses: dict[str, str]) -> go.Figure:
    """Units by reporting status: counts and labels by code, colour and symbol from the palette."""
    codes = [code for code in statuses if counts.get(code, 0)]
    fig = go.Figure(go.Bar(
        x=[int(counts.get(code, 0)) for code in codes],
        y=[f"{style('report_status', code)[1]} {statuses[code]}" for code in codes],
        orientation="h",
        marker_color=[style("report_status", code)[0] for code in codes],
        text=[f"{vn_number(counts.get(code, 0))} đơn vị" for code in codes],
        textposition="auto",
        hovertemplate="%{y}: %{x} đơn vị<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="Số đơn vị", rangemode="tozero")
    return vietnamese_layout(fig, "Tình hình nộp báo cáo", height=260)

def status_text(label: str, domain: str | None = None, code: object = None) -> str:
    """A status with its symbol: by code when given (domain, code), else by its label text."""
    symbol = style(domain, code)[1] if domain else STATUS_STYLE.get(label, ("", "•", ""))[1]
    return f"{symbol} {label}"


def short_unit_name(name: str) -> str:
    for prefix in ("phường ", "xã "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


# Read at a glance: nationally (3.321 units) the grid's 277 rows and the ranking's 73.000 px took the
# browser half a minute; there they show the first and the last ranked, the page's table them all.
# 96 tiles: a province's 95 whole, and no more to draw for the country (192 cost chromium 0,17 s a visit).
TILE_LIMIT, BAR_LIMIT = 96, 100


def first_and_last(ordered: pd.DataFrame, limit: int) -> pd.DataFrame:
    """A ranked frame whole, or its first and last limit // 2 rows when it has more than `limit`."""
    kept = ordered if len(ordered) <= limit else pd.concat([ordered.head(limit // 2), ordered.tail(limit // 2)])
    return kept.reset_index(drop=True)


@cached
def unit_tile_grid(scorecard: pd.DataFrame, columns: int = 12, clickable: bool = True,
                   text_size: int = 12) -> go.Figure:
    """Every commune/ward (above TILE_LIMIT: the first and last, a blank row between) as a tile in
    rank order, coloured by grade with the grade letter printed (`clickable`: the title and hover
    say a click opens the profile; not on a projector). The tiles are rectangles in the axes'
    units, so they fill the chart's width: square markers are a fixed 62 px, which left a
    projector's 1920 px mostly gaps around 10 px text (meeting mode passes a bigger `text_size`;
    below the width twelve names need, the grid scrolls sideways: page_style.TILES_CSS)."""
    total, half = len(scorecard), TILE_LIMIT // 2
    ordered = first_and_last(scorecard.sort_values(["rank", "unit_name"]), TILE_LIMIT)
    ordered["col"] = ordered.index % columns
    ordered["row"] = ordered.index // columns + (ordered.index >= half) * (total > TILE_LIMIT)
    fig = go.Figure(go.Scatter(
        # the text, and an invisible point under it that a click selects (shapes are not selectable)
        x=ordered["col"], y=ordered["row"], mode="markers+text",
        marker={"symbol": "square", "size": 60, "opacity": 0},
        # the score to one decimal, as the grade reads it: 89,6 rounded to "90" sat beside a B
        text=[f"{short_unit_name(n)[:12]}<br><b>{g}</b> · {vn_number(s, 1)}"
              for n, g, s in zip(ordered["unit_name"], ordered["grade"], ordered["score"])],
        textfont={"size": text_size, "color": "#111111"},
        customdata=ordered[["unit_id", "unit_name", "rank", "score", "grade"]].values,
        hovertemplate="<b>%{customdata[1]}</b><br>Hạng %{customdata[2]:,} · %{customdata[3]:,.1f} điểm · "
                      "xếp loại %{customdata[4]}" + ("<br>Bấm để xem hồ sơ đơn vị" if clickable else "")
                      + "<extra></extra>",
    ))
    # in one update: 95 add_shape calls took 0,8 s to build the figure, one list 0,01 s
    fig.update_layout(shapes=[
        {"type": "rect", "x0": col - 0.47, "x1": col + 0.47, "y0": row - 0.45, "y1": row + 0.45, "layer": "below",
         "fillcolor": GRADE_COLOURS.get(grade, "#999999"), "line": {"color": "#333333", "width": 1}}
        for col, row, grade in zip(ordered["col"], ordered["row"], ordered["grade"])])
    fig.update_xaxes(visible=False, range=[-0.5, columns - 0.5])
    fig.update_yaxes(visible=False, autorange="reversed")
    rows = int(ordered["row"].max()) + 1
    hint = "; bấm để mở hồ sơ" if clickable else ""
    shown = (f"{half} xã, phường đứng đầu và {half} đứng cuối trong {vn_number(total)}; bảng xếp hạng có đủ"
             if total > TILE_LIMIT else f"{vn_number(total)} xã, phường theo thứ hạng")
    return vietnamese_layout(fig, f"{shown} (màu và chữ theo xếp loại{hint})", height=90 + 72 * rows)


LABEL_POINTS = 8  # about a label's height on the 0–110 % axis of the trend chart


def latest_label_positions(latest: dict[str, float]) -> dict[str, str]:
    """Where each line's latest value is printed: above the highest line, under the lowest, and
    the middle one on the side away from its nearer neighbour (beside its point when both are
    near). All above their points, two rates a few points apart were printed one on the other."""
    order = sorted(latest, key=lambda c: -(latest[c] if pd.notna(latest[c]) else -1))
    positions = {order[0]: "top center", order[-1]: "bottom center"}
    for middle in order[1:-1]:
        above, below = latest[order[0]] - latest[middle], latest[middle] - latest[order[-1]]
        positions[middle] = ("middle left" if max(above, below) < LABEL_POINTS
                             else "bottom center" if above < below else "top center")
    return positions


@cached
def trend_lines(trend: pd.DataFrame) -> go.Figure:
    """Completion, KPI on-track and on-time reporting rates at each month end."""
    fig = go.Figure()
    series = [("completion_rate", "#0072B2", "circle"), ("kpi_on_track_rate", "#009E73", "square"), ("timeliness_rate", "#E69F00", "diamond")]
    positions = latest_label_positions({column: trend[column].iloc[-1] * 100 if len(trend) else 0
                                        for column, _, _ in series})
    for column, colour, symbol in series:
        label = header("tile", column)  # the headline figures' words (data/seed/column_labels.csv)
        values = trend[column] * 100
        fig.add_trace(go.Scatter(
            x=trend["as_of"], y=values, name=label, mode="lines+markers+text",
            line={"color": colour, "width": 3}, marker={"symbol": symbol, "size": 10},
            # only the latest value is printed: labels on every point collide on a projector
            text=[""] * (len(values) - 1) + [f"{vn_number(values.iloc[-1], 1)}%"] if len(values) else [],
            textposition=positions[column], cliponaxis=False,
            hovertemplate=label + " ngày %{x|%d/%m/%Y}: %{y:,.1f}%<extra></extra>",
        ))
    fig.update_yaxes(title="%", range=[0, 110])
    month_ticks(fig, trend["as_of"])
    if len(trend):  # room beside the first and last month end for their markers and labels
        days = pd.to_datetime(trend["as_of"])
        fig.update_xaxes(range=[days.min() - pd.Timedelta(days=12), days.max() + pd.Timedelta(days=12)])
    return legend_below(vietnamese_layout(fig, "Diễn biến theo tháng (cuối mỗi tháng)", height=420))


@cached
def kpi_bullets(kpis: pd.DataFrame, title: str, named_by_title: bool = False) -> go.Figure:
    """One bullet per KPI: the bar is the actual, a tick the value the schedule expects now,
    diamonds the targets of each horizon. Rows share one scale (use for % KPIs). named_by_title:
    the title is the KPI's name, so it is not printed again beside the axis."""
    rows = kpis.drop_duplicates("kpi_id")
    names = [n if len(n) <= 60 else n[:57] + "…" for n in rows["kpi_name"]]
    order = dict(zip(rows["kpi_id"], names))
    fig = go.Figure()
    colours = [STATUS_STYLE.get(s, ("#999999",))[0] for s in rows["status_label"]]
    texts = [f"{status_text(s)} · {vn_number(v, 1)}" if pd.notna(v) else status_text(s)
             for s, v in zip(rows["status_label"], rows["actual_value"])]
    if rows["is_lower_better"].all():
        # a rank or a rate that should fall: a bar from 0 read as "past the target" when 38th is
        # behind 25th; the actual is a point, with its status beside it
        fig.add_trace(go.Scatter(
            y=names, x=rows["actual_value"], mode="markers+text", name="Thực tế",
            marker={"size": 18, "color": colours, "line": {"width": 1, "color": "#111111"}},
            text=texts, textposition="bottom left", cliponaxis=False,  # ends at its point: never past the edge
            hovertemplate="%{y}<br>Thực tế: %{x:,.1f} (càng nhỏ càng tốt)<extra></extra>",
        ))
    else:
        fig.add_trace(go.Bar(
            y=names, x=rows["actual_value"], orientation="h", name="Thực tế", marker_color=colours,
            text=texts, textposition="auto", width=0.5,
            hovertemplate="%{y}<br>Thực tế: %{x:,.1f}<extra></extra>",
        ))
    expected = rows[rows["expected_value"].notna()]
    fig.add_trace(go.Scatter(
        y=[order[k] for k in expected["kpi_id"]], x=expected["expected_value"], mode="markers", name="Theo lộ trình",
        marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#111111"}},
        hovertemplate="%{y}<br>Lộ trình yêu cầu đến nay: %{x:,.1f}<extra></extra>",
    ))
    targets = kpis[kpis["target_value"].notna()]
    fig.add_trace(go.Scatter(
        y=[order[k] for k in targets["kpi_id"]], x=targets["target_value"], mode="markers+text", name="Mục tiêu",
        marker={"symbol": "diamond", "size": 12, "color": "#FFFFFF", "line": {"width": 2, "color": "#111111"}},
        text=[str(int(h)) for h in targets["horizon"]], textposition="top center", textfont={"size": 11},
        customdata=targets[["horizon", "target_text"]].values,
        hovertemplate="%{y}<br>Mục tiêu %{customdata[0]}: %{x}<br>%{customdata[1]}<extra></extra>",
    ))
    # its name beside the axis as well as in the title left a phone no room for the plot
    fig.update_yaxes(autorange="reversed", showticklabels=not named_by_title)
    return legend_below(vietnamese_layout(fig, title, height=160 + 48 * len(rows)), bottom=70)


@cached
def kpi_trajectory(history: pd.DataFrame, targets: pd.DataFrame, title: str) -> go.Figure:
    """Reported values over time, the straight schedule from the first value to each target,
    and the targets as labelled diamonds at their due dates."""
    fig = go.Figure()
    for index, (unit_name, rows) in enumerate(history.groupby("unit_name", sort=False)):
        # a marker shape and a dash per line: the lines differ by more than colour
        fig.add_trace(go.Scatter(
            x=rows["period"], y=rows["value"], mode="lines+markers", name=unit_name,
            line={"width": 3, "dash": LINE_DASHES[index % len(LINE_DASHES)]},
            marker={"symbol": LINE_MARKERS[index % len(LINE_MARKERS)], "size": 9},
            hovertemplate=unit_name + " kỳ %{x|%m/%Y}: %{y:,.1f}<extra></extra>",
        ))
    if len(history) and len(targets):
        first = history.sort_values("period").iloc[0]
        for row in targets.sort_values("due_date").itertuples():
            fig.add_trace(go.Scatter(
                x=[first["period"], row.due_date], y=[first["value"], row.target_value], mode="lines",
                line={"dash": "dash", "color": "#555555", "width": 1.5}, showlegend=False,
                hovertemplate="Lộ trình đến mục tiêu %{x|%d/%m/%Y}<extra></extra>",
            ))
    if len(targets):
        fig.add_trace(go.Scatter(
            x=targets["due_date"], y=targets["target_value"], mode="markers+text", name="Mục tiêu",
            marker={"symbol": "diamond", "size": 14, "color": "#FFFFFF", "line": {"width": 2, "color": "#111111"}},
            text=[f"{int(h)}: {t}" for h, t in zip(targets["horizon"], targets["target_label"])],
            textposition="bottom left", cliponaxis=False,
            hovertemplate="Mục tiêu đến %{x|%d/%m/%Y}: %{y}<extra></extra>",
        ))
    fig.update_xaxes(tickformat="%m/%Y")
    fig.update_yaxes(rangemode="tozero")
    return legend_below(vietnamese_layout(fig, title, height=440), bottom=80)


@cached
def task_timeline(tasks: pd.DataFrame, as_of) -> go.Figure:
    """Dated tasks against their deadlines: a marker per task at its due date, shaped and
    labelled by status, with today's line."""
    dated = tasks[tasks["due_date"].notna()].sort_values("due_date")
    # two short lines cut at a word: one line of 48 characters took most of a phone's width
    labels = [wrap_words(f"{no}. {c}", 30, 2) for no, c in zip(dated["task_no"], dated["content"])]
    fig = go.Figure()
    for status, rows in dated.groupby("status_label", sort=False):
        colour, icon, symbol = STATUS_STYLE.get(status, ("#999999", "•", "circle"))
        fig.add_trace(go.Scatter(
            x=rows["due_date"], y=[labels[i] for i in range(len(dated)) if dated.index[i] in rows.index],
            mode="markers", name=f"{icon} {status}",
            marker={"symbol": symbol, "size": 14, "color": colour, "line": {"width": 2, "color": colour}},
            customdata=rows[["deadline_text", "percent_complete"]].values,
            hovertemplate="%{y}<br>Hạn: %{x|%d/%m/%Y} (%{customdata[0]})<br>" + status
                          + " · %{customdata[1]:.0f}%<extra></extra>",
        ))
    fig.add_vline(x=pd.Timestamp(as_of).timestamp() * 1000, line_dash="dot", line_color="#111111",
                  annotation_text=f"Ngày xem {pd.Timestamp(as_of):%d/%m/%Y}", annotation_position="top")
    fig.update_xaxes(tickformat="%d/%m/%Y")
    fig.update_yaxes(autorange="reversed", tickfont={"size": 12})  # two lines a task, apart from the next
    fig = vietnamese_layout(fig, "Nhiệm vụ có thời hạn: hạn hoàn thành và tình trạng", height=200 + 44 * max(len(dated), 1))
    return legend_below(fig, bottom=80)


@cached
def ranking_bar(rows: pd.DataFrame, value_column: str, title: str, target: float | None = None,
                lower_is_better: bool = False) -> go.Figure:
    """Units ranked on one value (above BAR_LIMIT: the first and last), bars labelled with the value and status."""
    total = len(rows)
    ordered = first_and_last(rows.sort_values(value_column, ascending=lower_is_better), BAR_LIMIT)
    if total > BAR_LIMIT:
        title = f"{title}: {BAR_LIMIT // 2} đơn vị đầu và {BAR_LIMIT // 2} đơn vị cuối trong {vn_number(total)}"
    fig = go.Figure(go.Bar(
        y=ordered["unit_name"], x=ordered[value_column], orientation="h",
        marker_color=[STATUS_STYLE.get(s, ("#999999",))[0] for s in ordered["status_label"]],
        # the value and the status symbol: the status's words did not fit beside a bar on a phone
        text=[f"{vn_number(v, 1)} {STATUS_STYLE.get(s, ('', '•'))[1]}"
              for v, s in zip(ordered[value_column], ordered["status_label"])],
        textposition="auto", cliponaxis=False,
        customdata=ordered["unit_id"] if "unit_id" in ordered else None,  # a click opens the unit's profile
        hovertemplate="%{y}: %{x:,.1f}<br>Bấm để mở hồ sơ đơn vị<extra></extra>",
    ))
    if target is not None:
        # the note above the plot: at its top right it sat on the first bar's value
        fig.add_vline(x=target, line_dash="dash", line_color="#111111", annotation_text=f"Mục tiêu {vn_short(target)}",
                      annotation_position="top", annotation_yanchor="bottom", layer="below")  # under the values
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, 1.3 * max(float(ordered[value_column].max() or 0), float(target or 0), 1.0)])
    return vietnamese_layout(fig, title, height=120 + 22 * len(ordered))


@cached
def distribution(rows: pd.DataFrame, value_column: str, title: str, target: float | None = None) -> go.Figure:
    values = rows[value_column].dropna()
    # counts of people or documents are whole numbers: bins of 0,2 would count units between them
    whole = bool(len(values)) and bool((values == values.round()).all())
    size = max(1, -(-(values.max() - values.min()) // 20)) if whole else None
    # whole numbers: each bar centred on its values, with half a bar of room at either end (the
    # first bar sat on the axis)
    bins = {"xbins": {"size": size, "start": values.min() - size / 2}} if whole else {"nbinsx": 20}
    fig = go.Figure(go.Histogram(x=rows[value_column], **bins, marker_color="#0072B2",
                                 marker_line={"color": "#FFFFFF", "width": 1},
                                 hovertemplate="%{x}: %{y} đơn vị<extra></extra>"))
    if target is not None:
        fig.add_vline(x=target, line_dash="dash", line_color="#D55E00", line_width=3,
                      annotation_text=f"Mục tiêu {vn_short(target)}")
    fig.update_xaxes(title="Giá trị thực tế")
    if whole:
        ends = [values.min(), values.max()] + ([target] if target is not None else [])
        fig.update_xaxes(range=[min(ends) - size, max(ends) + size])
    fig.update_yaxes(title="Số đơn vị", **({"dtick": 1} if len(values) <= 10 else {}))  # no 0,2 of a unit
    return vietnamese_layout(fig, title)
