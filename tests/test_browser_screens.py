"""Leaders' screens as they are really seen, in Debian's chromium at 1440×900, 1920×1080
(projector) and 390×844 (phone): click drill-downs, the URL round trip, the as-of date typed and
applied with Enter, meeting keys, the phone's one column, and printing to A4.
Screenshots go to tests/screenshots/ for a person to look at."""
from __future__ import annotations

import io
import re

import pytest

from nq57 import views
from tests import browser_checks
from tests.test_browser import CHROMIUM, SCREENSHOTS, browser, server, wait_idle  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

DESKTOP, PROJECTOR, PHONE = {"width": 1440, "height": 900}, {"width": 1920, "height": 1080}, {"width": 390, "height": 844}
LEADER_PAGES = ["?as_of=2025-12-31", "ho-so-don-vi?unit=xa-nha-bich", "chi-tieu", "canh-bao-do", "so-sanh",
                browser_checks.compare_tab(1), browser_checks.compare_tab(2)]


def opened(browser, server, path: str, viewport: dict):
    page = browser.new_page(viewport=viewport)
    page.goto(f"{server}/{path}")
    wait_idle(page)
    return page


def click_centre(page, locator, dx: float = 0.5, dy: float = 0.5) -> None:
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    page.mouse.click(box["x"] + box["width"] * dx, box["y"] + box["height"] * dy)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def count_in(text: str, pattern: str) -> int:
    return int(re.search(pattern, text).group(1).replace(".", ""))


def test_a_grade_bar_filters_the_league_table_and_the_link_keeps_it(server, browser):
    page = opened(browser, server, "?as_of=2025-12-31", DESKTOP)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    grades = page.locator(".js-plotly-plot").nth(0)
    bar_text = grades.locator(".bars .point").nth(4).locator("text").text_content()
    click_centre(page, grades.locator(".bars .point path").nth(4), dy=0.9)  # grade E
    wait_idle(page)
    assert "league_grade=" in page.url
    caption = page.get_by_text("bấm một dòng để mở hồ sơ").inner_text()
    assert count_in(caption, r"([\d.]+) đơn vị") == count_in(bar_text, r"([\d.]+) đơn vị")
    shot(page, "loc-xep-loai")
    # the link reopens the same filter in a new tab
    again = opened(browser, server, page.url.split("/", 3)[3], DESKTOP)
    assert again.get_by_text("bấm một dòng để mở hồ sơ").inner_text() == caption
    page.close()
    again.close()


def test_a_rule_bar_opens_the_red_flags_of_that_rule_on_the_same_day(server, browser):
    page = opened(browser, server, "?as_of=2025-12-31", DESKTOP)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    rules = page.locator(".js-plotly-plot").nth(1)
    flags = count_in(rules.locator(".bars .point").first.locator("text").text_content(), r"([\d.]+)")  # rule 1's bar
    click_centre(page, rules.locator(".bars .point path").first, dx=0.2)  # rule 1
    page.wait_for_url("**/canh-bao-do?*", timeout=30_000)
    wait_idle(page, "cảnh báo ·")
    assert "flag_rules=" in page.url and "as_of=2025-12-31" in page.url
    body = page.inner_text('[data-testid="stMain"]')
    assert "31/12/2025" in body
    assert count_in(body, r"\n([\d.]+) cảnh báo ·") == flags
    shot(page, "canh-bao-do-theo-quy-tac")
    page.close()


def test_a_league_row_opens_the_units_profile(server, browser):
    page = opened(browser, server, "?as_of=2025-12-31", DESKTOP)
    table = page.locator('.st-key-overview_league [data-testid="stDataFrame"]')
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)  # the first row's selection marker
    page.wait_for_url("**/ho-so-don-vi?unit=*", timeout=30_000)
    wait_idle(page, "Hồ sơ ")
    assert "as_of=2025-12-31" in page.url
    page.close()


def test_the_compare_pages_choices_come_back_from_a_link(server, browser):
    # bound widgets carry what the reader sees (labels), so a link is readable; the open tab too
    path = browser_checks.compare_tab(2, [("as_of", "2025-12-31"), ("league_kind", "Phường"),
                                          ("side_units", "xã Nha Bích"), ("side_units", "xã Phước An")])
    page = opened(browser, server, path, DESKTOP)
    # the panels come on the rerun the bound widgets start: on a loaded machine after the first idle
    wait_idle(page, "Chỉ tiêu so sánh")
    body = page.inner_text('[data-testid="stMain"]')
    assert "Chỉ tiêu so sánh" in body and "xã Nha Bích" in body and "xã Phước An" in body
    page.reload()
    wait_idle(page, "Chỉ tiêu so sánh")
    body = page.inner_text('[data-testid="stMain"]')
    assert "Chỉ tiêu so sánh" in body and "xã Nha Bích" in body and "xã Phước An" in body
    page.get_by_role("tab", name="Bảng xếp hạng").click()
    wait_idle(page, "đơn vị · thay đổi thứ hạng")
    assert count_in(page.inner_text('[data-testid="stMain"]'), r"\n([\d.]+) đơn vị · thay đổi thứ hạng") == 23
    assert "league_kind=" in page.url  # the first tab, the default, leaves the link as it was
    page.close()


