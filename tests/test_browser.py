"""Each page in a real browser: Playwright driving Debian's chromium against a live server.
Screenshots go to tests/screenshots/ (git-ignored) for a person to look at."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest

from tests import browser_checks
from tests.live_server import start_server, stop_server

PROJECT = Path(__file__).resolve().parent.parent
SCREENSHOTS = PROJECT / "tests" / "screenshots"
CHROMIUM = shutil.which("chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

SECRETARY, PASSWORD = "van-phong", "mat-khau-du-dai-123"
HOSTILE_NAME = "xã Tân An <script>window.__xss = 1</script>"
HOSTILE_NOTE = '<img src=x onerror="window.__xss = 2"> **đậm**'

PAGES = [
    # (url path, texts that must show, number of Plotly charts)
    ("?as_of=2025-12-31", ["Tổng quan tỉnh Đồng Nai", "31/12/2025", "Dữ liệu minh họa", "Bảng xếp hạng"], 4),
    ("ho-so-don-vi?unit=xa-nha-bich&as_of=2026-03-31", ["Hồ sơ xã Nha Bích", "Thứ hạng", "31/03/2026"], 1),
    ("chi-tieu?kpi=dvc-toan-trinh", ["Chỉ tiêu trên toàn tỉnh", "Toàn tỉnh (cộng tử số, mẫu số)"], 3),
    ("canh-bao-do?as_of=2025-12-31", ["Cảnh báo đỏ", "cảnh báo ·", "Tải Excel"], 1),
    ("so-sanh", ["So sánh đơn vị", "Bảng xếp hạng", "Bản đồ nhiệt", "Đặt cạnh nhau", "đơn vị · thay đổi thứ hạng"], 0),
    (browser_checks.compare_tab(1), ["Bản đồ nhiệt: đơn vị × chỉ tiêu", "Vì sao đỏ"], 1),
    (browser_checks.compare_tab(2), ["Chọn 2–6 đơn vị", "Chỉ tiêu so sánh"], 1),
    ("xuat-du-lieu", ["Xuất dữ liệu", "Tải Excel"], 0),
    ("nhap-bao-cao", ["Nhập báo cáo", "Cần đăng nhập để nhập báo cáo", "Đăng nhập"], 0),
    ("nop-bao-cao", ["Tình hình nộp báo cáo", "Đơn vị chưa nộp", "Đề nghị các đơn vị sau"], 1),
    ("lich-su-nhap", ["Lịch sử nhập báo cáo", "Chỉ văn phòng hoặc quản trị được hoàn tác"], 0),
    ("kien-nghi", ["Khó khăn, vướng mắc và kiến nghị", "Chờ trả lời", "kiến nghị ·", "Thời gian chờ"], 1),
]


SERVER_LOG = Path(tempfile.gettempdir()) / f"nq57_browser_server_{os.getpid()}.log"


def server_log_tail(chars: int = 2000) -> str:
    """The end of the Streamlit server's output, so a failure in CI says what the server saw."""
    try:
        return SERVER_LOG.read_text(errors="replace")[-chars:]
    except OSError:
        return "(no server log)"


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    database = tmp_path_factory.mktemp("browser") / "nq57.duckdb"
    shutil.copy(demo_db_path, database)
    # hostile text in a name and a note: it must show as text everywhere and never run
    import duckdb
    con = duckdb.connect(str(database))
    con.execute("update units set name = ? where unit_id = 'xa-tan-an'", [HOSTILE_NAME])
    con.execute("update task_updates set difficulties = ? where unit_id = 'xa-tan-an'", [HOSTILE_NOTE])
    con.execute("insert into request_items (unit_id, kind, text, text_key, period, raised_by, raised_at, source) "
                "values ('xa-tan-an', 'kho_khan', ?, 'x', date '2026-10-01', 'test', timestamp '2026-10-20 09:00', "
                "'direct')", [HOSTILE_NOTE])
    from nq57 import auth
    auth.add_user(con, SECRETARY, "secretariat", PASSWORD, by="system:tests")
    con.close()
    process, base = start_server(database, SERVER_LOG)
    yield base
    stop_server(process)
    SERVER_LOG.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("path, texts, chart_count", PAGES)
