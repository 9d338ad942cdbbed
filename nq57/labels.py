"""The labels seed (data/seed/labels.csv → the labels table): for each domain (red-flag rule,
task/KPI/reporting status, grade, evidence state, unit kind, batch state) and code, the text a
reader sees, a symbol, a colour and a marker. The views join the table for their *_label columns;
charts and the pack take colours from here by code. Imports nothing from nq57, so any module can
use it at import time (read from the seed file; from a database when given a connection)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

SEED_FILE = Path(__file__).resolve().parent.parent / "data" / "seed" / "labels.csv"
COLUMNS = ["domain", "code", "label", "symbol", "colour", "marker", "sort_order"]


@dataclass(frozen=True)
class Label:
    domain: str
    code: str
    label: str
    symbol: str
    colour: str
    marker: str
    sort_order: int


def read_seed(path: Path = SEED_FILE) -> list[Label]:
    with open(path, encoding="utf-8", newline="") as handle:
        return [Label(**{**{k: (row[k] or "").strip() for k in COLUMNS}, "sort_order": int(row["sort_order"])})
                for row in csv.DictReader(handle)]


def load(con=None) -> list[Label]:
    """Every label, from the database's labels table when a connection is given, else the seed."""
    if con is None:
        return read_seed()
    rows = con.execute(f"select {', '.join(COLUMNS)} from labels order by domain, sort_order").fetchall()
    return [Label(*[value if value is not None or i == 6 else "" for i, value in enumerate(row)]) for row in rows]


def of(domain: str, labels: list[Label] | None = None) -> dict[str, Label]:
    """The labels of one domain by code, in their sort order."""
    chosen = [x for x in (labels if labels is not None else read_seed()) if x.domain == domain]
    return {x.code: x for x in sorted(chosen, key=lambda x: x.sort_order)}
