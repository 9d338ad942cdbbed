"""What a person notices on a page in a real browser, as checks that browser tests share: English
words, text that overflows its chart or is cut in its cell, colour as the only signal, and heatmap
cells whose colour is not the status they print. Each check returns a list of problems (empty
when the page is right), so a test can assert it is empty and print what is wrong."""
from __future__ import annotations

import re

from nq57.palette import STYLE_BY_CODE


def compare_tab(tab: int, pairs: list[tuple[str, str]] = (), **params: str) -> str:
    """The link to one tab of the compare page (components/compare_views.TABS) with these query
    parameters (pairs: a parameter that repeats), as a reader sends it."""
    from urllib.parse import urlencode

    from components.compare_views import TABS

    return "so-sanh?" + urlencode([*pairs, *params.items(), ("compare_tab", TABS[tab])])


def page_name(path: str) -> str:
    """A page's screenshot name from its link: the url path, and the compare tab it opens."""
    from urllib.parse import parse_qs

    from components.compare_views import TABS

    tab = parse_qs(path.partition("?")[2]).get("compare_tab")
    return (path.split("?")[0] or "tong-quan") + (f"-the-{TABS.index(tab[0]) + 1}" if tab else "")

# The kept list: words from Streamlit, Plotly, the date picker and the uploader seen on our
# pages, and words our own data must never show. Matched as whole words, case-sensitive.
MONTHS = ["January", "February", "March", "April", "June", "July", "August", "September", "October",
          "November", "December"]
MONTH_ABBREVIATIONS = ["Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
            "Mon", "Tue", "Wed", "Fri", "Sat", "Sun"]  # not "Thu": Vietnamese ("thu gọn", "mùa thu")
ENGLISH_WORDS = MONTHS + MONTH_ABBREVIATIONS + WEEKDAYS + [
    "Deploy", "Upload", "Drag and drop", "Browse files", "Limit", "per file", "Page not found",
    "None", "NaN", "nan", "NaT", "null", "undefined", "True", "False", "sheet", "Sheet",
    "Skip to main content", "Sidebar", "Main menu", "Fullscreen", "Download", "Search", "Choose",
    "Selected", "Help for", "Zoom", "Pan", "Autoscale", "Reset", "Show", "Hide", "Clear", "Remove",
    "Running", "Rerun", "Settings", "Print", "Connecting", "Connection error", "No results",
    "App pages", "Copy to clipboard", "Today", "Previous", "Next", "Close", "Open", "Calendar",
    "Produced with", "Please", "Loading", "Error", "Warning", "View", "more", "less",
    "Record", "Made with", "Dismiss", "Scroll", "file upload", "available date", "Add files", "selected",
    "directories",
]
_ENGLISH = re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(ENGLISH_WORDS, key=len, reverse=True))
                      + r")(?![\w-])")
# "May" is a Vietnamese word too ("may mắn"): only as an English date ("May 2026", "May 5")
_MAY = re.compile(r"\bMay (\d{1,2}\b|\d{4}\b)")

_TEXTS_JS = """() => {
  const out = [];
  const skip = 'script,style,code,pre,[data-testid=stIconMaterial],[data-testid=stExpanderIcon],' +
               '[data-testid=stAlertDynamicIcon],.material-icons,[translate=no]';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || parent.closest(skip)) continue;
    const text = node.textContent.trim();
    if (text) out.push([parent.tagName.toLowerCase() + (parent.dataset.testid ? '.' + parent.dataset.testid : ''), text]);
  }
  for (const el of document.querySelectorAll('[title],[aria-label],[placeholder],[data-title],[alt]'))
    for (const name of ['title', 'aria-label', 'placeholder', 'data-title', 'alt']) {
      const value = el.getAttribute(name);
      if (value && !el.closest('code,pre')) out.push(['@' + name, value]);
    }
  out.push(['document.title', document.title]);
  return out;
}"""


def english_words_in(text: str) -> list[str]:
    """The words of the kept list in a text (a page's, a command's output, a file's)."""
    return [m.group(0) for m in list(_ENGLISH.finditer(text)) + list(_MAY.finditer(text))]


def english_words(page) -> list[str]:
    """Every English word of the kept list on the page: visible text, hidden text read aloud by
    screen readers, tooltips and accessibility labels."""
    return [f"{word!r} in {where}: {text[:120]!r}"
            for where, text in page.evaluate(_TEXTS_JS) for word in english_words_in(text)]