def test_page_renders_in_a_browser(server, browser, path, texts, chart_count):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{server}/{path}")
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    page.wait_for_timeout(500)
    for text in texts:
        try:
            page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=30_000)
        except Exception:
            pytest.fail(f"'{text}' is not on {path}")
    body = page.inner_text("body")
    assert "Traceback" not in body
    if "Page not found" in body:
        # Streamlit's known deep-link glitch (streamlit/streamlit#8860, #9992): on the first
        # load of a non-default page a stray modal shows above the right page. Dismiss it.
        page.keyboard.press("Escape")
    if chart_count:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
        assert page.locator(".js-plotly-plot").count() >= chart_count
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{browser_checks.page_name(path)}.png"), full_page=True)
    page.close()


def filled_report(demo_db_path: Path, tmp_path: Path) -> Path:
    import io

    import openpyxl

    from nq57 import db, templates

    with db.connect(demo_db_path) as con:
        raw = templates.report_template_bytes(con, "xa-nha-bich", "2026-10")
    workbook = openpyxl.load_workbook(io.BytesIO(raw))
    sheet = workbook["Chỉ tiêu"]
    for row in range(4, sheet.max_row + 1):
        sheet.cell(row, 9).value = 42
        sheet.cell(row, 12).value = "Báo cáo số 12/BC-UBND ngày 05/11/2026"
    path = tmp_path / "bao_cao_nha_bich_10_2026.xlsx"
    workbook.save(path)
    return path


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_idle(page, text: str | None = None) -> None:
    """Wait until the page has drawn `text` (if given) and the script has stayed idle for half a
    second. A deep link runs the script twice; a click between the runs lands on a widget that
    the second run replaces (a deferred download's file id is dropped, so no file comes)."""
    page.wait_for_timeout(300)
    if text:
        page.wait_for_function("t => document.body.innerText.includes(t)", arg=text, timeout=60_000)
    for _ in range(20):
        page.wait_for_selector(IDLE, timeout=60_000)
        page.wait_for_timeout(500)
        if page.locator(IDLE).count():
            break
    if "Page not found" in page.inner_text("body"):
        page.keyboard.press("Escape")  # streamlit/streamlit#8860: stray modal on a deep link
        page.wait_for_timeout(300)


def signed_in_page(browser, server: str, path: str, **options):
    """A new browser (its own cookies) signed in on the sign-in page, then sent on to `path`."""
    page = browser.new_context(**options).new_page()
    page.goto(f"{server}/dang-nhap?next=/{path}")
    page.fill("#name", SECRETARY)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/{path}", timeout=30_000)
    return page


