"""Every page as a leader, an office and a phone see it (1440×900, 1920×1080 projector, 390×844
phone) in Debian's chromium: no English word, no text outside its chart or cut in its cell,
colour never the only signal, heatmap cells in the colour of the status they print, and a click
on a heatmap cell opens its reasons. Screenshots go to tests/screenshots/vietnamese/ for a person."""
from __future__ import annotations

import re
import shutil

import pytest

from tests import browser_checks
from tests.live_server import start_server, stop_server
from tests.test_browser import CHROMIUM, SCREENSHOTS, SERVER_LOG
from tests.test_browser import browser  # noqa: F401  (the shared module-scoped chromium fixture)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

ADMIN, PASSWORD = "quan-tri", "mat-khau-du-dai-123"
VIEWPORTS = {"1440x900": (1440, 900), "1920x1080": (1920, 1080), "390x844": (390, 844)}
PAGES = ["?as_of=2025-12-31", "ho-so-don-vi?unit=xa-nha-bich&as_of=2026-03-31", "chi-tieu", "canh-bao-do", "so-sanh",
         browser_checks.compare_tab(1, as_of="2026-03-31"), browser_checks.compare_tab(2),
         "chuoi-ke-hoach", "kien-nghi",
         "xuat-du-lieu", "nhap-bao-cao", "nop-bao-cao", "lich-su-nhap", "tham-dinh", "tai-khoan", "nhat-ky"]
# pages that show more once signed in (the uploader, the review queue, accounts, the audit log, the pack)
SIGNED_IN_PAGES = ["nhap-bao-cao", "tham-dinh", "tai-khoan", "nhat-ky", "lich-su-nhap", "so-sanh"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SHOTS = SCREENSHOTS / "vietnamese"


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    from nq57 import auth, db

    database = tmp_path_factory.mktemp("screens") / "nq57.duckdb"
    shutil.copy(demo_db_path, database)
    with db.connect(database) as con:
        auth.add_user(con, ADMIN, "admin", PASSWORD, by="system:tests")
    process, base = start_server(database, SERVER_LOG)
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def signed_in_state(server, browser):
    """The signed cookie of an admin, signed in once on the sign-in page."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/dang-nhap?next=/")
    page.fill("#name", ADMIN)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/", timeout=30_000)
    state = context.storage_state()
    context.close()
    return state


def test_the_sign_in_page_asks_for_an_empty_field_in_vietnamese(server, browser):
    """Sending the form with a field empty showed the browser's own bubble: "Please fill out this
    field" in an English browser."""
    page = browser.new_page(locale="en-US")
    page.goto(f"{server}/dang-nhap?next=/")
    page.click("button[type=submit]")
    assert page.eval_on_selector("#name", "f => f.validationMessage") == "Hãy nhập tên đăng nhập."
    page.fill("#name", ADMIN)
    page.click("button[type=submit]")
    assert page.eval_on_selector("#name", "f => f.validationMessage") == ""  # typed: valid again
    assert page.eval_on_selector("#password", "f => f.validationMessage") == "Hãy nhập mật khẩu."
    assert page.url.endswith("/dang-nhap?next=/")  # nothing was sent
    page.close()


def ready(page) -> None:
    """Script idle for half a second and every chart drawn (as the benchmark counts ready)."""
    for _ in range(20):
        page.wait_for_selector(IDLE, timeout=90_000)
        page.wait_for_timeout(500)
        if page.locator(IDLE).count():
            break
    # drawn, and drawn at the width of their place (a chart is first drawn, then resized to fit)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')].every(c => {
        const plot = c.querySelector('.js-plotly-plot');
        if (!c.getBoundingClientRect().width) return true;  // in a tab not open
        return c.querySelector('svg.main-svg') && plot && plot._fullLayout &&
               Math.abs(plot._fullLayout.width - plot.getBoundingClientRect().width) < 3; })""", timeout=60_000)
    page.wait_for_timeout(700)  # the translating script and Plotly's last layout pass


def open_page(browser, server, path, viewport, state=None):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, storage_state=state)
    page = context.new_page()
    page.goto(f"{server}/{path}")
    ready(page)
    return page


def screenshot(page, name: str) -> None:
    """The whole page: the viewport grown to the height of Streamlit's scrolling main area."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    height = page.evaluate("() => Math.max(...[...document.querySelectorAll('[data-testid=stMain], section.main, body')]"
                           ".map(e => e.scrollHeight))")
    page.set_viewport_size({"width": width, "height": min(max(height, 600), 12_000)})
    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def name_of(path: str, viewport: str, signed_in: bool) -> str:
    return f"{browser_checks.page_name(path)}{'-dang-nhap' if signed_in else ''}-{viewport}"


