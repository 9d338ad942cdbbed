"""Sign-in as an attacker tries it: guessing in parallel, locking a real user out, telling names
apart, forging or replaying a session; and the sign-in page served by the real server."""
from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from nq57 import auth, db, web_sessions
from tests.live_server import start_server, stop_server

PASSWORD = "mat-khau-du-dai-123"
NOW = datetime(2026, 11, 25, 9, 0)
PROJECT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def db_path(tmp_path) -> Path:
    path = tmp_path / "sign_in.duckdb"
    with db.connect(path) as con:
        db.create_schema(con)
        auth.add_user(con, "van-phong", "secretariat", PASSWORD, now=NOW, by="system:tests")
        auth.add_user(con, "lanh-dao", "leader", PASSWORD, now=NOW, by="system:tests")
    return path


@pytest.fixture()
def con(db_path):
    connection = duckdb.connect(str(db_path))
    yield connection
    connection.close()


def refused(con, name: str, password: str, client: str, now: datetime) -> str:
    with pytest.raises(auth.AuthError) as refusal:
        auth.authenticate(con, name, password, client=client, now=now)
    return str(refusal.value)


def test_wrong_password_unknown_name_and_throttle_read_the_same(con):
    messages = {refused(con, "van-phong", "sai", "10.0.0.9", NOW), refused(con, "khong-co-ai", "sai", "10.0.0.9", NOW)}
    for minute in range(4):
        messages.add(refused(con, "van-phong", "sai", "10.0.0.9", NOW + timedelta(minutes=minute)))
    # the sixth attempt from that machine is refused unjudged, even with the right password
    messages.add(refused(con, "van-phong", PASSWORD, "10.0.0.9", NOW + timedelta(minutes=5)))
    assert messages == {auth.WRONG_CREDENTIALS}


def test_a_guesser_cannot_lock_the_real_user_out(con):
    for minute in range(10):
        refused(con, "van-phong", "sai", "203.0.113.7", NOW + timedelta(minutes=minute))
    # the secretary at her own machine signs in at once; the guesser's machine waits its window out
    assert auth.authenticate(con, "van-phong", PASSWORD, client="10.1.1.5", now=NOW + timedelta(minutes=10)).role \
        == "secretariat"
    refused(con, "van-phong", PASSWORD, "203.0.113.7", NOW + timedelta(minutes=11))
    assert auth.authenticate(con, "van-phong", PASSWORD, client="203.0.113.7",
                             now=NOW + timedelta(minutes=9 + 16)).user_name == "van-phong"


def test_one_machine_cannot_try_every_name(con):
    for attempt in range(auth.MAX_CLIENT_FAILURES):
        refused(con, f"ten-{attempt}", "sai", "198.51.100.1", NOW)
    refused(con, "lanh-dao", PASSWORD, "198.51.100.1", NOW)
    assert auth.authenticate(con, "lanh-dao", PASSWORD, client="198.51.100.2", now=NOW).role == "leader"


def test_parallel_guesses_are_all_counted_and_at_most_five_judged(db_path):
    outcomes: list[str] = []

    def guess(number: int) -> None:
        with db.connect(db_path) as connection:
            try:
                auth.authenticate(connection, "van-phong", f"doan-{number}", client="192.0.2.50")
            except auth.AuthError as refusal:
                outcomes.append(str(refusal))
            except Exception as error:  # a raw TransactionException would be a failure
                outcomes.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [auth.WRONG_CREDENTIALS] * 20
    with db.connect(db_path) as connection:
        counts = dict(connection.execute(
            "select outcome, count(*) from sign_in_attempts group by outcome").fetchall())
        audited = connection.execute("select count(*) from audit_log where action = 'sign_in_failed'").fetchall()[0][0]
    assert sum(counts.values()) == 20 and audited == 20
    assert counts.get("failed", 0) <= auth.MAX_FAILED_ATTEMPTS
    assert counts.get("throttled", 0) >= 20 - auth.MAX_FAILED_ATTEMPTS


def test_a_session_cookie_is_signed_expires_and_is_revoked(con, db_path):
    secret = web_sessions.cookie_secret(db_path)
    assert (db_path.parent / web_sessions.SECRET_FILE_NAME).stat().st_mode & 0o077 == 0
    cookie, lifetime = web_sessions.create(con, "lanh-dao", secret, client="10.0.0.1", now=NOW)
    assert lifetime == 8 * 3600
    token = web_sessions.token_of(cookie, secret, lifetime)
    assert web_sessions.resolve(con, token, now=NOW + timedelta(hours=7)) == "lanh-dao"
    assert web_sessions.resolve(con, token, now=NOW + timedelta(hours=8, seconds=1)) is None  # expired
    assert web_sessions.token_of(cookie, "another-secret", lifetime) is None  # forged
    assert web_sessions.token_of(cookie[:-2] + "xx", secret, lifetime) is None  # altered
    assert web_sessions.token_of(cookie, secret, -1) is None  # signed too long ago
    assert con.execute("select count(*) from web_sessions where token_hash = ?", [token]).fetchall()[0][0] == 0, \
        "only a hash of the token is stored"
    auth.end_web_session(con, token, now=NOW)
    assert web_sessions.resolve(con, token, now=NOW) is None


