"""The meeting pack's charts: matplotlib (Agg) figures as PNG bytes, in DejaVu Sans, the font that
ships inside matplotlib and covers Vietnamese, so the output never depends on the machine's fonts."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from nq57.palette import GRADE_COLOURS, RULE_COLOURS
from nq57.vnformat import vn_number


def font_paths() -> tuple[Path, Path]:
    """DejaVu Sans regular and bold from matplotlib's own data folder (Vietnamese glyphs included)."""
    import matplotlib

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"


def _pyplot():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def _chart_style() -> dict:
    return {"font.family": "DejaVu Sans", "font.size": 10, "axes.spines.top": False,
            "axes.spines.right": False, "savefig.dpi": 150}


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def _vn_axis(value, _position=None) -> str:
    return vn_number(value, 0)


def grade_chart(scorecard: pd.DataFrame, grade_bands: pd.DataFrame) -> bytes:
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    grades = list(GRADE_COLOURS)
    counts = [int((scorecard["grade"] == g).sum()) for g in grades]
    with plt.rc_context(_chart_style()):
        fig, ax = plt.subplots(figsize=(7.5, 3.2))
        bars = ax.bar(grades, counts, color=[GRADE_COLOURS[g] for g in grades], edgecolor="#333333")
        top = max(counts + [1])
        for bar, grade, count in zip(bars, grades, counts):
            x = bar.get_x() + bar.get_width() / 2
            ax.text(x, count + top * 0.02, f"{grade}: {count} đơn vị", ha="center", va="bottom", fontweight="bold")
            if count:
                ax.text(x, count / 2, grade, ha="center", va="center", fontsize=16, fontweight="bold", color="#111111")
        ax.set_ylim(0, top * 1.2)
        ax.set_ylabel("Số xã, phường")
        bands = dict(zip(grade_bands["grade"], grade_bands["band_label"]))
        ax.set_xticks(range(len(grades)), [f"{g} ({bands[g]})" for g in grades])
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(_vn_axis))
        ax.set_title("Xã, phường theo xếp loại", fontweight="bold")
        return _png(fig)


def rule_chart(flags: pd.DataFrame) -> bytes:
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    by_rule = (flags.groupby(["rule", "rule_label"]).agg(flag_count=("unit_id", "size"),
                                                          units=("unit_id", "nunique"))
               .reset_index().sort_values("rule"))
    with plt.rc_context(_chart_style()):
        fig, ax = plt.subplots(figsize=(7.5, 0.8 + 0.7 * max(len(by_rule), 1)))
        if len(by_rule):
            labels = [f"Quy tắc {int(r)}\n{label}" for r, label in zip(by_rule["rule"], by_rule["rule_label"])]
            counts = by_rule["flag_count"].astype(int).tolist()
            ax.barh(labels, counts, color=[RULE_COLOURS.get(int(r), "#999999") for r in by_rule["rule"]])
            for y, (count, units) in enumerate(zip(counts, by_rule["units"])):
                ax.text(count + max(counts) * 0.01, y, f"{vn_number(count)} cảnh báo · {vn_number(units)} đơn vị",
                        va="center")
            ax.set_xlim(0, max(counts) * 1.45)
            ax.invert_yaxis()
        else:
            ax.text(0.5, 0.5, "Không có cảnh báo đỏ tại ngày này.", ha="center", va="center", transform=ax.transAxes)
            ax.set_yticks([])
        ax.xaxis.set_major_formatter(FuncFormatter(_vn_axis))
        ax.set_xlabel("Số cảnh báo đỏ")
        ax.set_title("Cảnh báo đỏ theo quy tắc", fontweight="bold")
        return _png(fig)


def top_bottom_chart(scorecard: pd.DataFrame, n: int = 10) -> bytes:
    plt = _pyplot()

    ordered = scorecard.sort_values("rank", kind="stable")
    top, bottom = ordered.head(n), ordered.tail(n) if len(ordered) > n else ordered.iloc[0:0]
    bottom = bottom[~bottom["unit_id"].isin(top["unit_id"])]
    with plt.rc_context(_chart_style()):
        fig, axes = plt.subplots(2, 1, figsize=(7.5, 1.6 + 0.62 * (len(top) + len(bottom))), sharex=True,
                                 height_ratios=[max(len(top), 1), max(len(bottom), 1)])
        for ax, rows, title in ((axes[0], top, f"{len(top)} đơn vị dẫn đầu"),
                                (axes[1], bottom, f"{len(bottom)} đơn vị cuối bảng")):
            labels = [f"{int(r)}. {name}" for r, name in zip(rows["rank"], rows["unit_name"])]
            scores = rows["score"].fillna(0).tolist()
            ax.barh(labels, scores, color=[GRADE_COLOURS.get(g, "#999999") for g in rows["grade"]], edgecolor="#333333")
            for y, (score, grade) in enumerate(zip(scores, rows["grade"])):
                ax.text(score + 1, y, f"{vn_number(score, 1)} · {grade}", va="center", fontsize=9)
            ax.set_xlim(0, 118)
            ax.invert_yaxis()
            ax.set_title(title, fontweight="bold")
        axes[1].set_xlabel("Điểm")
        fig.tight_layout()
        return _png(fig)