CASES = ([(path, viewport, False) for viewport in VIEWPORTS for path in PAGES]
         + [(path, viewport, True) for viewport in VIEWPORTS for path in SIGNED_IN_PAGES])


@pytest.mark.parametrize("path, viewport, signed_in", CASES,
                         ids=[name_of(*case) for case in CASES])
def test_page_is_vietnamese_fits_and_never_speaks_by_colour_alone(server, browser, signed_in_state, path, viewport,
                                                                   signed_in):
    page = open_page(browser, server, path, viewport, signed_in_state if signed_in else None)
    if signed_in:
        # the sidebar's account box is redrawn on the rerun that a URL-bound widget can start just
        # after the page is idle: wait for it rather than read it once (still fails if signed out)
        page.get_by_text("Đăng xuất", exact=True).first.wait_for(state="attached", timeout=20_000)
    body = page.inner_text("body")
    assert "Traceback" not in body and "Connection error" not in body
    problems = {"English": browser_checks.english_words(page),
                "overflow": browser_checks.overflowing_texts(page),
                "colour only": browser_checks.colour_only_signals(page),
                "title wrapped": browser_checks.needlessly_wrapped_titles(page)}
    screenshot(page, name_of(path, viewport, signed_in))
    page.context.close()
    assert not any(problems.values()), "\n".join(f"{kind}: {p}" for kind, found in problems.items() for p in found)


def test_the_uploader_says_the_real_limit_in_vietnamese(server, browser, signed_in_state):
    page = open_page(browser, server, "nhap-bao-cao", "1440x900", signed_in_state)
    dropzone = page.locator('[data-testid="stFileUploaderDropzone"]').first.inner_text()
    # the server's limit (maxUploadSize) is the importer's max_upload_mb: 20, not Streamlit's 200
    assert "Tối đa 20 MB mỗi tệp" in dropzone and "Tải lên" in dropzone, dropzone
    assert browser_checks.english_words(page) == []
    page.context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_heatmap_cells_have_the_colour_of_the_status_they_print(server, browser, viewport):
    page = open_page(browser, server, browser_checks.compare_tab(1, as_of="2026-03-31"), viewport)
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=60_000)
    charts = page.locator(".js-plotly-plot")
    index = next(i for i in range(charts.count()) if charts.nth(i).locator(".heatmaplayer").count())
    heatmap = charts.nth(index)
    heatmap.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    problems = browser_checks.heatmap_colour_mismatches(page, index, page.screenshot())
    page.screenshot(path=str(SHOTS / f"ban-do-nhiet-{viewport}.png"))
    page.context.close()
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("symbol, says", [("✖", "Quy tắc"), ("✔", "Ô này không có cảnh báo đỏ")])
def test_clicking_a_heatmap_cell_opens_its_reasons(server, browser, symbol, says):
    page = open_page(browser, server, browser_checks.compare_tab(1, as_of="2026-03-31"), "1440x900")
    page.wait_for_selector(".js-plotly-plot .heatmaplayer", timeout=60_000)
    charts = page.locator(".js-plotly-plot")
    index = next(i for i in range(charts.count()) if charts.nth(i).locator(".heatmaplayer").count())
    charts.nth(index).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    cell = next(c for c in page.evaluate(browser_checks._HEATMAP_CELLS_JS, index) if c["symbol"] == symbol)
    page.mouse.click(cell["centre_x"], cell["y"])
    heading = f"{cell['row']} · "
    page.wait_for_function("t => document.body.innerText.includes(t)", arg=heading, timeout=30_000)
    ready(page)
    body = page.inner_text("body")
    reasons = body[body.index("Vì sao đỏ"):]
    assert heading in reasons and says in reasons, reasons[:600]
    page.screenshot(path=str(SHOTS / f"vi-sao-do-{'do' if symbol == '✖' else 'dat'}.png"))
    page.context.close()