def test_the_why_red_pick_outlives_a_visit_to_another_tab(server, browser):
    """Only the open tab is drawn, and a widget not drawn loses its state: the red cell picked
    under the heatmap is kept in the link, so it is still there after the side-by-side tab."""
    page = opened(browser, server, browser_checks.compare_tab(1, as_of="2026-03-31"), DESKTOP)
    # typing opens the list filtered (a click on the field only focused it)
    page.locator(".st-key-why_red input").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Tam Phước")
    page.get_by_role("listbox").first.wait_for(state="visible", timeout=30_000)
    options = page.get_by_role("option")
    picked = options.last.inner_text().strip()
    assert picked.startswith("phường Tam Phước · ")
    options.last.click()
    wait_idle(page, f"{picked} — ")
    page.get_by_role("tab", name="Đặt cạnh nhau").click()
    wait_idle(page, "Chỉ tiêu so sánh")
    page.get_by_role("tab", name="Bản đồ nhiệt").click()
    wait_idle(page, "Chọn một ô đỏ")
    assert page.locator(".st-key-why_red input").input_value() == picked
    assert f"{picked} — " in page.inner_text('[data-testid="stMain"]')  # its reasons, not the first cell's
    page.close()


def test_the_plan_filter_is_in_the_link_and_comes_back(server, browser, demo_db_path):
    from urllib.parse import urlencode

    from nq57 import db

    with db.connect(demo_db_path) as con:
        flags = db.query_view(con, "red_flags", as_of="2025-12-31", filters={"plan_id": "nha-bich-nq57"})
    assert len(flags), "the demo gives Nha Bích's plan red flags at 31/12/2025"
    # the link carries the plan's name as the reader sees it, like the other filters
    path = "canh-bao-do?" + urlencode([("as_of", "2025-12-31"), ("flag_plans", "KH xã Nha Bích")])
    page = opened(browser, server, path, DESKTOP)
    wait_idle(page, "cảnh báo ·")
    main = page.locator('[data-testid="stMain"]')
    assert count_in(main.inner_text(), r"\n([\d.]+) cảnh báo ·") == len(flags)
    assert "KH xã Nha Bích" in main.locator('[data-testid="stMultiSelect"]').all_inner_texts()[-1]
    # clearing it from the widget takes it out of the URL, and every flag of the day comes back
    with db.connect(demo_db_path) as con:
        every = db.query_view(con, "red_flags", as_of="2025-12-31")
    main.locator('[data-testid="stMultiSelect"]').last.get_by_role("button", name=re.compile("Clear|Xóa")).first.click()
    wait_idle(page)
    assert "flag_plans" not in page.url and "as_of=2025-12-31" in page.url
    assert count_in(main.inner_text(), r"\n([\d.]+) cảnh báo ·") == len(every)
    page.goto(page.url.split("?")[0] + "?" + urlencode([("as_of", "2025-12-31"), ("flag_plans", "KH xã Nha Bích")]))
    wait_idle(page, "cảnh báo ·")
    assert count_in(page.locator('[data-testid="stMain"]').inner_text(), r"\n([\d.]+) cảnh báo ·") == len(flags)
    page.close()


def test_a_typed_date_applies_on_enter(server, browser):
    page = opened(browser, server, "?as_of=2025-12-31", DESKTOP)
    page.locator('[data-testid="stDateInputField"] [role="spinbutton"]').first.click()
    page.keyboard.type("31102025")
    page.keyboard.press("Enter")
    wait_idle(page, "31/10/2025")
    assert "as_of=2025-10-31" in page.url
    page.close()


