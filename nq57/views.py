"""The registry of the SQL views: their names, files, layers, contracts and build order.

Views live in layer folders under queries/ (one view per file, the file name is the view name):

- staging/      rename and cast the tables (one stg_ view per stored table; only this layer reads
                tables) and say once what a visible batch is (stg_visible_batches); also the
                as-of date (as_of_context)
- intermediate/ the building blocks (batches and values in force, verdicts, periods, targets)
- marts/        the contract views documented in the README, and the per-unit part a ranked one
                is built from (CONTRACT_PARTS: unit_scores is unit_scorecard less its rank)
- pages/        page-shaped helpers (province_summary, flags_by_rule, histories)

Each file opens with a comment contract, checked by tests/test_contracts.py on the demo database:

    -- grain: unit_id, task_id          (the columns that make a row unique; "one row" for one)
    -- columns: unit_id, unit_name, …   (every column, in order; continued on "--   " lines)
    -- accepted: status = task_status   (values must be codes of that labels domain)

The build order is not kept by hand: it is a topological sort of the references between the
files (a view is created after every view it reads), layers first, then names. nq57/db.py and
nq57/snapshots.py both read this module; it imports neither (nor anything else from nq57).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
LAYERS = ["staging", "intermediate", "marts", "pages"]
# The contract views, in the order the README documents them.
CONTRACT_VIEWS = ["task_progress", "kpi_progress", "red_flags", "unit_scorecard", "reporting_compliance",
                  "plan_lineage", "target_cascade",
                  "requests"]
# A mart that is the per-unit part of a contract view: every column but the rank, the one that
# depends on every unit, so a commit recomputes a unit's figures alone (nq57/snapshot_units.py).
CONTRACT_PARTS = {"unit_scores": "unit_scorecard"}


@dataclass(frozen=True)
class View:
    name: str
    layer: str
    path: Path
    grain: tuple[str, ...] = ()          # () with one_row: a single row
    one_row: bool = False
    columns: tuple[str, ...] = ()
    accepted: dict[str, str] = field(default_factory=dict)  # column -> labels domain
    depends_on: tuple[str, ...] = ()

    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[,\s]+", text.strip()) if w]


def parse_contract(sql: str) -> dict:
    """grain, columns and accepted values from the file's leading comment lines."""
    found: dict[str, str] = {}
    key = None
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        body = line[2:]
        match = re.match(r"\s*(grain|columns|accepted):\s*(.*)$", body)
        if match:
            key = match.group(1)
            found[key] = match.group(2)
        elif key and body.startswith("   ") and body.strip():
            found[key] += " " + body.strip()
        else:
            key = None
    grain_text = found.get("grain", "").strip()
    accepted = {}
    for part in found.get("accepted", "").split(","):
        if "=" in part:
            column, domain = (x.strip() for x in part.split("=", 1))
            accepted[column] = domain
    return {
        "one_row": grain_text == "one row",
        "grain": () if grain_text in ("", "one row") else tuple(_words(grain_text)),
        "columns": tuple(_words(found.get("columns", ""))),
        "accepted": accepted,
    }


def _code_only(sql: str) -> str:
    """The SQL without comments and string literals (what remains names tables and views)."""
    sql = re.sub(r"--[^\n]*", " ", sql)
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


def discover(queries_dir: Path = QUERIES_DIR) -> dict[str, View]:
    files = {}
    for layer in LAYERS:
        for path in sorted((queries_dir / layer).glob("*.sql")):
            if path.stem in files:
                raise ValueError(f"two views named {path.stem}: {files[path.stem][1]} and {path}")
            files[path.stem] = (layer, path)
    names = set(files)
    registry = {}
    for name, (layer, path) in files.items():
        sql = path.read_text(encoding="utf-8")
        tokens = set(re.findall(r"[a-z_][a-z0-9_]*", _code_only(sql).lower()))
        depends = tuple(sorted((tokens & names) - {name}))
        registry[name] = View(name=name, layer=layer, path=path, depends_on=depends, **parse_contract(sql))
    return registry


