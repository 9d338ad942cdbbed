"""Plotly figures for the pages: Vietnamese number formats, large type for a projector, and
colours from a colour-blind-safe palette (Okabe–Ito) that always come with a text label."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from nq57.palette import GRADE_COLOURS, RULE_COLOURS, STATUS_STYLE, style

# Grade and status colours; the letter or the label is always printed too.
GRADE_MEANING = {"A": "A (≥ 90 điểm)", "B": "B (80–89)", "C": "C (70–79)", "D": "D (50–69)", "E": "E (< 50)"}
FONT_SIZE = 16
# The white template as the default, applied when the figure is serialised: naming it in each
# figure's layout copies the whole template again (10 ms a chart, 0,15 s on a unit's profile).
pio.templates.default = "plotly_white"


def vietnamese_layout(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title,
        separators=",.",  # decimal comma, thousands dot: 1.234,5
        font={"size": FONT_SIZE},
        height=height,
        margin={"l": 10, "r": 10, "t": 60 if title else 20, "b": 10},
        showlegend=False,
    )
    fig.update_xaxes(tickformat=None)
    return fig


def grade_distribution(summary: pd.Series) -> go.Figure:
    grades = list(GRADE_COLOURS)
    counts = [int(summary[f"grade_{g.lower()}"]) for g in grades]
    fig = go.Figure(go.Bar(
        x=[GRADE_MEANING[g] for g in grades],
        y=counts,
        marker_color=[GRADE_COLOURS[g] for g in grades],
        marker_line={"color": "#333333", "width": 1},
        text=[f"{c} đơn vị" for c in counts],
        textposition="outside",
        hovertemplate="Xếp loại %{x}: %{y} đơn vị<extra></extra>",
    ))
    fig.update_yaxes(title="Số đơn vị", rangemode="tozero")
    return vietnamese_layout(fig, "Đơn vị theo xếp loại")


def flags_by_rule(flags: pd.DataFrame) -> go.Figure:
    # two-line labels leave the bars room for their numbers on a projector
    labels = [f"Quy tắc {r}:<br>{label}" for r, label in zip(flags["rule"], flags["rule_label"])]
    fig = go.Figure(go.Bar(
        y=labels,
        x=flags["flag_count"],
        orientation="h",
        marker_color=[RULE_COLOURS[int(r)] for r in flags["rule"]],
        text=[f"{n:,} cảnh báo · {u} đơn vị".replace(",", ".") for n, u in zip(flags["flag_count"], flags["units_flagged"])],
        textposition="outside",
        cliponaxis=False,
        customdata=flags["units_flagged"],
        hovertemplate="%{y}<br>%{x} cảnh báo ở %{customdata} đơn vị<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    # room on the right for the labels printed outside the bars
    fig.update_xaxes(title="Số cảnh báo đỏ", range=[0, max(int(flags["flag_count"].max()), 1) * 2.2])
    return vietnamese_layout(fig, "Cảnh báo đỏ theo quy tắc")

def compliance_bar(counts: pd.Series, statuses: dict[str, str]) -> go.Figure:
    """Units by reporting status: counts and labels by code, colour and symbol from the palette."""
    codes = [code for code in statuses if counts.get(code, 0)]
    fig = go.Figure(go.Bar(
        x=[int(counts.get(code, 0)) for code in codes],
        y=[f"{style('report_status', code)[1]} {statuses[code]}" for code in codes],
        orientation="h",
        marker_color=[style("report_status", code)[0] for code in codes],
        text=[f"{int(counts.get(code, 0))} đơn vị" for code in codes],
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


def unit_tile_grid(scorecard: pd.DataFrame, columns: int = 12) -> go.Figure:
    """Every commune/ward as a tile in rank order, coloured by grade with the grade letter printed."""
    ordered = scorecard.sort_values(["rank", "unit_name"]).reset_index(drop=True)
    ordered["col"] = ordered.index % columns
    ordered["row"] = ordered.index // columns
    fig = go.Figure(go.Scatter(
        x=ordered["col"], y=ordered["row"], mode="markers+text",
        marker={"symbol": "square", "size": 62, "color": [GRADE_COLOURS[g] for g in ordered["grade"]],
                "line": {"color": "#333333", "width": 1}},
        text=[f"{short_unit_name(n)[:12]}<br><b>{g}</b> · {s:.0f}".replace(".", ",")
              for n, g, s in zip(ordered["unit_name"], ordered["grade"], ordered["score"])],
        textfont={"size": 10, "color": "#111111"},
        customdata=ordered[["unit_id", "unit_name", "rank", "score", "grade"]].values,
        hovertemplate="<b>%{customdata[1]}</b><br>Hạng %{customdata[2]} · %{customdata[3]:.1f} điểm · "
                      "xếp loại %{customdata[4]}<br>Bấm để xem hồ sơ đơn vị<extra></extra>",
    ))
    fig.update_xaxes(visible=False, range=[-0.6, columns - 0.4])
    fig.update_yaxes(visible=False, autorange="reversed")
    rows = int(ordered["row"].max()) + 1
    return vietnamese_layout(fig, f"{len(ordered)} xã, phường theo thứ hạng (màu và chữ theo xếp loại; bấm để mở hồ sơ)",
                             height=90 + 72 * rows)


def trend_lines(trend: pd.DataFrame) -> go.Figure:
    """Completion, KPI on-track and on-time reporting rates at each month end."""
    fig = go.Figure()
    series = [("completion_rate", "Hoàn thành nhiệm vụ", "#0072B2", "circle"),
              ("kpi_on_track_rate", "Chỉ tiêu đúng tiến độ", "#009E73", "square"),
              ("timeliness_rate", "Báo cáo đúng hạn", "#E69F00", "diamond")]
    for column, label, colour, symbol in series:
        values = trend[column] * 100
        fig.add_trace(go.Scatter(
            x=trend["as_of"], y=values, name=label, mode="lines+markers+text",
            line={"color": colour, "width": 3}, marker={"symbol": symbol, "size": 10},
            # only the latest value is printed: labels on every point collide on a projector
            text=[""] * (len(values) - 1) + [f"{values.iloc[-1]:.0f}%"] if len(values) else [],
            textposition="middle right",
            hovertemplate=label + " ngày %{x|%d/%m/%Y}: %{y:.1f}%<extra></extra>",
        ))
    fig.update_yaxes(title="%", range=[0, 110])
    fig.update_xaxes(tickformat="%m/%Y", dtick="M1")
    fig = vietnamese_layout(fig, "Diễn biến theo tháng (cuối mỗi tháng)")
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.15})
    return fig


def kpi_bullets(kpis: pd.DataFrame, title: str) -> go.Figure:
    """One bullet per KPI: the bar is the actual, a tick the value the schedule expects now,
    diamonds the targets of each horizon. Rows share one scale (use for % KPIs)."""
    rows = kpis.drop_duplicates("kpi_id")
    names = [n if len(n) <= 60 else n[:57] + "…" for n in rows["kpi_name"]]
    order = dict(zip(rows["kpi_id"], names))
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=rows["actual_value"], orientation="h", name="Thực tế",
        marker_color=[STATUS_STYLE.get(s, ("#999999",))[0] for s in rows["status_label"]],
        text=[f"{status_text(s)} · {v:.1f}".replace(".", ",") if pd.notna(v) else status_text(s)
              for s, v in zip(rows["status_label"], rows["actual_value"])],
        textposition="auto", width=0.5,
        hovertemplate="%{y}<br>Thực tế: %{x:.1f}<extra></extra>",
    ))
    expected = rows[rows["expected_value"].notna()]
    fig.add_trace(go.Scatter(
        y=[order[k] for k in expected["kpi_id"]], x=expected["expected_value"], mode="markers", name="Theo lộ trình",
        marker={"symbol": "line-ns", "size": 26, "line": {"width": 4, "color": "#111111"}},
        hovertemplate="%{y}<br>Lộ trình yêu cầu đến nay: %{x:.1f}<extra></extra>",
    ))
    targets = kpis[kpis["target_value"].notna()]
    fig.add_trace(go.Scatter(
        y=[order[k] for k in targets["kpi_id"]], x=targets["target_value"], mode="markers+text", name="Mục tiêu",
        marker={"symbol": "diamond", "size": 12, "color": "#FFFFFF", "line": {"width": 2, "color": "#111111"}},
        text=[str(int(h)) for h in targets["horizon"]], textposition="top center", textfont={"size": 11},
        customdata=targets[["horizon", "target_text"]].values,
        hovertemplate="%{y}<br>Mục tiêu %{customdata[0]}: %{x}<br>%{customdata[1]}<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig = vietnamese_layout(fig, title, height=120 + 48 * len(rows))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig


def kpi_trajectory(history: pd.DataFrame, targets: pd.DataFrame, title: str) -> go.Figure:
    """Reported values over time, the straight schedule from the first value to each target,
    and the targets as labelled diamonds at their due dates."""
    fig = go.Figure()
    for unit_name, rows in history.groupby("unit_name", sort=False):
        fig.add_trace(go.Scatter(
            x=rows["period"], y=rows["value"], mode="lines+markers", name=unit_name, line={"width": 3},
            hovertemplate=unit_name + " kỳ %{x|%m/%Y}: %{y:.1f}<extra></extra>",
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
            textposition="top left",
            hovertemplate="Mục tiêu đến %{x|%d/%m/%Y}: %{y}<extra></extra>",
        ))
    fig.update_xaxes(tickformat="%m/%Y")
    fig = vietnamese_layout(fig, title, height=360)
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.2})
    return fig


def task_timeline(tasks: pd.DataFrame, as_of) -> go.Figure:
    """Dated tasks against their deadlines: a marker per task at its due date, shaped and
    labelled by status, with today's line."""
    dated = tasks[tasks["due_date"].notna()].sort_values("due_date")
    labels = [f"{no}. {c[:48]}…" if len(c) > 48 else f"{no}. {c}" for no, c in zip(dated["task_no"], dated["content"])]
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
    fig.update_yaxes(autorange="reversed")
    fig = vietnamese_layout(fig, "Nhiệm vụ có thời hạn: hạn hoàn thành và tình trạng", height=140 + 30 * max(len(dated), 1))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    return fig