_OVERFLOW_JS = """() => {
  const problems = [];
  const box = el => el.getBoundingClientRect();
  const inside = (a, b) => a.left >= b.left - 1 && a.right <= b.right + 1 && a.top >= b.top - 1 && a.bottom <= b.bottom + 1;
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 &&
                            Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
  const name = el => (el.textContent || '').trim().slice(0, 60);
  document.querySelectorAll('.js-plotly-plot').forEach((chart, index) => {
    const frame = box(chart.querySelector('.main-svg') || chart);
    if (!frame.width) return;
    const texts = [...chart.querySelectorAll('svg text')].filter(t => (t.textContent || '').trim() && box(t).width);
    for (const t of texts)
      if (!inside(box(t), frame)) problems.push(`chart ${index + 1}: «${name(t)}» lies outside its chart`);
    // the title, the legend, annotations and axis titles must not sit on each other
    const blocks = [...chart.querySelectorAll('.gtitle, .legend .legendtext, .annotation-text, .xtitle, .ytitle, .cbtitle text')]
      .filter(t => (t.textContent || '').trim() && box(t).width);
    // ticks the figure names itself (tickvals/ticktext: the months of the data) must each be drawn:
    // Plotly hides a tick label that would run past the chart's edge, so the last month went missing
    const layout = chart._fullLayout || {};
    for (const key of Object.keys(layout).filter(k => /^[xy]axis\\d*$/.test(k))) {
      const axis = layout[key];
      if (!axis || axis.visible === false || axis.tickmode !== 'array' || !Array.isArray(axis.ticktext)) continue;
      const [low, high] = (axis.range || []).map(v => axis.r2l(v)).sort((a, b) => a - b);
      const drawn = [...chart.querySelectorAll(`.${axis._id}tick text`)]
        .filter(t => getComputedStyle(t).display !== 'none' && t.getAttribute('display') !== 'none' && box(t).width)
        .map(t => (t.textContent || '').trim());
      axis.ticktext.forEach((text, k) => {
        const at = axis.d2l((axis.tickvals || [])[k]);
        if (at >= low && at <= high && !drawn.includes(String(text).trim()))
          problems.push(`chart ${index + 1}: tick «${text}» of ${key} is not drawn`);
      });
    }
    for (let i = 0; i < blocks.length; i++)
      for (let j = i + 1; j < blocks.length; j++)
        if (overlap(box(blocks[i]), box(blocks[j])))
          problems.push(`chart ${index + 1}: «${name(blocks[i])}» overlaps «${name(blocks[j])}»`);
    // the values printed on points and bars must not sit on each other (two lines' latest values)
    const labels = [...chart.querySelectorAll('.textpoint text, .bartext')]
      .filter(t => (t.textContent || '').trim() && box(t).width && getComputedStyle(t).display !== 'none')
      .map(t => [t, box(t)]);
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++)
        if (overlap(labels[i][1], labels[j][1]))
          problems.push(`chart ${index + 1}: label «${name(labels[i][0])}» overlaps «${name(labels[j][0])}»`);
  });
  // HTML text cut with an ellipsis or clipped: metric labels and values, table cells, buttons, captions
  const cut = '[data-testid=stMetricLabel] *, [data-testid=stMetricValue], [data-testid=stMetricValue] *, ' +
              '[data-testid=stTable] td, [data-testid=stTable] th, .nq57-table td, .nq57-table th, button p, ' +
              '[data-testid=stCaptionContainer], ' +
              '[data-testid=stMarkdownContainer] p';
  for (const el of document.querySelectorAll(cut)) {
    const style = getComputedStyle(el);
    if (!el.clientWidth || style.visibility === 'hidden') continue;
    const clips = style.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(style.overflowX);
    if (clips && el.scrollWidth > el.clientWidth + 1)
      problems.push(`«${name(el)}» is cut (${el.scrollWidth} px of text in ${el.clientWidth} px)`);
  }
  return problems;
}"""


def overflowing_texts(page) -> list[str]:
    """Text outside its chart, chart texts on top of each other, and HTML text cut off."""
    return page.evaluate(_OVERFLOW_JS)