def test_upload_rejects_a_bad_file_then_commits_a_good_one(server, browser, demo_db_path, tmp_path):
    page = signed_in_page(browser, server, "nhap-bao-cao", viewport={"width": 1600, "height": 1200})
    wait_idle(page, "Chọn tệp Excel")
    bad = tmp_path / "bao_cao.xlsx"
    bad.write_text("Mã đơn vị;Giá trị\nxa-nha-bich;80\n", encoding="utf-8")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.get_by_text("bị từ chối").wait_for(timeout=30_000)
    wait_idle(page)
    assert "không phải tệp Excel .xlsx" in page.inner_text("body")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "nhap-bao-cao-tu-choi.png"), full_page=True)

    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(filled_report(demo_db_path, tmp_path)))
    page.get_by_text("Tệp hợp lệ").wait_for(timeout=30_000)
    wait_idle(page)
    wait_idle(page)
    page.screenshot(path=str(SCREENSHOTS / "nhap-bao-cao-xem-truoc.png"), full_page=True)
    page.get_by_role("button", name="Ghi nhận báo cáo").click()
    page.get_by_text("Đã ghi nhận").wait_for(timeout=30_000)
    # "lúc" with the time, not the day alone
    assert re.search(r"Đã ghi nhận 1 đợt báo cáo lúc \d{2}/\d{2}/\d{4} \d{2}:\d{2}", page.inner_text("body"))
    # the next click (another item for the evidence) keeps the evidence step: the committed file
    # was checked again and read "đã được nhập trước đây", and the step was gone
    wait_idle(page, "Đính kèm tệp minh chứng")
    page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').last.click()  # "Mục", the last box
    page.get_by_role("listbox").first.wait_for(state="visible", timeout=30_000)
    page.get_by_role("option").nth(1).click(timeout=30_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert "Đính kèm tệp minh chứng" in body and "đã được nhập trước đây" not in body
    assert "Ghi nhận báo cáo" not in [b.strip() for b in page.locator("button").all_inner_texts()]
    page.close()


def test_a_request_sent_leaves_its_box_empty_in_the_browser(server, browser):
    """The text of a request just sent stayed in the box, ready to be sent again (removing the
    field's value after it was drawn left the browser's box as it was; AppTest saw it empty)."""
    page = signed_in_page(browser, server, "kien-nghi", viewport={"width": 1440, "height": 900})
    wait_idle(page, "Nêu khó khăn, kiến nghị mới")
    page.get_by_text("Nêu khó khăn, kiến nghị mới").click()
    box = page.get_by_label("Nội dung", exact=True)
    box.fill("Thiếu kinh phí mua máy chủ thử nghiệm")
    page.keyboard.press("Tab")
    wait_idle(page)
    page.get_by_role("button", name="Gửi", exact=True).click()
    wait_idle(page, "Đã ghi nhận kiến nghị số")
    if not page.get_by_label("Nội dung", exact=True).is_visible():
        page.get_by_text("Nêu khó khăn, kiến nghị mới").click()
    assert page.get_by_label("Nội dung", exact=True).input_value() == ""
    page.close()


def test_meeting_mode_in_a_browser(server, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{server}/so-sanh")
    wait_idle(page)
    page.get_by_role("button", name="Chế độ trình chiếu").click()
    page.get_by_text("Toàn cảnh tỉnh Đồng Nai").wait_for(timeout=30_000)
    wait_idle(page)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    page.screenshot(path=str(SCREENSHOTS / "trinh-chieu-1.png"))
    page.get_by_role("button", name="Tiếp ▶").click()
    page.get_by_text("10 đơn vị dẫn đầu").wait_for(timeout=30_000)
    wait_idle(page)
    assert "Số liệu tính đến ngày" in page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / "trinh-chieu-2.png"))
    page.close()


@pytest.mark.parametrize("path", ["ho-so-don-vi?unit=xa-tan-an", "so-sanh", browser_checks.compare_tab(1),
                                  browser_checks.compare_tab(2), "canh-bao-do", "kien-nghi"])
def test_html_in_names_and_notes_shows_as_text(server, browser, path):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(f"{server}/{path}")
    wait_idle(page)
    page.wait_for_timeout(1000)
    assert page.evaluate("typeof window.__xss") == "undefined"
    if path.startswith("ho-so"):
        page.wait_for_function("t => document.body.innerText.includes(t)", arg="<script>", timeout=30_000)
        page.get_by_role("tab", name="Khó khăn, kiến nghị").click()
        wait_idle(page, "Kiến nghị chờ trả lời")  # the tab is drawn by the rerun its click starts
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert page.get_by_text("Kiến nghị chờ trả lời").count()  # the unit's count, from the requests view
        page.screenshot(path=str(SCREENSHOTS / "html-nhu-van-ban.png"))
    page.close()


def test_clicking_a_unit_tile_opens_its_profile(server, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.goto(server)
    wait_idle(page)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    tiles = page.locator(".js-plotly-plot").nth(3)
    tiles.scroll_into_view_if_needed()
    point = tiles.locator(".scatterlayer .point").first
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/ho-so-don-vi?unit=*", timeout=30_000)
    page.wait_for_function("() => document.body.innerText.includes('Hồ sơ ')", timeout=30_000)
    page.close()


@pytest.mark.parametrize("path, button, sheet", [
    ("nhap-bao-cao", "Tải mẫu Excel", "Chỉ tiêu"),
    ("xuat-du-lieu", "Tải Excel (.xlsx)", "unit_scorecard"),
])
def test_files_built_on_click_download_as_workbooks(server, browser, tmp_path, path, button, sheet):
    """Templates and exports are built when the button is clicked, not on every visit: the
    click must still give a real workbook."""
    import openpyxl

    page = signed_in_page(browser, server, path, viewport={"width": 1600, "height": 1200}, accept_downloads=True)
    wait_idle(page, button)
    try:
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=button).click()
    except Exception:
        pytest.fail(f"no file after clicking '{button}'. Page: {page.inner_text('body')[-600:]!r}\n"
                    f"Server log: {server_log_tail()}")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    assert sheet in openpyxl.load_workbook(saved, read_only=True).sheetnames
    page.close()


