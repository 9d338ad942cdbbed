"""Plotly figures for the pages: Vietnamese number formats, large type for a projector, and
colours from a colour-blind-safe palette (Okabe–Ito) that always come with a text label."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

# Grade and status colours; the letter or the label is always printed too.
GRADE_COLOURS = {"A": "#009E73", "B": "#56B4E9", "C": "#F0E442", "D": "#E69F00", "E": "#D55E00"}
GRADE_MEANING = {"A": "A (≥ 90 điểm)", "B": "B (80–89)", "C": "C (70–79)", "D": "D (50–69)", "E": "E (< 50)"}
RULE_COLOURS = {1: "#D55E00", 2: "#E69F00", 3: "#CC79A7", 4: "#0072B2"}
FONT_SIZE = 16


def vietnamese_layout(fig: go.Figure, title: str | None = None, height: int = 380) -> go.Figure:
    fig.update_layout(
        title=title,
        separators=",.",  # decimal comma, thousands dot: 1.234,5
        template="plotly_white",
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
    labels = [f"Quy tắc {r}: {label}" for r, label in zip(flags["rule"], flags["rule_label"])]
    fig = go.Figure(go.Bar(
        y=labels,
        x=flags["flag_count"],
        orientation="h",
        marker_color=[RULE_COLOURS[int(r)] for r in flags["rule"]],
        text=[f"{n:,} cảnh báo · {u} đơn vị".replace(",", ".") for n, u in zip(flags["flag_count"], flags["units_flagged"])],
        textposition="auto",
        customdata=flags["units_flagged"],
        hovertemplate="%{y}<br>%{x} cảnh báo ở %{customdata} đơn vị<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="Số cảnh báo đỏ", rangemode="tozero")
    return vietnamese_layout(fig, "Cảnh báo đỏ theo quy tắc")

COMPLIANCE_COLOURS = {"Đúng hạn": "#009E73", "Trễ hạn": "#E69F00", "Chưa nộp": "#D55E00", "Chưa đến hạn": "#999999"}
COMPLIANCE_ICONS = {"Đúng hạn": "✔", "Trễ hạn": "⏱", "Chưa nộp": "✖", "Chưa đến hạn": "…"}


def compliance_bar(counts: pd.Series) -> go.Figure:
    labels = [label for label in COMPLIANCE_COLOURS if counts.get(label, 0)]
    fig = go.Figure(go.Bar(
        x=[int(counts.get(label, 0)) for label in labels],
        y=[f"{COMPLIANCE_ICONS[label]} {label}" for label in labels],
        orientation="h",
        marker_color=[COMPLIANCE_COLOURS[label] for label in labels],
        text=[f"{int(counts.get(label, 0))} đơn vị" for label in labels],
        textposition="auto",
        hovertemplate="%{y}: %{x} đơn vị<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title="Số đơn vị", rangemode="tozero")
    return vietnamese_layout(fig, "Tình hình nộp báo cáo", height=260)