_COLOUR_ONLY_JS = """() => {
  const problems = [];
  document.querySelectorAll('.js-plotly-plot').forEach((chart, index) => {
    const traces = (chart._fullData || []).filter(t => t.visible !== false);
    // lines told apart only by colour: two line traces with the same dash and marker
    const lines = traces.filter(t => t.type === 'scatter' && (t.mode || '').includes('lines') && t.showlegend !== false);
    const looks = new Map();
    for (const t of lines) {
      const look = (t.line || {}).dash + '|' + ((t.mode || '').includes('markers') ? (t.marker || {}).symbol : '');
      if (looks.has(look)) problems.push(`chart ${index + 1}: «${t.name}» and «${looks.get(look)}» differ only by colour`);
      else looks.set(look, t.name);
    }
    // points coloured one by one must each print a word or symbol, or differ in shape
    for (const t of traces) {
      if (t.type === 'heatmap') {
        const texts = (t.text || []).flat();
        if (!texts.length) problems.push(`chart ${index + 1}: heatmap cells without a symbol`);
        continue;
      }
      const colours = (t.marker || {}).color;
      if (!Array.isArray(colours) || new Set(colours).size < 2) continue;
      const labelled = Array.isArray(t.text) && t.text.length >= colours.length && t.text.every(x => String(x ?? '').trim());
      const shaped = Array.isArray((t.marker || {}).symbol) && new Set(t.marker.symbol).size > 1;
      if (!labelled && !shaped) problems.push(`chart ${index + 1}: «${t.name || t.type}» tells its points apart only by colour`);
    }
  });
  return problems;
}"""


def colour_only_signals(page) -> list[str]:
    """Charts where colour is the only way to tell two things apart: lines with the same dash
    and marker, points or bars coloured one by one with neither a label nor a shape."""
    return page.evaluate(_COLOUR_ONLY_JS)


_HEATMAP_CELLS_JS = """(chartIndex) => {
  const chart = document.querySelectorAll('.js-plotly-plot')[chartIndex];
  const data = chart._fullData.find(t => t.type === 'heatmap');
  const xa = chart._fullLayout.xaxis, ya = chart._fullLayout.yaxis;
  const frame = chart.querySelector('.main-svg').getBoundingClientRect();
  // Plotly's own axis mapping: category index -> pixel inside the plot area
  const px = c => frame.left + xa._offset + xa.c2p(c), py = r => frame.top + ya._offset + ya.c2p(r);
  const width = Math.abs(px(1) - px(0)), cells = [];
  // a chart wider than a phone scrolls in its own box: cells scrolled out of that box are not seen
  let left = -Infinity, right = Infinity;
  for (let e = chart.parentElement; e; e = e.parentElement) {
    if (getComputedStyle(e).overflowX !== 'visible') {
      const box = e.getBoundingClientRect();
      left = Math.max(left, box.left); right = Math.min(right, box.right);
    }
  }
  for (let r = 0; r < data.z.length; r++) for (let c = 0; c < data.z[r].length; c++) {
    const symbol = (data.text[r] || [])[c];
    if (!symbol) continue;
    // a point in the cell away from its printed symbol
    const x = px(c) - 0.35 * width;
    cells.push({symbol, row: data.y[r], column: data.x[c], x, y: py(r), centre_x: px(c), seen: x > left && x < right});
  }
  return cells;
}"""


def kpi_status_colour_by_symbol() -> dict[str, set[str]]:
    """The colours a printed KPI status symbol may have (from the labels table)."""
    colours: dict[str, set[str]] = {}
    for (domain, _code), (colour, symbol, _marker) in STYLE_BY_CODE.items():
        if domain == "kpi_status":
            colours.setdefault(symbol, set()).add(colour.upper())
    return colours