def ranking_bar(rows: pd.DataFrame, value_column: str, title: str, target: float | None = None,
                lower_is_better: bool = False) -> go.Figure:
    """Units ranked on one value, bars labelled with the value and status."""
    ordered = rows.sort_values(value_column, ascending=lower_is_better)
    fig = go.Figure(go.Bar(
        y=ordered["unit_name"], x=ordered[value_column], orientation="h",
        marker_color=[STATUS_STYLE.get(s, ("#999999",))[0] for s in ordered["status_label"]],
        text=[f"{v:.1f} · {status_text(s)}".replace(".", ",") for v, s in zip(ordered[value_column], ordered["status_label"])],
        textposition="auto",
        hovertemplate="%{y}: %{x:.1f}<extra></extra>",
    ))
    if target is not None:
        fig.add_vline(x=target, line_dash="dash", line_color="#111111", annotation_text=f"Mục tiêu {target:g}".replace(".", ","))
    fig.update_yaxes(autorange="reversed")
    return vietnamese_layout(fig, title, height=120 + 22 * len(ordered))


def distribution(rows: pd.DataFrame, value_column: str, title: str, target: float | None = None) -> go.Figure:
    fig = go.Figure(go.Histogram(x=rows[value_column], nbinsx=20, marker_color="#0072B2",
                                 marker_line={"color": "#FFFFFF", "width": 1},
                                 hovertemplate="%{x}: %{y} đơn vị<extra></extra>"))
    if target is not None:
        fig.add_vline(x=target, line_dash="dash", line_color="#D55E00", line_width=3,
                      annotation_text=f"Mục tiêu {target:g}".replace(".", ","))
    fig.update_xaxes(title="Giá trị thực tế")
    fig.update_yaxes(title="Số đơn vị")
    return vietnamese_layout(fig, title)