def test_disabling_or_a_new_password_ends_every_session_of_the_account(con, db_path):
    secret = web_sessions.cookie_secret(db_path)
    tokens = [web_sessions.token_of(web_sessions.create(con, "van-phong", secret, now=NOW)[0], secret, 3600)
              for _ in range(2)]
    other = web_sessions.token_of(web_sessions.create(con, "lanh-dao", secret, now=NOW)[0], secret, 3600)
    auth.set_password(con, "van-phong", "mat-khau-moi-456", by="cli", now=NOW)
    assert [web_sessions.resolve(con, t, now=NOW) for t in tokens] == [None, None]
    assert web_sessions.resolve(con, other, now=NOW) == "lanh-dao"
    auth.disable_user(con, "lanh-dao", by="cli", now=NOW)
    assert web_sessions.resolve(con, other, now=NOW) is None


# --- the sign-in page on the real server ----------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sign_in_server")
    database = folder / "nq57.duckdb"
    with db.connect(database) as con:
        db.create_schema(con)
        from nq57 import catalogue
        catalogue.load_catalogue(con)
        auth.add_user(con, "van-phong", "secretariat", PASSWORD, by="system:tests")
    process, base = start_server(database, folder / "server.log")
    yield base, database
    stop_server(process)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def browser_like():
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    return opener, jar


def post_sign_in(opener, base: str, name: str, password: str, next_path: str = "/", csrf: str | None = None):
    page = opener.open(f"{base}/dang-nhap?next={urllib.parse.quote(next_path, safe='')}").read().decode()
    token = csrf if csrf is not None else page.split('name="csrf" value="')[1].split('"')[0]
    body = urllib.parse.urlencode({"csrf": token, "next": next_path, "name": name, "password": password}).encode()
    try:
        return opener.open(f"{base}/dang-nhap", data=body)
    except urllib.error.HTTPError as answer:
        return answer


def test_the_sign_in_page_sets_an_httponly_expiring_cookie_and_comes_back(server):
    base, database = server
    opener, _ = browser_like()
    page = opener.open(f"{base}/dang-nhap").read().decode()
    assert "Đăng nhập" in page and "Tên đăng nhập" in page and "Mật khẩu" in page and 'lang="vi"' in page
    answer = post_sign_in(opener, base, "van-phong", PASSWORD, "/nhap-bao-cao?as_of=2026-10-31")
    assert answer.status == 303 and answer.headers["location"] == "/nhap-bao-cao?as_of=2026-10-31"
    cookie = next(value for key, value in answer.headers.items() if key.lower() == "set-cookie"
                  and value.startswith(web_sessions.COOKIE_NAME + "="))
    assert "HttpOnly" in cookie and "Max-Age=28800" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    with db.connect(database, read_only=True) as con:
        assert con.execute("select user_name, client from web_sessions").fetchall() == [("van-phong", "127.0.0.1")]


def test_the_sign_in_page_refuses_alike_and_redirects_only_home(server):
    base, database = server
    wrong = post_sign_in(browser_like()[0], base, "van-phong", "sai-roi-nhe")
    unknown = post_sign_in(browser_like()[0], base, "khong-ton-tai", "sai-roi-nhe")
    assert wrong.status == unknown.status == 401
    bodies = [answer.read().decode() for answer in (wrong, unknown)]
    errors = [body.split('role="alert">')[1].split("</p>")[0] for body in bodies]
    assert errors[0] == errors[1] and "Sai tên đăng nhập hoặc mật khẩu" in errors[0]
    assert 'value="khong-ton-tai"' in bodies[1]
    forged = post_sign_in(browser_like()[0], base, "van-phong", PASSWORD, csrf="gia-mao")
    assert forged.status == 400 and "Biểu mẫu đã hết hạn" in forged.read().decode()
    for target in ["//evil.example/x", "https://evil.example/", "/\\evil.example"]:
        answer = post_sign_in(browser_like()[0], base, "van-phong", PASSWORD, target)
        assert answer.status == 303 and answer.headers["location"] == "/", target
    hostile = browser_like()[0].open(f"{base}/dang-nhap?next=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").read().decode()
    assert "<script>alert(1)" not in hostile


def test_a_lake_servers_cookie_secret_is_kept_in_the_shared_data_path(tmp_path, monkeypatch):
    """Replicas on one lake share NQ57_DATA_PATH, so a secret made there signs cookies every
    replica accepts; it never lands in the working directory (where a clone once carried one)."""
    shared, elsewhere = tmp_path / "lake-data", tmp_path / "cwd"
    shared.mkdir(), elsewhere.mkdir()
    monkeypatch.delenv(web_sessions.SECRET_ENV, raising=False)
    monkeypatch.setenv("NQ57_DATA_PATH", str(shared))
    monkeypatch.chdir(elsewhere)
    store = "ducklake:postgres:dbname=lake host=127.0.0.1 port=5432 user=postgres"
    first, second = web_sessions.cookie_secret(store), web_sessions.cookie_secret(store)
    assert first == second and len(first) >= 32
    assert (shared / web_sessions.SECRET_FILE_NAME).read_text(encoding="ascii").strip() == first
    assert (shared / web_sessions.SECRET_FILE_NAME).stat().st_mode & 0o077 == 0
    assert not list(elsewhere.iterdir())
