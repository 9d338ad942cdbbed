"""The server: the dashboard (dashboard.py) plus the sign-in page, as one Streamlit app.

`streamlit run app.py` finds `app` below and serves it; the sign-in page is a plain route because
only an HTTP response can set the HttpOnly session cookie (components/sign_in_page.py).
"""
from contextlib import asynccontextmanager

import streamlit as st

from components import sign_in_page
from nq57 import db, first_start


@asynccontextmanager
async def prepare_store(_app):
    """Before the first visitor: load the plans (and demo reports) on an empty database, and say
    in the server log how to create the first administrator while there is no account."""
    first_start.prepare(db.database_path())
    yield


app = st.App("dashboard.py", routes=sign_in_page.ROUTES, lifespan=prepare_store)