def progress_heatmap(cells: pd.DataFrame, unit_order: list[str], kpi_order: list[str], kpi_names: dict) -> go.Figure:
    """Units × KPIs, coloured by actual ÷ schedule (capped at 1.5) with the status symbol printed
    in every cell, so the grid reads without colour too."""
    grid = cells.pivot(index="unit_name", columns="kpi_id", values="progress_ratio").reindex(index=unit_order, columns=kpi_order)
    symbols = cells.pivot(index="unit_name", columns="kpi_id", values="status_label").reindex(index=unit_order, columns=kpi_order)
    hover = cells.assign(hover=[
        f"<b>{u}</b><br>{kpi_names.get(k, k)}<br>Thực tế: {a}<br>Lộ trình: {e}<br>Mục tiêu: {t}<br>{status_text(s)}"
        for u, k, a, e, t, s in zip(cells["unit_name"], cells["kpi_id"],
                                    cells["actual_value"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}".replace(".", ",")),
                                    cells["expected_value"].map(lambda v: "—" if pd.isna(v) else f"{v:.1f}".replace(".", ",")),
                                    cells["target_text"].fillna("—"), cells["status_label"])
    ]).pivot(index="unit_name", columns="kpi_id", values="hover").reindex(index=unit_order, columns=kpi_order)
    text = symbols.map(lambda s: STATUS_STYLE.get(s, ("", "", ""))[1] if isinstance(s, str) else "")
    fig = go.Figure(go.Heatmap(
        z=grid.clip(upper=1.5).values, x=[kpi_names.get(k, k)[:28] for k in kpi_order], y=unit_order,
        text=text.values, texttemplate="%{text}", textfont={"size": 12},
        customdata=hover.values, hovertemplate="%{customdata}<extra></extra>",
        colorscale=[[0, "#D55E00"], [0.33, "#E69F00"], [0.66, "#F7F7F7"], [1, "#0072B2"]], zmin=0, zmax=1.5,
        colorbar={"title": "Thực tế /<br>lộ trình", "tickvals": [0, 0.5, 1, 1.5], "ticktext": ["0", "0,5", "1", "≥ 1,5"]},
        xgap=1, ygap=1,
    ))
    fig.update_xaxes(side="top", tickangle=-35)
    fig.update_yaxes(autorange="reversed")
    fig = vietnamese_layout(fig, None, height=160 + 22 * len(unit_order))
    fig.update_layout(margin={"l": 10, "r": 10, "t": 160, "b": 10})
    return fig


