"""Built Plotly figures kept between reruns and sessions (issue #12): building one took 20–240 ms
of a page's run (Plotly validates every property), the biggest part of a warm page switch.

A figure is keyed by its builder's code and the whole content of its arguments (the view rows
it draws), so a new import or another as-of date builds it anew and a stale figure is never
shown. A cached figure is shared: callers draw it as it is, or copy it (`go.Figure(fig)`) to
change it.
"""
from __future__ import annotations

import pickle

import pandas as pd
import streamlit as st


def _content(rows: pd.DataFrame | pd.Series) -> bytes:
    """Every row, column name and type: Streamlit's own hash samples frames past 50.000 rows
    and warns on cells holding lists (pickled here instead)."""
    try:
        values = pd.util.hash_pandas_object(rows, index=True).to_numpy().tobytes()
    except TypeError:
        values = pickle.dumps(rows)
    frame = rows if isinstance(rows, pd.DataFrame) else rows.to_frame()
    return pickle.dumps((type(rows).__name__, tuple(frame.columns), tuple(map(str, frame.dtypes)))) + values


def cached(builder):
    """`builder`, returning the figure it built before for equal arguments."""
    return st.cache_resource(show_spinner=False, max_entries=256,
                             hash_funcs={pd.DataFrame: _content, pd.Series: _content})(builder)
