"""The sign-in page, served by the same server as the dashboard (a Starlette route of st.App).

Only an HTTP response can set an HttpOnly cookie, so the password is posted here, checked by
nq57.auth (throttled per client), and answered with the signed session cookie and a redirect
back to the page the person came from. A cross-site form cannot post here: the form carries a
token that must match a SameSite=Strict cookie set when the form was shown.
"""
from __future__ import annotations

import html
import os
import secrets
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from nq57 import auth, db, web_sessions

# Imported by the launcher (app.py) before Streamlit's runtime exists, so this module imports no
# component that declares st.cache_data (each would log "No runtime found" in English).
SIGN_IN_PATH = "/dang-nhap"

CSRF_COOKIE = "nq57_sign_in_form"
# Behind a reverse proxy every request comes from the proxy's address; set this to 1 there so the
# throttle counts the browser's address that the proxy forwards (X-Forwarded-For, last hop).
TRUST_FORWARDED_ENV = "NQ57_TRUST_FORWARDED_FOR"

_PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập — Theo dõi Nghị quyết 57</title>
<style>
 body {{ font-family: "Source Sans Pro", "Noto Sans", system-ui, sans-serif; background: #f0f2f6; margin: 0;
        color: #262730; font-size: 18px; }}
 main {{ max-width: 420px; margin: 8vh auto; background: #fff; padding: 32px; border-radius: 12px;
        box-shadow: 0 2px 12px rgba(0,0,0,.08); }}
 h1 {{ font-size: 1.5rem; margin: 0 0 4px; }} p.sub {{ margin: 0 0 24px; color: #555; }}
 label {{ display: block; margin: 16px 0 6px; font-weight: 600; }}
 input {{ width: 100%; box-sizing: border-box; font-size: 1rem; padding: 10px 12px; border: 1px solid #bbb;
         border-radius: 8px; }}
 button {{ margin-top: 24px; width: 100%; font-size: 1.05rem; padding: 12px; border: 0; border-radius: 8px;
          background: #0072B2; color: #fff; font-weight: 600; cursor: pointer; }}
 .error {{ background: #fdecea; border-left: 4px solid #D55E00; padding: 10px 12px; margin: 0 0 8px; }}
 a {{ color: #0072B2; }}
</style></head>
<body><main>
<h1>Đăng nhập</h1>
<p class="sub">Bảng điều hành thực hiện Nghị quyết 57 — tỉnh Đồng Nai</p>
{error}
<form method="post" action="{action}">
 <input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="next" value="{next}">
 <label for="name">Tên đăng nhập</label>
 <input id="name" name="name" autocomplete="username" required value="{name}" autofocus
        data-empty="Hãy nhập tên đăng nhập.">
 <label for="password">Mật khẩu</label>
 <input id="password" name="password" type="password" autocomplete="current-password" required
        data-empty="Hãy nhập mật khẩu.">
 <button type="submit">Đăng nhập</button>
</form>
<script>
 // an empty field's bubble is the browser's own ("Please fill out this field" in an English one)
 for (const field of document.querySelectorAll("input[data-empty]")) {{
   field.addEventListener("invalid", () => field.setCustomValidity(field.validity.valueMissing ? field.dataset.empty : ""));
   field.addEventListener("input", () => field.setCustomValidity(""));
 }}
</script>
<p><a href="{back}">← Quay lại bảng điều hành (chỉ xem)</a></p>
</main></body></html>"""


def safe_next(target: str | None) -> str:
    """Only a path on this server: an absolute or protocol-relative address would make the
    sign-in page an open redirect."""
    target = (target or "/").strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def client_address(request: Request) -> str:
    if os.environ.get(TRUST_FORWARDED_ENV) == "1":
        forwarded = request.headers.get("x-forwarded-for", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.client.host if request.client else "unknown"


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "") == "https"


def _form(request: Request, next_path: str, name: str = "", error: str | None = None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    page = _PAGE.format(
        action=html.escape(SIGN_IN_PATH), csrf=token, next=html.escape(next_path), name=html.escape(name),
        back=html.escape(next_path), error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
    )
    response = HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})
    response.set_cookie(CSRF_COOKIE, token, max_age=3600, httponly=True, samesite="strict", secure=_is_https(request),
                        path=SIGN_IN_PATH)
    return response


def _sign_in(name: str, password: str, client: str) -> tuple[str, int]:
    path = db.database_path()
    with db.connect(path) as con:
        _, cookie, max_age = auth.start_web_session(con, name, password, web_sessions.cookie_secret(path), client=client)
    return cookie, max_age


async def sign_in(request: Request) -> Response:
    if request.method == "GET":
        return _form(request, safe_next(request.query_params.get("next")))
    form = await request.form()
    next_path = safe_next(str(form.get("next", "/")))
    name = str(form.get("name", ""))[:64]
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not secrets.compare_digest(expected, str(form.get("csrf", ""))):
        return _form(request, next_path, name, "Biểu mẫu đã hết hạn; hãy nhập lại tên và mật khẩu.", status=400)
    try:
        cookie, max_age = await run_in_threadpool(_sign_in, name, str(form.get("password", ""))[:1024],
                                                  client_address(request))
    except auth.AuthError as refusal:
        return _form(request, next_path, name, str(refusal), status=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(web_sessions.COOKIE_NAME, cookie, max_age=max_age, httponly=True, samesite="lax",
                        secure=_is_https(request), path="/")
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH)
    return response


ROUTES = [Route(SIGN_IN_PATH, sign_in, methods=["GET", "POST"])]