def side_by_side(rows: pd.DataFrame, kpi_names: dict) -> go.Figure:
    """Small multiples: one panel per KPI, the chosen units as bars on one shared scale."""
    from plotly.subplots import make_subplots

    kpis = list(dict.fromkeys(rows["kpi_id"]))
    columns = 3
    fig = make_subplots(rows=(len(kpis) + columns - 1) // columns, cols=columns, shared_xaxes=True,
                        subplot_titles=[kpi_names.get(k, k)[:45] for k in kpis], vertical_spacing=0.08)
    for index, kpi_id in enumerate(kpis):
        panel = rows[rows["kpi_id"] == kpi_id]
        fig.add_trace(go.Bar(
            y=panel["unit_name"].map(short_unit_name), x=panel["actual_value"], orientation="h",
            marker_color=[STATUS_STYLE.get(s, ("#999999",))[0] for s in panel["status_label"]],
            text=[("—" if pd.isna(v) else f"{v:.0f}") + " " + STATUS_STYLE.get(s, ("", "", ""))[1]
                  for v, s in zip(panel["actual_value"], panel["status_label"])],
            textposition="auto", showlegend=False,
            hovertemplate="%{y}: %{x:.1f}<extra></extra>",
        ), row=index // columns + 1, col=index % columns + 1)
    fig.update_xaxes(range=[0, 105])
    fig.update_annotations(font_size=12)
    return vietnamese_layout(fig, None, height=max(260, 210 * ((len(kpis) + columns - 1) // columns)))


def requests_by_office(offices: pd.DataFrame, answer_days: int, limit: int = 10) -> go.Figure:
    """The offices with the most unanswered requests: waiting, and of those past the rule-5 days."""
    top = offices[offices["unanswered_count"] > 0].head(limit)
    names = [short_unit_name(str(n)) for n in top["office_name"]]
    fig = go.Figure([
        go.Bar(y=names, x=top["unanswered_count"] - top["overdue_count"], orientation="h", name=f"chờ ≤ {answer_days} ngày",
               marker_color=style("request_state", "da_giao")[0],
               hovertemplate="%{y}: %{x} chờ trả lời chưa quá hạn<extra></extra>"),
        go.Bar(y=names, x=top["overdue_count"], orientation="h", name=f"quá {answer_days} ngày",
               marker_color=RULE_COLOURS.get(5, "#56B4E9"), marker_pattern_shape="/",
               text=[f"{n:,} chờ · {o:,} quá hạn".replace(",", ".") for n, o in zip(top["unanswered_count"], top["overdue_count"])],
               textposition="outside", cliponaxis=False,
               hovertemplate=f"%{{y}}: %{{x}} chờ quá {answer_days} ngày<extra></extra>"),
    ])
    fig.update_layout(barmode="stack")
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title="Số kiến nghị chờ trả lời", range=[0, max(int(top["unanswered_count"].max() if len(top) else 1), 1) * 1.8])
    fig = vietnamese_layout(fig, "Cơ quan có nhiều kiến nghị chờ trả lời nhất", height=120 + 34 * max(len(top), 1))
    fig.update_layout(showlegend=True, legend={"orientation": "h", "y": -0.15})
    return fig
