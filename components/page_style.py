"""What every page shares in the browser: print and phone CSS, the keys (Enter applies a typed
as-of date; ←/→ and PageUp/PageDown move the meeting slides), drawn once per run by dashboard.py;
and how a page draws an interactive table (dataframe, wrapped rows)."""
from __future__ import annotations

import streamlit as st

from nq57.vnformat import MISSING, vn_shortened

# st.dataframe wraps a cell's text only in rows taller than 4rem (64 px; Streamlit's DataFrame.js):
# rows of this height show a red flag's "why" sentence whole in four lines at 1440 px.
WRAPPED_ROW_HEIGHT = 84
WRAPPED_TABLE_ROWS = 8  # rows in view before the table scrolls inside itself
# A column of sentences in wrapped rows, and what four of its lines hold: the grid cut a longer
# text (a task's whole content, up to 1.136 characters) with no sign that more was there.
WRAPPED_COLUMN_PX = 340
WRAPPED_CELL_CHARS = 150


def dataframe(data, **kwargs):
    """st.dataframe as every page draws it: an empty cell reads MISSING, not Streamlit's "None"."""
    return st.dataframe(data, placeholder=MISSING, **kwargs)


def wrapped_cell(text) -> str:
    """A text that fits a wrapped row of a WRAPPED_COLUMN_PX column, cut at a word with " …"
    when longer (the whole text stays in the page's Excel and in the unit's profile)."""
    return vn_shortened(text, WRAPPED_CELL_CHARS)


def wrapped_table_height(rows: int) -> int:
    """Pixels for a table of wrapped rows: all of them up to WRAPPED_TABLE_ROWS, plus the header."""
    return 38 + WRAPPED_ROW_HEIGHT * max(1, min(rows, WRAPPED_TABLE_ROWS))

# Ctrl+P: A4 without the sidebar and the toolbar. Charts keep the width they were drawn at on
# screen (Plotly sizes in pixels), so the page is zoomed to fit them instead of cutting them.
PRINT_CSS = """
@media print {
  @page { size: A4; margin: 10mm; }
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"],
  [data-testid="stSidebarNav"], .st-key-slide_nav, .stDownloadButton, .stButton { display: none !important; }
  html { zoom: 0.62; }
  [data-testid="stMain"], .main, [data-testid="stAppViewContainer"] { margin-left: 0 !important; }
  .block-container, [data-testid="stMainBlockContainer"] { max-width: 100% !important; padding: 0 !important; }
  [data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stTable"], [data-testid="stMetric"],
  [data-testid="stHorizontalBlock"], .nq57-table tr { break-inside: avoid; }
}
"""

# The unit profile's tables (components/unit_profile.whole_table): plain HTML tables that wrap
# every sentence, drawn as st.table draws (its borders, header colour, type), the header kept in
# view while a long table scrolls inside its 640 px box.
TABLE_CSS = """
.nq57-table-box { max-width: 100%; overflow: auto; border: 1px solid rgba(47, 45, 43, 0.1); border-radius: 0.5rem; }
.nq57-table-box.nq57-table-tall { max-height: 640px; }
.nq57-table { width: 100%; border-collapse: separate; border-spacing: 0; font-size: 0.875rem; line-height: 1.5; }
.nq57-table th, .nq57-table td { padding: 0.25rem 0.375rem; text-align: left; vertical-align: middle;
  border-bottom: 1px solid rgba(47, 45, 43, 0.1); border-right: 1px solid rgba(47, 45, 43, 0.1); }
.nq57-table th { position: sticky; top: 0; z-index: 1; background: #fff; font-weight: 400;
  color: rgba(47, 45, 43, 0.7); }
.nq57-table tr > :last-child { border-right: none; }
.nq57-table tbody tr:last-child td { border-bottom: none; }
@media print { .nq57-table-box { max-height: none !important; overflow: visible; } .nq57-table th { position: static; } }
"""

# The unit tiles' names (12 px, up to 12 characters) need about 80 px a tile, twelve a row: in a
# narrower main area (a laptop window at half width) the grid keeps that width and scrolls
# sideways instead of printing one name into the next. Phones hide it (PHONE_CSS).
TILES_CSS = """
.st-key-tiles_box { overflow-x: auto; }
.st-key-tiles_box [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]) { min-width: 960px; }
"""

# One column on a phone: figures first (Streamlit stacks columns below 640 px), tables scroll
# inside themselves, and the unit tiles (unreadable at 390 px) give way to the league table below.
PHONE_CSS = """
@media (max-width: 640px) {
  [data-testid="stMainBlockContainer"], .block-container { padding-left: 0.6rem !important; padding-right: 0.6rem !important; }
  [data-testid="stMetricValue"] { font-size: 1.6rem !important; }
  h1 { font-size: 1.7rem !important; }
  .st-key-tiles_box { display: none !important; }  /* the unit tiles and their title */
  [data-testid="stDataFrame"], [data-testid="stTable"], .st-key-heatmap { max-width: 100%; overflow-x: auto; }
  .nq57-table { min-width: 720px; }  /* the profile's tables scroll sideways, sentences not one word a line */
  [data-testid="stMain"] { overflow-x: hidden; }
  /* charts whose labels need room (the heatmap, the task timeline) keep 720 px and scroll sideways
     inside their own box rather than shrink to nothing */
  [data-testid="stVerticalBlock"]:has(> [data-testid="stElementContainer"] .heatmaplayer),
  [class*="st-key-wide_chart"] { overflow-x: auto; }
  [data-testid="stElementContainer"]:has(.heatmaplayer),
  [class*="st-key-wide_chart"] [data-testid="stElementContainer"] { min-width: 720px; }
  /* say so: half a timeline on screen read as the whole of it */
  [class*="st-key-wide_chart"]::before { content: "Vuốt ngang để xem hết biểu đồ →"; display: block;
    position: sticky; left: 0; font-size: 0.85rem; color: rgba(49, 51, 63, 0.6); }
}
"""

# Typed dates commit when focus leaves the field (a click elsewhere, which the rerun then
# swallows); Enter moves the focus to a hidden target so the date applies at once.
# The slide keys click the slide buttons, so a presenter's clicker works like the buttons.
KEYS_JS = """
<script>
(() => {
  const doc = window.parent && window.parent.document ? window.parent.document : document;
  if (doc.__nq57Keys) return;
  doc.__nq57Keys = true;
  doc.addEventListener("keydown", (event) => {
    const field = event.target.closest && event.target.closest('[data-testid="stDateInputField"]');
    if (field && event.key === "Enter") {
      let sink = doc.getElementById("nq57-focus-sink");
      if (!sink) {
        sink = doc.createElement("span");
        sink.id = "nq57-focus-sink";
        sink.tabIndex = -1;
        sink.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;opacity:0;";
        doc.body.appendChild(sink);
      }
      sink.focus();
      event.preventDefault();
      return;
    }
    if (event.target.closest && event.target.closest("input, textarea, [role=spinbutton], [contenteditable]")) return;
    const next = ["ArrowRight", "PageDown"].includes(event.key);
    const previous = ["ArrowLeft", "PageUp"].includes(event.key);
    if (!next && !previous) return;
    const button = doc.querySelector(next ? ".st-key-slide_next button" : ".st-key-slide_previous button");
    if (button && !button.disabled) { button.click(); event.preventDefault(); }
  }, true);
})();
</script>
"""


def apply() -> None:
    st.html(f"<style>{TABLE_CSS}{TILES_CSS}{PRINT_CSS}{PHONE_CSS}</style>")
    st.html(KEYS_JS, unsafe_allow_javascript=True)