def test_export_downloads_vietnamese_excel_and_contract_csv(server, browser, tmp_path):
    """Readers get the Excel file with the headers they saw on screen; analysts get the CSV of
    `python -m nq57 export`, contract column names unchanged."""
    import openpyxl

    page = signed_in_page(browser, server, "xuat-du-lieu?as_of=2026-03-31", viewport={"width": 1600, "height": 1200},
                          accept_downloads=True)
    wait_idle(page, "Tải CSV (tên cột gốc)")
    files = {}
    for button in ("Tải Excel (.xlsx)", "Tải CSV (tên cột gốc)"):
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name=button).click()
        files[button] = tmp_path / download.value.suggested_filename
        download.value.save_as(files[button])
        wait_idle(page)  # the click reruns the script, which replaces the other button
    sheet = openpyxl.load_workbook(files["Tải Excel (.xlsx)"], read_only=True)["unit_scorecard"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:4] == ["Mã đơn vị", "Đơn vị", "Mã loại đơn vị", "Số nhiệm vụ"], header
    assert "completion_rate" not in header
    csv_header = files["Tải CSV (tên cột gốc)"].read_text(encoding="utf-8").splitlines()[0]
    assert csv_header.startswith("unit_id,unit_name,unit_kind,tasks_total,"), csv_header
    page.close()


def test_sign_in_lasts_through_reload_bookmark_and_new_tab(server, browser):
    page = signed_in_page(browser, server, "nhap-bao-cao?as_of=2026-10-31", viewport={"width": 1440, "height": 900})
    wait_idle(page, "Nộp tệp đã điền")
    assert SECRETARY in page.inner_text('[data-testid="stSidebar"]')
    page.reload()
    wait_idle(page, "Nộp tệp đã điền")
    bookmark = page.context.new_page()  # a new tab on a bookmarked protected page
    bookmark.goto(f"{server}/lich-su-nhap")
    wait_idle(bookmark, "Hoàn tác một đợt")
    assert "Đăng xuất" in bookmark.inner_text('[data-testid="stSidebar"]')
    cookie = next(c for c in page.context.cookies() if c["name"] == "nq57_session")
    assert cookie["httpOnly"] and page.evaluate("document.cookie").find("nq57_session") == -1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dang-nhap-xong.png"))
    # signing out in one tab ends the session in the other at its next click
    bookmark.get_by_role("button", name="Đăng xuất").click()
    wait_idle(bookmark, "Đăng nhập")
    page.reload()
    wait_idle(page, "Cần đăng nhập để nhập báo cáo")
    page.context.close()


def test_a_replayed_streamlit_session_id_is_not_signed_in(server, browser, tmp_path):
    """The session id travels in upload URLs; a browser without the cookie that reconnects with
    it must come up as nobody."""
    page = signed_in_page(browser, server, "nhap-bao-cao", viewport={"width": 1440, "height": 900})
    wait_idle(page, "Chọn tệp Excel")
    stolen = []
    page.on("request", lambda request: stolen.append(request.url) if "/_stcore/upload_file/" in request.url else None)
    junk = tmp_path / "x.xlsx"
    junk.write_bytes(b"not a workbook")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(junk))
    page.get_by_text("bị từ chối").wait_for(timeout=30_000)
    session_id = stolen[0].split("/_stcore/upload_file/")[1].split("/")[0]
    attacker = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    # every websocket this page opens asks to rejoin the stolen session (third subprotocol entry)
    attacker.add_init_script("""(stolen => {
        const Original = window.WebSocket;
        window.__replayed = [];
        window.WebSocket = function (url, protocols) {
            if (Array.isArray(protocols)) { protocols = [protocols[0], protocols[1] || "", stolen]; }
            window.__replayed.push(protocols);
            return new Original(url, protocols);
        };
        Object.assign(window.WebSocket, Original);
        window.WebSocket.prototype = Original.prototype;
    })(%r)""" % session_id)
    attacker.goto(f"{server}/nhap-bao-cao")
    wait_idle(attacker, "Cần đăng nhập để nhập báo cáo")
    assert attacker.evaluate("window.__replayed.length") >= 1
    assert attacker.evaluate("window.__replayed[0][2]") == session_id
    assert SECRETARY not in attacker.inner_text("body")
    page.context.close()
    attacker.context.close()


