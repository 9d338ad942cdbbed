"""Colours and symbols shared by the charts and the exported pack: the colour-blind-safe
Okabe–Ito palette, always paired with a letter, a symbol or a word.

Defined once, by code, in data/seed/labels.csv (nq57/labels.py); the names below are built from
it at import time for the code that reads them (components/charts.py, the pack)."""
from __future__ import annotations

from nq57 import labels as _labels

_ALL = _labels.read_seed()

# (domain, code) -> (colour, symbol, marker): the style of any coded value, keyed by code.
STYLE_BY_CODE = {(x.domain, x.code): (x.colour, x.symbol, x.marker) for x in _ALL}

# Grade and status colours; the letter or the label is always printed too.
GRADE_COLOURS = {code: x.colour for code, x in _labels.of("grade", _ALL).items()}
RULE_COLOURS = {int(code): x.colour for code, x in _labels.of("rule", _ALL).items()}

# Status of a task or KPI by its label (status_label): colour, a symbol printed beside the label,
# and a marker shape, so the status reads without colour (projector, colour-blind readers,
# black-and-white print). Task and KPI statuses that share a text share a style.
STATUS_STYLE = {x.label: (x.colour, x.symbol, x.marker)
                for domain in ("kpi_status", "task_status") for x in _labels.of(domain, _ALL).values()}


def style(domain: str, code: object) -> tuple[str, str, str]:
    """Colour, symbol and marker of a code (grey dot when unknown)."""
    return STYLE_BY_CODE.get((domain, str(code)), ("#999999", "•", "circle"))