def opened_popup(browser, server, button: str, popup: str, shot: str):
    """The overview with one of Streamlit's pop-ups opened (`button` clicked, `popup` shown),
    photographed; returns the page and the pop-up."""
    page = open_page(browser, server, "?as_of=2025-12-31", "1440x900")
    page.locator(button).click()
    shown = page.locator(popup)
    shown.wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / shot))
    return page, shown


def test_the_date_picker_is_vietnamese_and_starts_on_monday(server, browser):
    page, calendar = opened_popup(browser, server, '[data-testid="stDateInputCalendarButton"]',
                                  '[data-testid="stDateInputCalendar"]', "lich-chon-ngay.png")
    text = calendar.inner_text()
    assert browser_checks.english_words(page) == []
    weekdays = calendar.locator("th").all_inner_texts()
    assert weekdays and weekdays[0].strip().upper() in ("T2", "TH 2", "THỨ 2", "THỨ HAI"), weekdays
    assert "12" in text and "2025" in text
    page.context.close()


def test_the_main_menu_is_vietnamese(server, browser):
    """The ⋮ menu offered "Record screen" and "Made with Streamlit v1.67.0" in English."""
    page, menu = opened_popup(browser, server, '[data-testid="stMainMenu"] button',
                              '[data-testid="stMainMenuList"]', "menu-chinh.png")
    text = menu.inner_text()
    assert "Quay màn hình" in text and "In" in text.split("\n"), text
    assert browser_checks.english_words(page) == [], text
    page.context.close()


def test_a_table_columns_menu_and_statistics_are_vietnamese(server, browser):
    """A column's ⋮ menu offered "Statistics" with "Average 46.34", "Sum 4,402" and number formats
    "Dollar", "Scientific" …: the words are translated and the numbers written 46,34 and 4.402."""
    page = open_page(browser, server, "?as_of=2025-12-31", "1440x900")
    grid = page.locator('.st-key-overview_league [data-testid="stDataFrame"]')
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 18)  # the "Hạng" header, after the selection column
    page.wait_for_timeout(300)
    page.mouse.click(box["x"] + 75, box["y"] + 18)  # its ⋮
    statistics = page.get_by_text("Thống kê").first
    statistics.wait_for(timeout=10_000)
    item = statistics.bounding_box()
    page.mouse.move(item["x"] + 10, item["y"] + item["height"] / 2)
    metrics = page.locator('[data-testid="stDataFrameStatisticsMetrics"]')
    metrics.wait_for(timeout=10_000)
    page.wait_for_timeout(300)
    text = metrics.inner_text()
    page.screenshot(path=str(SHOTS / "cot-thong-ke.png"))
    assert "Trung bình" in text and "Độ lệch chuẩn" in text, text
    lines = text.split("\n")
    mean = lines[lines.index("Trung bình") + 1]
    assert re.fullmatch(r"\d+,\d+", mean), mean  # 46,34, not 46.34
    assert browser_checks.english_words(page) == [] and "Average" not in text and "Sum" not in lines, text
    page.context.close()
