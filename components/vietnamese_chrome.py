"""Vietnamese for the words Streamlit itself puts on screen (no option translates them): the HTML
page every route serves is rewritten on its way out — `lang="vi"`, a Vietnamese title and
<noscript> text, and vietnamese_chrome.js loaded before Streamlit's own scripts, which makes the
browser report Vietnamese (the date picker then names months and weekdays in Vietnamese and starts
the week on Monday) and translates the toolbar, uploader, mode-bar and accessibility texts; and
vietnamese_chrome.css, which lets Streamlit's metric labels wrap instead of cutting them.

An ASGI middleware (passed to st.App in app.py) rather than a patched Streamlit package: the
installed package stays untouched and an upgrade only needs the word list checked
(tests/test_browser_screens.py fails on any English word it finds)."""
from __future__ import annotations

import re
from pathlib import Path

SCRIPT = Path(__file__).with_suffix(".js").read_text(encoding="utf-8")
# layout fixes no option offers (text cut with an ellipsis)
STYLE = Path(__file__).with_suffix(".css").read_text(encoding="utf-8")
TITLE = "Theo dõi Nghị quyết 57 — Đồng Nai"
NOSCRIPT = "<noscript><p>Cần bật JavaScript trên trình duyệt để xem bảng điều hành này.</p></noscript>"


def rewrite_page(html: str) -> str:
    """The served page in Vietnamese: language, title, <noscript>, and the translating script
    as the first thing in <head>. Pages of our own (the sign-in page) are already Vietnamese."""
    if '<html lang="en">' not in html:
        return html
    html = html.replace('<html lang="en">', '<html lang="vi">', 1)
    html = re.sub(r"<title>.*?</title>", f"<title>{TITLE}</title>", html, count=1, flags=re.S)
    html = re.sub(r"<noscript>.*?</noscript>", NOSCRIPT, html, count=1, flags=re.S)
    return html.replace("<head>", f"<head>\n<script>{SCRIPT}</script>\n<style>{STYLE}</style>", 1)


class VietnameseChrome:
    """Rewrites every uncompressed HTML response (the page Streamlit serves for any route)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(("/_stcore", "/static", "/media", "/component")):
            await self.app(scope, receive, send)
            return
        # the page is rewritten as text, so it must not come compressed (it is 2 kB)
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]}
        start: dict = {}
        body = bytearray()

        async def capture(message):
            if message["type"] == "http.response.start":
                headers = {k.lower(): v for k, v in message.get("headers", [])}
                if b"text/html" in headers.get(b"content-type", b"") and b"content-encoding" not in headers:
                    start.update(message)
                    return
                await send(message)
            elif start and message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if not message.get("more_body"):
                    await self._send_rewritten(start, bytes(body), send)
            else:
                await send(message)

        await self.app(scope, receive, capture)

    @staticmethod
    async def _send_rewritten(start: dict, body: bytes, send) -> None:
        page = rewrite_page(body.decode("utf-8")).encode("utf-8")
        # the page changed, so the file's validators no longer describe it
        dropped = {b"content-length", b"etag", b"last-modified", b"cache-control"}
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in dropped]
        headers += [(b"content-length", str(len(page)).encode()), (b"cache-control", b"no-cache")]
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": page})