def test_meeting_keys_move_slides_and_a_reload_stays(server, browser):
    page = opened(browser, server, "so-sanh?as_of=2025-12-31&slide=1", PROJECTOR)
    page.keyboard.press("Escape")  # the deep link's stray modal (streamlit/streamlit#8860)
    value = page.locator('[data-testid="stMetricValue"]').first
    assert float(value.evaluate("e => getComputedStyle(e.querySelector('*') || e).fontSize")[:-2]) >= 24
    chart = page.locator(".js-plotly-plot").first.bounding_box()
    assert chart["height"] >= 450 and chart["y"] + chart["height"] <= 1080
    assert "bấm" not in page.inner_text('[data-testid="stMain"]').lower()
    shot(page, "trinh-chieu-phim")
    for key, slide in [("ArrowRight", 2), ("PageDown", 3), ("PageUp", 2), ("ArrowRight", 3)]:
        page.keyboard.press(key)
        wait_idle(page, f"trang {slide}/")
        assert f"slide={slide}" in page.url
    cell = page.locator('[data-testid="stTable"] td').first
    assert float(cell.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 24
    page.reload()
    wait_idle(page, "trang 3/")
    assert "cuối bảng" in page.locator("h1").first.inner_text()
    page.close()


@pytest.mark.parametrize("path", LEADER_PAGES)
def test_every_leaders_page_is_one_column_on_a_phone(server, browser, path):
    page = opened(browser, server, path, PHONE)
    # Plotly draws after the script is idle, later still on a loaded machine: wait for a chart
    # (the compare page's first tab, the league table, has none)
    page.wait_for_selector('[data-testid="stDataFrame"]' if path == "so-sanh" else '[data-testid="stPlotlyChart"] .main-svg',
                           timeout=60_000)
    page.wait_for_timeout(500)
    widths = page.evaluate("""() => { const main = document.querySelector('[data-testid="stMain"]');
        return [document.documentElement.scrollWidth, main.scrollWidth, main.clientWidth]; }""")
    assert widths[0] <= PHONE["width"] and widths[1] <= widths[2], widths
    charts = [box for box in (c.bounding_box() for c in page.locator('[data-testid="stPlotlyChart"]').all()) if box]
    if not path.startswith(("so-sanh", "canh-bao-do")):  # pages with headline figures show them first
        assert page.locator('[data-testid="stMetric"]').first.bounding_box()["y"] < min(b["y"] for b in charts)
    # every chart fits, or sits in a box of its own that fits and scrolls sideways
    assert page.evaluate("""w => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(chart => {
        const fits = e => e.getBoundingClientRect().left >= -1 && e.getBoundingClientRect().right <= w + 1;
        if (fits(chart) || chart.getBoundingClientRect().width === 0) return true;
        for (let e = chart.parentElement; e; e = e.parentElement) {
            if (getComputedStyle(e).overflowX === "auto" && fits(e)) return true;
        }
        return false; })""", PHONE["width"])
    for box in (t.bounding_box() for t in page.locator('[data-testid="stDataFrame"]').all()):  # scrolls inside itself
        assert box is None or box["x"] + box["width"] <= PHONE["width"] + 1  # None: in a tab not shown
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": PHONE["width"], "height": min(height, 6000)})
    page.wait_for_timeout(800)
    shot(page, "dien-thoai-" + browser_checks.page_name(path))
    page.close()


def test_printing_gives_a4_pages_without_the_sidebar(server, browser):
    from pypdf import PdfReader

    page = opened(browser, server, "?as_of=2025-12-31", DESKTOP)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    page.emulate_media(media="print")
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    # A4 is 595,3 × 841,9 points
    assert all(abs(float(p.mediabox.width) - 595.3) < 2 and abs(float(p.mediabox.height) - 841.9) < 2 for p in pdf.pages)
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Tổng quan tỉnh Đồng Nai" in text and "Số liệu tính đến ngày" not in text  # the sidebar's label
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "in-tong-quan.pdf").write_bytes(page.pdf(format="A4", print_background=True))
    page.close()