def build_order(registry: dict[str, View]) -> list[str]:
    """Every view after the views it reads; among those ready, by layer, then by name."""
    waiting = {name: set(view.depends_on) for name, view in registry.items()}
    rank = {name: (LAYERS.index(view.layer), name) for name, view in registry.items()}
    order: list[str] = []
    while waiting:
        ready = sorted((name for name, needs in waiting.items() if not needs), key=rank.__getitem__)
        if not ready:
            raise ValueError(f"views that read one another in a cycle: {sorted(waiting)}")
        chosen = ready[0]
        order.append(chosen)
        del waiting[chosen]
        for needs in waiting.values():
            needs.discard(chosen)
    return order


def upward_reads(registry: dict[str, View]) -> dict[str, list[str]]:
    """Views that read a view of a higher layer (a mart reading a page helper): none allowed, so
    a change in a page helper can never move a contract view."""
    level = {name: LAYERS.index(view.layer) for name, view in registry.items()}
    found = {name: [d for d in view.depends_on if level[d] > level[name]] for name, view in registry.items()}
    return {name: above for name, above in found.items() if above}


# Views outside staging allowed to read stored tables, and why.
TABLE_READERS = {
    "catalogue_fingerprint": "hashes the stored catalogue rows themselves, to tell when stored answers are stale",
    "unit_fingerprints": "hashes each unit's stored facts themselves, to tell which units' stored answers are stale",
}


def stored_tables(queries_dir: Path = QUERIES_DIR) -> set[str]:
    """The tables queries/schema.sql creates."""
    sql = (queries_dir / "schema.sql").read_text(encoding="utf-8").lower()
    return set(re.findall(r"create table (?:if not exists )?([a-z_][a-z0-9_]*)", sql))


def _cte_bodies(code: str) -> dict[str, list[tuple[int, int]]]:
    """Each CTE name with the span of its body (between its parentheses)."""
    bodies: dict[str, list[tuple[int, int]]] = {}
    for match in re.finditer(r"\b([a-z_][a-z0-9_]*)\s+as\s+(?:(?:not\s+)?materialized\s+)?\(", code):
        depth, end = 1, match.end()
        while end < len(code) and depth:
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            end += 1
        bodies.setdefault(match.group(1), []).append((match.end(), end))
    return bodies


def tables_read(sql: str, tables: set[str]) -> list[str]:
    """The stored tables a view's SQL names after from/join (or in a from list). A CTE of the
    same name is not the table, except inside its own body (`kpis as (select * from kpis)`)."""
    code = _code_only(sql).lower()
    bodies = _cte_bodies(code)
    found = set()
    clauses = r"\b(?:from|join)\s+((?:[a-z_][a-z0-9_]*(?:\s+(?!where|join|left|cross|inner|group|order|using|on\b)[a-z_][a-z0-9_]*)?\s*,\s*)*[a-z_][a-z0-9_]*)"
    for clause in re.finditer(clauses, code):
        for part in clause.group(1).split(","):
            name = part.split()[0]
            inside_own = any(a <= clause.start() < b for a, b in bodies.get(name, []))
            if name in tables and (name not in bodies or inside_own):
                found.add(name)
    return sorted(found)


def table_reads_outside_staging(registry: dict[str, View], tables: set[str]) -> dict[str, list[str]]:
    """Views above staging that read stored tables (only staging renames the tables; the rest read
    stg_ views, so a renamed column is renamed in one place)."""
    found = {name: tables_read(view.sql(), tables) for name, view in registry.items()
             if view.layer != "staging" and name not in TABLE_READERS}
    return {name: read for name, read in found.items() if read}


REGISTRY = discover()
ORDER = build_order(REGISTRY)


def path(name: str) -> Path:
    return REGISTRY[name].path


def reads_any(name: str, wanted: set[str], registry: dict[str, View] | None = None,
              skipping: set[str] | frozenset = frozenset()) -> bool:
    """True when the view reads one of `wanted`, directly or through other views (not through
    those in `skipping`: views a read replaces by stored rows)."""
    registry = REGISTRY if registry is None else registry
    seen, todo = set(), list(registry[name].depends_on) if name in registry else []
    while todo:
        current = todo.pop()
        if current in wanted:
            return True
        if current not in seen and current not in skipping and current in registry:
            seen.add(current)
            todo.extend(registry[current].depends_on)
    return False
