"""Built Plotly figures kept between reruns and sessions (issue #12): building one took 20–240 ms
of a page's run (Plotly validates every property), the biggest part of a warm page switch.

A figure is keyed by its builder's code and the whole content of its arguments (the view rows
it draws), so a new import or another as-of date builds it anew and a stale figure is never
shown. A cached figure is shared: callers draw it as it is, or copy it (`go.Figure(fig)`) to
change it.
"""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import streamlit as st


def _plain(cell: object) -> object:
    """A cell holding a list or an array (DuckDB's list columns) as text that equal content
    always gives: pickling the frame did not (a copy of the frame pickled otherwise, so a page's
    figure drawn from a view with a list column was built again on every visit)."""
    if isinstance(cell, np.ndarray):
        return repr(cell.tolist())
    if isinstance(cell, (list, tuple, dict, set)):
        return repr(cell)
    return cell


def _content(rows: pd.DataFrame | pd.Series) -> bytes:
    """Every row, column name and type: Streamlit's own hash samples frames past 50.000 rows
    and warns on cells holding lists."""
    frame = rows if isinstance(rows, pd.DataFrame) else rows.to_frame()
    parts = [pickle.dumps((type(rows).__name__, tuple(frame.columns), tuple(map(str, frame.dtypes)))),
             pd.util.hash_pandas_object(frame.index).to_numpy().tobytes()]
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        try:
            hashed = pd.util.hash_pandas_object(column, index=False)
        except TypeError:  # cells holding lists or arrays
            hashed = pd.util.hash_pandas_object(column.map(_plain), index=False)
        parts.append(hashed.to_numpy().tobytes())
    return b"".join(parts)


def cached(builder):
    """`builder`, returning the figure it built before for equal arguments."""
    return st.cache_resource(show_spinner=False, max_entries=256,
                             hash_funcs={pd.DataFrame: _content, pd.Series: _content})(builder)
