"""Cached reads of the contract views for the pages.

Connections are short-lived and all opened the same way (DuckDB refuses to mix read-only and
read-write handles on one file inside a process, and Streamlit serves sessions on threads).

The cache key carries a data version (the newest batch, review and rollback), so a committed
upload shows on the next rerun in every session, and a stale figure is never served.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from nq57 import catalogue, db, demo


def ensure_database() -> None:
    """The first start on an empty database loads the real plans and the demo reports."""
    with db.connect() as con:
        if db.is_initialised(con):
            return
        with st.spinner("Đang khởi tạo cơ sở dữ liệu: nạp kế hoạch và dữ liệu minh họa…"):
            db.create_schema(con)
            catalogue.load_catalogue(con)
            demo.generate(con)


def data_version() -> tuple:
    with db.connect() as con:
        return con.execute(
            "select (select coalesce(max(batch_id), 0) from report_batches),"
            " (select count(*) from report_batches where rolled_back_at is not null),"
            " (select count(*) from evidence_reviews),"
            " (select count(*) from targets)"
        ).fetchall()[0]


@st.cache_data(show_spinner=False, max_entries=256)
def _read_view(view: str, as_of: date | None, filters: tuple, version: tuple) -> pd.DataFrame:
    with db.connect() as con:
        return db.query_view(con, view, as_of=as_of, filters=dict(filters) or None)


def view(view_name: str, as_of: date | None = None, **filters) -> pd.DataFrame:
    """Rows of a view as of a date; equality filters become SQL parameters."""
    return _read_view(view_name, as_of, tuple(sorted(filters.items())), data_version())


def has_demo_data() -> bool:
    return _has_demo(data_version())


@st.cache_data(show_spinner=False)
def _has_demo(version: tuple) -> bool:
    with db.connect() as con:
        return demo.has_demo_rows(con)