@pytest.mark.parametrize("view", ["unit_scorecard", "red_flags", "task_progress", "kpi_progress", "units", "kpis", "targets"])
def test_the_export_preview_shows_labels_not_codes(server, browser, view):
    """A leader reads each coded column (unit kind, status, rule, grade …) by its label on the
    export page's table, never its code or a 'Mã …' column beside the label; the files keep them."""
    from nq57 import exports, labels

    page = opened(browser, server, "xuat-du-lieu?as_of=2026-03-31", DESKTOP)
    if view != "unit_scorecard":  # the page opens on the scorecard
        # the page's own choice, not the sidebar's (a choice there left the scorecard on screen)
        # click the option itself once the list is open: typed keys sent before the list had
        # opened were lost on a slow machine (CI) and the scorecard stayed on screen
        page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').first.click()
        page.get_by_role("listbox").first.wait_for(state="visible", timeout=30_000)
        page.keyboard.type(f"({view})")  # the list filtered to the one option (it may draw only some)
        page.get_by_role("option").filter(has_text=f"({view})").first.click(timeout=30_000)
        wait_idle(page)
    page.wait_for_function("""v => [...document.querySelectorAll('[data-testid=stMain] [data-testid=stSelectbox] *')]
        .some(e => (e.value || e.textContent || '').includes('(' + v + ')'))""", arg=view, timeout=30_000)
    page.wait_for_selector('[data-testid="stDataFrame"] table th', state="attached", timeout=30_000)
    headers, cells = browser_checks.grid_texts(page)
    coded = exports.CATALOGUE_CODED.get(view) or views.REGISTRY[view].accepted
    # headers of the code columns (but a header its label column shares: grade and its label, "Xếp loại")
    code_headers = ({exports.header(view, c) for c in coded}
                    - {exports.header(view, exports.label_column(c)) for c in coded})
    by_domain = {}
    for x in labels.read_seed():
        by_domain.setdefault(x.domain, {})[x.code] = x.label
    # codes a reader could take for words ("ward", "hoan_thanh", "canh_bao_do"), not rule numbers 1–5
    codes = {code for domain in coded.values() for code, label in by_domain[domain].items()
             if not code.isdigit() and code != label}  # "=" reads "=" and is no code to a reader
    shown_labels = {by_domain[domain][code] for domain in coded.values() for code in by_domain[domain]}
    page.close()
    assert not code_headers & set(headers), f"code columns on screen: {sorted(code_headers & set(headers))} in {headers}"
    assert not codes & cells, f"codes on screen: {sorted(codes & cells)}"
    assert shown_labels & cells, f"no label of {sorted(set(coded.values()))} on screen: {headers}"
    key = "kpi_id" if view == "kpis" else "unit_id"
    assert exports.header(view, key) in headers  # the table is drawn, columns and all


@pytest.mark.parametrize("viewport", [PROJECTOR, DESKTOP, PHONE], ids=["1920", "1440", "390"])
def test_chart_titles_take_one_line_where_the_width_allows(server, browser, viewport):
    """The overview's trend title took two lines at 1920 px: titles were broken for a phone's width
    everywhere. Now each title wraps only where its width runs out, and never runs past it."""
    page = opened(browser, server, "?as_of=2025-12-31", viewport)
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    page.wait_for_timeout(800)
    titles = browser_checks.chart_titles(page)
    problems = browser_checks.needlessly_wrapped_titles(page)
    overflow = browser_checks.overflowing_texts(page)
    page.close()
    assert len(titles) >= 3, titles  # grades, rules, trend (the tiles' title is hidden on a phone)
    assert not problems, "\n".join(problems)
    assert not overflow, "\n".join(overflow)
    assert all(t["natural"] <= t["room"] or t["lines"] > 1 for t in titles), titles  # too long: it wraps
    if viewport is PROJECTOR:  # every title of the overview fits one line there, the trend's included
        assert all(t["lines"] == 1 for t in titles), titles


@pytest.mark.parametrize("viewport", [{"width": 1024, "height": 768}, DESKTOP, PROJECTOR], ids=["1024", "1440", "1920"])
def test_no_unit_tiles_name_runs_into_the_next(server, browser, viewport):
    """Tiles that fill the chart's width print 12 px names: a laptop window of 1024 px squeezed
    twelve of them into 560 px ("Nam Cát TiênNhơn Trạch"). The grid keeps the width they need
    and scrolls sideways instead."""
    page = opened(browser, server, "?as_of=2025-12-31", viewport)
    tiles = page.locator(".st-key-unit_tiles .js-plotly-plot")
    tiles.scroll_into_view_if_needed()
    tiles.locator(".textpoint text").first.wait_for(timeout=30_000)
    width = tiles.bounding_box()["width"]
    overlapping = [p for p in browser_checks.overflowing_texts(page) if "label «" in p]
    page.close()
    assert width >= 940, width
    assert not overlapping, "\n".join(overlapping[:5])


def test_a_chart_wider_than_a_phone_says_it_scrolls_sideways(server, browser):
    """The profile's timeline keeps 720 px on a 390 px phone: half of it on screen read as the
    whole. A line above it says to swipe; a desktop does not need it."""
    content = ("() => { const chart = document.querySelector('[class*=st-key-wide_chart]');"
               " return chart ? getComputedStyle(chart, '::before').content : null; }")

    def hint(viewport: dict, shown: bool) -> str:
        page = opened(browser, server, "ho-so-don-vi?unit=xa-nha-bich", viewport)
        # on a busy machine the page was idle before the tasks tab drew the chart and its style
        page.wait_for_function(f"() => {{ const said = ({content})(); return said !== null"
                               + (" && said !== 'none'" if shown else "") + "; }", timeout=30_000)
        said = page.evaluate(content)
        page.close()
        return said

    said, unsaid = hint(PHONE, shown=True), hint(DESKTOP, shown=False)
    assert "Vuốt ngang" in said and "Vuốt ngang" not in unsaid, (said, unsaid)
