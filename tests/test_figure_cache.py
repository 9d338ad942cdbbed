"""Built figures are kept (issue #12: building them was most of a warm page switch), keyed by
the whole content of the rows they draw, so a change anywhere in the rows draws it anew."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from components import charts
from components.figure_cache import cached

BUILT: list[int] = []


@cached
def bars(rows: pd.DataFrame, title: str) -> go.Figure:
    BUILT.append(len(rows))
    return go.Figure(go.Bar(x=rows["unit"], y=rows["value"]), layout={"title": title})


def frame(size: int) -> pd.DataFrame:
    return pd.DataFrame({"unit": [f"xa-{i}" for i in range(size)], "value": range(size)})


def test_equal_rows_reuse_the_figure_and_other_rows_build_a_new_one():
    BUILT.clear()
    first = bars(frame(95), "Điểm")
    assert bars(frame(95), "Điểm") is first and BUILT == [95]
    changed = frame(95)
    changed.loc[94, "value"] = 1000
    assert bars(changed, "Điểm") is not first and list(bars(changed, "Điểm").data[0].y)[-1] == 1000
    assert bars(frame(95), "Điểm khác") is not first and len(BUILT) == 3


def test_a_change_past_streamlits_sample_of_a_large_frame_is_drawn():
    BUILT.clear()
    big = frame(60_000)
    before = bars(big, "Lớn")
    big.loc[59_999, "value"] = -1  # Streamlit's own hash looks at 10.000 of these rows only
    assert list(bars(big, "Lớn").data[0].y)[-1] == -1 and before is not bars(big, "Lớn")


def test_rows_holding_lists_are_keyed_too():
    rows = pd.DataFrame({"unit": ["a", "b"], "value": [1, 2], "kpis": [["x"], ["y", "z"]]})
    first = bars(rows, "Danh sách")
    assert bars(rows.copy(), "Danh sách") is first
    other = rows.assign(kpis=[["x"], ["y"]])
    assert bars(other, "Danh sách") is not first


def test_rows_holding_arrays_are_keyed_by_content_not_by_object():
    # DuckDB's list columns arrive as numpy arrays beside arrow strings; a slice of such a frame
    # pickled otherwise than its copy (what components/data.view hands out), so a figure was
    # built again on every visit
    rows = pd.DataFrame({"unit": [f"xa-{i}" for i in range(10)], "value": range(10),
                         "kpis": [np.array(["x"] * (i % 3), dtype=object) for i in range(10)]}).iloc[3:]
    first = bars(rows, "Mảng")
    assert bars(rows.copy(), "Mảng") is first
    other = rows.assign(kpis=[np.array(["y"], dtype=object)] * len(rows))
    assert bars(other, "Mảng") is not first


def test_the_pages_builders_are_cached():
    flags = pd.DataFrame({"rule": [1, 2], "rule_label": ["Quá hạn", "Chậm"], "flag_count": [3, 4],
                          "units_flagged": [2, 1]})
    assert charts.flags_by_rule(flags) is charts.flags_by_rule(flags.copy())