def test_upload_of_a_workbook_with_a_cell_at_xfd1048576_is_refused_and_the_server_lives(server, browser,
                                                                                        demo_db_path, tmp_path):
    """Issue #16: this file used to abort the server (python-calamine asked for 512 GB)."""
    from tests.test_hostile_files import with_cell

    hostile = tmp_path / "bao_cao_xfd.xlsx"
    hostile.write_bytes(with_cell(filled_report(demo_db_path, tmp_path).read_bytes(), "XFD1048576"))
    page = signed_in_page(browser, server, "nhap-bao-cao", viewport={"width": 1600, "height": 1200})
    wait_idle(page, "Chọn tệp Excel")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(hostile))
    page.get_by_text("bị từ chối").wait_for(timeout=60_000)
    wait_idle(page)
    body = page.inner_text("body")
    assert "XFD1048576" in body and "nằm ngoài vùng dữ liệu cho phép" in body
    assert "Connection error" not in body and "Traceback" not in body
    page.context.close()
    assert urllib.request.urlopen(f"{server}/_stcore/health", timeout=10).status == 200
    overview = browser.new_page(viewport={"width": 1600, "height": 1000})
    overview.goto(f"{server}/")
    overview.get_by_text("Tổng quan tỉnh Đồng Nai").wait_for(timeout=60_000)
    overview.close()


VIEWPORTS = {"may-tinh": {"width": 1440, "height": 900}, "dien-thoai": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_requests_page_overview_count_and_pack_section_at_desktop_and_phone_size(server, browser, tmp_path, size):
    """Issue #15 in a real browser: the Kiến nghị page, the overview's count and the meeting pack's
    section of open requests, at 1440×900 and 390×844; screenshots for a person to look at."""
    from pypdf import PdfReader

    viewport = VIEWPORTS[size]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport=viewport)
    page.goto(f"{server}/kien-nghi?as_of=2026-11-25")
    wait_idle(page, "Thời gian chờ")
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    body = page.inner_text("body")
    assert "Cơ quan xử lý" in body and "Chờ quá 30 ngày" in body and "Traceback" not in body
    page.screenshot(path=str(SCREENSHOTS / f"kien-nghi-{size}.png"))
    page.get_by_text("kiến nghị ·").first.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / f"kien-nghi-danh-sach-{size}.png"))
    page.goto(f"{server}/?as_of=2026-11-25")
    wait_idle(page, "Kiến nghị chờ trả lời")
    page.get_by_text("Kiến nghị chờ trả lời").first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"tong-quan-kien-nghi-{size}.png"))
    page.close()

    page = signed_in_page(browser, server, "so-sanh?as_of=2026-11-25", viewport=viewport, accept_downloads=True)
    wait_idle(page, "Gói tài liệu cuộc họp")
    page.get_by_text("Gói tài liệu cuộc họp").first.click()
    page.get_by_text("kiến nghị đang mở theo cơ quan xử lý").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Tạo gói tài liệu").click()
    page.get_by_role("button", name="Tải PDF").wait_for(timeout=240_000)
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Tải PDF").click()
    wait_idle(page)
    page.get_by_role("button", name="Tải PDF").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / f"goi-tai-lieu-{size}.png"))
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(saved).pages).split())
    assert "Khó khăn, kiến nghị đang mở theo cơ quan xử lý" in text and "chờ trả lời" in text
    page.close()