def heatmap_colour_mismatches(page, chart_index: int, screenshot_png: bytes, tolerance: int = 40) -> list[str]:
    """Heatmap cells whose colour on screen is not the colour of the status symbol they print.
    `screenshot_png` is a viewport screenshot taken with the heatmap in view."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(screenshot_png)).convert("RGB")
    scale = image.width / page.viewport_size["width"]
    allowed = kpi_status_colour_by_symbol()
    problems, checked = [], 0
    for cell in page.evaluate(_HEATMAP_CELLS_JS, chart_index):
        x, y = int(cell["x"] * scale), int(cell["y"] * scale)
        if not cell["seen"] or not (0 <= x < image.width and 0 <= y < image.height):
            continue
        checked += 1
        wanted = [tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in allowed.get(cell["symbol"], ())]
        # the commonest colour of a small patch: a stray pixel of the symbol or a gap does not decide
        patch = [image.getpixel((min(max(x + dx, 0), image.width - 1), min(max(y + dy, 0), image.height - 1)))
                 for dx in (-1, 0, 1) for dy in (-2, 0, 2)]
        seen = max(set(patch), key=patch.count)
        if not any(max(abs(a - b) for a, b in zip(seen, w)) <= tolerance for w in wanted):
            problems.append(f"{cell['row']} · {cell['column']}: prints {cell['symbol']} but is "
                            f"#{''.join(f'{v:02X}' for v in seen)} (expected {sorted(allowed.get(cell['symbol'], []))})")
    if not checked:
        problems.append("no heatmap cell was in view")
    return problems


_GRID_JS = """(index) => {
  const grid = document.querySelectorAll('[data-testid=stDataFrame]')[index];
  const table = grid && grid.querySelector('table');
  if (!table) return null;
  const scroller = grid.querySelector('.dvn-scroller');
  return {headers: [...table.querySelectorAll('th')].map(x => x.textContent.trim()),
          cells: [...table.querySelectorAll('td')].map(x => x.textContent.trim()),
          left: scroller ? scroller.scrollLeft : 0, room: scroller ? scroller.scrollWidth - scroller.clientWidth : 0};
}"""


def grid_texts(page, index: int = 0) -> tuple[list[str], set[str]]:
    """The column headers (in order) and the cell texts of a Streamlit dataframe as the browser
    draws it, read from the grid's accessible table while scrolling it sideways end to end (the
    grid draws only the columns in view)."""
    headers, cells = [], set()
    for _ in range(60):
        seen = page.evaluate(_GRID_JS, index)
        assert seen is not None, "no drawn dataframe"
        headers += [h for h in seen["headers"] if h not in headers]
        cells |= set(seen["cells"])
        if seen["left"] >= seen["room"] - 1:
            break
        page.evaluate("""([index, step]) => { const s = document.querySelectorAll('[data-testid=stDataFrame]')[index]
                           .querySelector('.dvn-scroller'); s.scrollLeft = s.scrollLeft + step; }""", [index, 400])
        page.wait_for_timeout(250)
    return headers, cells


_TITLES_JS = """() => {
  const found = [];
  // chart titles drawn as HTML above the chart (components/chart_title.py)
  for (const el of document.querySelectorAll('p.nq57-chart-title')) {
    if (!el.clientWidth) continue;  // in a tab not open, or hidden on a phone
    const probe = el.cloneNode(true);
    Object.assign(probe.style, {position: 'absolute', visibility: 'hidden', whiteSpace: 'nowrap', width: 'auto'});
    el.parentElement.appendChild(probe);
    const natural = probe.getBoundingClientRect().width;
    probe.remove();
    const lines = Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight));
    found.push({text: el.textContent.trim(), lines, natural, room: el.clientWidth});
  }
  // titles inside a Plotly chart: lines are <tspan class="line">, the room is the chart's width
  document.querySelectorAll('.js-plotly-plot').forEach(chart => {
    const title = chart.querySelector('.gtitle');
    if (!title || !(title.textContent || '').trim() || !chart.getBoundingClientRect().width) return;
    const lines = title.querySelectorAll('tspan.line');
    const widths = [...(lines.length ? lines : [title])].map(t => t.getComputedTextLength ? t.getComputedTextLength() : t.getBoundingClientRect().width);
    const space = 0.3 * parseFloat(getComputedStyle(title).fontSize);
    found.push({text: title.textContent.trim(), lines: Math.max(lines.length, 1),
                natural: widths.reduce((a, b) => a + b, 0) + space * (widths.length - 1),
                room: chart.getBoundingClientRect().width - 20});
  });
  return found;
}"""


def chart_titles(page) -> list[dict]:
    """Every chart title in view: its text, the lines it takes, the width it needs on one line
    and the width it has."""
    return page.evaluate(_TITLES_JS)


def needlessly_wrapped_titles(page) -> list[str]:
    """Chart titles broken into several lines although one line fits the width they have (a
    title wrapped for a phone's width on a desktop)."""
    return [f"«{t['text'][:60]}» takes {t['lines']} lines though it needs {t['natural']:.0f} px of {t['room']:.0f}"
            for t in chart_titles(page) if t["lines"] > 1 and t["natural"] <= t["room"]]
