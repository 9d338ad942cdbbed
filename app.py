"""The server: the dashboard (dashboard.py) plus the sign-in page, as one Streamlit app.

`streamlit run app.py` finds `app` below and serves it; the sign-in page is a plain route because
only an HTTP response can set the HttpOnly session cookie (components/sign_in_page.py). The page
Streamlit serves is put into Vietnamese on its way out (components/vietnamese_chrome.py).
"""
from contextlib import asynccontextmanager

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager

from components import sign_in_page, warm_up
from components.vietnamese_chrome import VietnameseChrome
from nq57 import db, first_start


# dashboard.py routes with st.navigation, which tells Streamlit to ignore the pages/ folder, but only
# once it has run: until then the first visit ran the folder as an old-style app, so the sidebar
# listed the page files in English and a bookmarked page got "Page not found" (streamlit#8860).
# Saying it before the first visit is what st.navigation itself does (commands/navigation.py).
PagesManager.uses_pages_directory = False


def where_to_open() -> str:
    """Where this server answers, as Streamlit's own (English) welcome said it, which
    .streamlit/config.toml hides: the address a deployment names, else this machine and its
    address on the local network (colleagues open that one)."""
    # Streamlit's own helpers (get_url adds the port and base path), imported once the server runs
    from streamlit import config, net_util
    from streamlit.web.server.server_util import get_url

    if config.is_manually_set("browser.serverAddress"):
        return get_url(config.get_option("browser.serverAddress"))
    address = config.get_option("server.address")
    if address and address not in {"0.0.0.0", "::"}:  # noqa: S104  (the wildcards: every address)
        return get_url(address)
    network = net_util.get_internal_ip()
    return get_url("localhost") + (f" (máy khác trong mạng nội bộ: {get_url(network)})" if network else "")


@asynccontextmanager
async def prepare_store(_app):
    """Before the first visitor: load the real plans on an empty database (the demo reports and
    stored figures follow in the background, with a banner on every page), and say in the server
    log how to create the first administrator while there is no account."""
    # this process is the dashboard from here on: its connections (the background work's too)
    # give way to the command line instead of claiming the file (nq57/db.py, nq57/filelock.py)
    db.keep_open(db.DASHBOARD_KEEP_OPEN_SECONDS)
    first_start.prepare(db.database_path(), background=True)
    warm_up.start()  # the imports and Plotly's validators, before the first visitor needs them
    print(f"Bảng điều hành đã chạy: mở {where_to_open()} trong trình duyệt (dừng máy chủ: Ctrl+C).", flush=True)
    yield
    first_start.stop_background()


app = st.App("dashboard.py", routes=sign_in_page.ROUTES, lifespan=prepare_store,
             middleware=[Middleware(VietnameseChrome)])
