"""Loads the seed catalogue (the real plans, transcribed under data/seed/) into DuckDB.

Seed files are CSV so that a reviewer can diff them against the plans; deadline and target
texts are kept raw and parsed here, so the parser's reading is visible in the tables.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from nq57 import cascade, ids, labels
from nq57.textparse import fold_diacritics, parse_deadline, parse_target

SEED_DIR = Path(__file__).resolve().parent.parent / "data" / "seed"
PROVINCE_ID = "dong-nai"
PROVINCE_PLAN_ID = "dn-ubnd-2025h2"
# Lead codes in the province plan that stand for a group rather than one department.
ALL_LOCALITIES = "dia-phuong"
ALL_DEPARTMENTS = "cac-so-nganh"


def read_seed(name: str, seed_dir: Path = SEED_DIR) -> list[dict[str, str]]:
    with open(seed_dir / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def split_codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(";") if code.strip()]


def task_sort_key(task_no: str) -> tuple:
    """'PL3' < 'PL10', '2.01' < '2.06', 'TT1' after the appendix."""
    prefix = "".join(ch for ch in task_no if ch.isalpha())
    numbers = [int(part) for part in "".join(ch if ch.isdigit() else " " for ch in task_no).split()]
    return (prefix, numbers)


@dataclass
class Catalogue:
    units: pd.DataFrame
    aliases: pd.DataFrame
    plans: pd.DataFrame
    tasks: pd.DataFrame
    task_units: pd.DataFrame
    kpis: pd.DataFrame
    targets: pd.DataFrame
    seed_updates: list[dict]


def build_catalogue(seed_dir: Path = SEED_DIR) -> Catalogue:
    unit_rows = read_seed("units", seed_dir)
    alias_rows = read_seed("office_aliases", seed_dir)
    plan_rows = read_seed("plans", seed_dir)
    task_rows = read_seed("tasks", seed_dir)
    kpi_rows = read_seed("kpis", seed_dir)
    target_rows = read_seed("targets", seed_dir)

    office_names: dict[str, tuple[str, str]] = {}
    aliases = []
    for row in alias_rows:
        office_names.setdefault(row["office_code"], (row["office_name"], row["level"]))
        aliases.append({
            "alias_key": fold_diacritics(row["alias"]),
            "alias": row["alias"],
            "office_code": row["office_code"],
            "office_name": row["office_name"],
            "level": row["level"],
        })
    aliases_df = pd.DataFrame(aliases).drop_duplicates("alias_key")

    plans = []
    cycle_by_unit: dict[str, str] = {}
    for row in plan_rows:
        plans.append({
            "plan_id": row["plan_id"],
            "issuer_unit_id": row["issuer_unit_id"],
            "issuer_name": row["issuer_name"],
            "doc_number": row["doc_number"] or None,
            "issued_on": date.fromisoformat(row["issued_on"]) if row["issued_on"] else None,
            "title": row["title"],
            "implements": split_codes(row["implements"]),
            "report_cycle": row["report_cycle"] or "monthly",
            "source_file": row["source_file"] or None,
            "level": row["level"] or None,
            "issued_not_before": date.fromisoformat(row["issued_not_before"]) if row["issued_not_before"] else None,
        })
        if row["issuer_unit_id"] != PROVINCE_ID:
            cycle_by_unit[row["issuer_unit_id"]] = row["report_cycle"] or "monthly"
    plan_issuer = {p["plan_id"]: p["issuer_unit_id"] for p in plans}

    units = []
    communes = []
    for row in unit_rows:
        units.append({
            "unit_id": row["unit_id"], "name": row["name"], "kind": row["kind"],
            "parent_id": row["parent_id"] or None, "office_code": None,
            "report_cycle": cycle_by_unit.get(row["unit_id"], "monthly"),
            "sort_order": int(row["sort_order"]),
        })
        if row["kind"] in ("ward", "commune"):
            communes.append(row["unit_id"])
    unit_names = {u["unit_id"]: u["name"] for u in units}

    # Province departments are units of their own; offices exist inside the communes whose
    # plans name them.
    order = len(units)
    for code, (name, level) in sorted(office_names.items()):
        if level == "province" and code not in (ALL_LOCALITIES, ALL_DEPARTMENTS):
            order += 1
            units.append({
                "unit_id": f"{PROVINCE_ID}/{code}", "name": name, "kind": "department",
                "parent_id": PROVINCE_ID, "office_code": code, "report_cycle": "monthly",
                "sort_order": order,
            })
    offices_needed: set[tuple[str, str]] = set()
    for row in task_rows + target_rows:
        issuer = plan_issuer[row["plan_id"]]
        if issuer == PROVINCE_ID:
            continue
        for code in split_codes(row.get("lead_units", "")) + split_codes(row.get("coord_units", "")):
            if office_names.get(code, ("", "commune"))[1] == "commune":
                offices_needed.add((issuer, code))
    for issuer, code in sorted(offices_needed):
        order += 1
        name = office_names.get(code, (code, "commune"))[0]
        units.append({
            "unit_id": f"{issuer}/{code}", "name": f"{name} ({unit_names[issuer]})", "kind": "office",
            "parent_id": issuer, "office_code": code, "report_cycle": "monthly", "sort_order": order,
        })

    tasks, task_units, seed_updates = [], [], []
    for row in task_rows:
        deadline = parse_deadline(row["deadline_text"])
        task_id = f"{row['plan_id']}:{row['task_no']}"
        lead_codes = split_codes(row["lead_units"])
        tasks.append({
            "task_id": task_id,
            "plan_id": row["plan_id"],
            "task_no": row["task_no"],
            "sort_order": 0,
            "group_no": row["group_no"] or None,
            "group_title": row["group_title"] or None,
            "content": row["content"],
            "detail": row["detail"] or None,
            "lead_text": row["lead_text"] or None,
            "lead_units": lead_codes,
            "coord_text": row["coord_text"] or None,
            "coord_units": split_codes(row["coord_units"]),
            "expected_output": row["expected_output"] or None,
            "deadline_text": row["deadline_text"],
            "deadline_kind": deadline.kind,
            "due_date": deadline.due_date,
            "start_date": deadline.start_date,
            "recurrence": deadline.recurrence,
            "deadline_note": deadline.note,
            "is_key_task": row["is_key_task"].lower() == "true",
        })
        issuer = plan_issuer[row["plan_id"]]
        accountable = []
        if issuer != PROVINCE_ID:
            lead_office = f"{issuer}/{lead_codes[0]}" if lead_codes else None
            accountable.append((issuer, lead_office))
        else:
            for code in lead_codes:
                if code == ALL_LOCALITIES:
                    accountable.extend((commune, None) for commune in communes)
                elif code != ALL_DEPARTMENTS:
                    accountable.append((f"{PROVINCE_ID}/{code}", f"{PROVINCE_ID}/{code}"))
        for unit_id, lead_office in dict(accountable).items():
            task_units.append({"task_id": task_id, "unit_id": unit_id, "lead_office_id": lead_office})
            if row["status_in_plan"] == "done":
                seed_updates.append({
                    "unit_id": unit_id, "task_id": task_id,
                    "evidence_ref": row["evidence_in_plan"] or None,
                    "plan_id": row["plan_id"],
                })
    # Keep the plans' own order (I, II, … then 1, 2, … 10) for display.
    tasks.sort(key=lambda t: (t["plan_id"], task_sort_key(t["task_no"])))
    for position, task in enumerate(tasks):
        task["sort_order"] = position

    kpis = [{
        "kpi_id": row["kpi_id"], "name": row["name"],
        "unit_of_measure": row["unit_of_measure"] or None,
        "direction": row["direction"], "kind": row["kind"],
        "is_ratio": row["is_ratio"].lower() == "true",
        "numerator_label": row["numerator_label"] or None,
        "denominator_label": row["denominator_label"] or None,
    } for row in kpi_rows]

    targets = []
    for row in target_rows:
        horizon = int(row["horizon"])
        base = {
            "plan_id": row["plan_id"], "unit_id": row["unit_id"], "kpi_id": row["kpi_id"],
            "raw_text": row["target_text"] or None, "item_no": row["item_no"] or None,
            "item_text": row["item_text"] or None, "lead_text": row["lead_text"] or None,
            "lead_units": split_codes(row["lead_units"]),
            "assumption_id": row["assumption_id"] or None,
        }
        # The plan's own "Đơn vị tính" column names the unit when the target text does not (≥ 2 → Người).
        plan_unit = row["unit_of_measure"] or None
        parsed = parse_target(row["target_text"]) if row["target_text"] else []
        if not parsed:
            targets.append({**base, "horizon": horizon, "comparator": None, "target_value": None,
                            "target_unit": plan_unit, "per_year": False, "due_date": date(horizon, 12, 31)})
        for target in parsed:
            target_horizon = target.horizon or horizon
            targets.append({
                **base,
                "horizon": target_horizon,
                "comparator": target.comparator,
                "target_value": target.value,
                "target_unit": target.unit or plan_unit,
                "per_year": target.per_year,
                "due_date": target.due_date or date(target_horizon, 12, 31),
            })

    targets += cascade.assumed_copies(targets, read_seed("target_assumptions", seed_dir))

    return Catalogue(
        units=pd.DataFrame(units),
        aliases=aliases_df,
        plans=pd.DataFrame(plans),
        tasks=pd.DataFrame(tasks),
        task_units=pd.DataFrame(task_units),
        kpis=pd.DataFrame(kpis),
        targets=pd.DataFrame(targets),
        seed_updates=seed_updates,
    )


def _replace_rows(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, key: str) -> None:
    """Upsert the seed rows by key, leaving rows that came from elsewhere (uploaded plans)."""
    con.register("seed_frame", frame)
    try:
        con.execute(f"delete from {table} where {key} in (select {key} from seed_frame)")
        columns = ", ".join(frame.columns)
        con.execute(f"insert into {table} ({columns}) select {columns} from seed_frame")
    finally:
        con.unregister("seed_frame")


def load_labels(con: duckdb.DuckDBPyConnection, path: Path = SEED_DIR / "labels.csv") -> None:
    """The labels seed into the labels table (upsert by domain and code; no transaction of its
    own). db.create_schema runs it too, so the views always find their labels."""
    frame = pd.DataFrame([vars(x) for x in labels.read_seed(path)], columns=labels.COLUMNS)
    _replace_rows(con, "labels", frame, "domain || ':' || code")


def load_catalogue(con: duckdb.DuckDBPyConnection, seed_dir: Path = SEED_DIR) -> Catalogue:
    """Load (or reload) the seed catalogue in one transaction; safe to run twice."""
    catalogue = build_catalogue(seed_dir)
    con.execute("begin transaction")
    try:
        _replace_rows(con, "units", catalogue.units, "unit_id")
        _replace_rows(con, "office_aliases", catalogue.aliases, "alias_key")
        _replace_rows(con, "plans", catalogue.plans, "plan_id")
        _replace_rows(con, "tasks", catalogue.tasks, "task_id")
        _replace_rows(con, "kpis", catalogue.kpis, "kpi_id")
        con.register("seed_tasks", catalogue.tasks[["task_id"]])
        con.execute("delete from task_units where task_id in (select task_id from seed_tasks)")
        con.unregister("seed_tasks")
        con.register("seed_frame", catalogue.task_units)
        con.execute("insert into task_units select task_id, unit_id, lead_office_id from seed_frame")
        con.unregister("seed_frame")
        con.register("seed_plans", catalogue.plans[["plan_id"]])
        con.execute("delete from targets where plan_id in (select plan_id from seed_plans)")
        con.unregister("seed_plans")
        con.register("seed_frame", catalogue.targets.assign(target_id=ids.new_ids(con, "targets", len(catalogue.targets))))
        columns = ", ".join([*catalogue.targets.columns, "target_id"])
        con.execute(f"insert into targets ({columns}) select {columns} from seed_frame")
        con.unregister("seed_frame")
        _load_seed_updates(con, catalogue)
        cascade.load_seeds(con, {name: read_seed(name, seed_dir) for name in cascade.SEED_FILES}, _replace_rows)
        load_labels(con, seed_dir / "labels.csv")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return catalogue


# Who "submitted" what a plan itself reports as done: the system, from the plan (labels domain
# actor); the batch's file name is the plan's source file.
PLAN_ACTOR = "system:plan"


def _load_seed_updates(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> None:
    """What a plan itself reports as done (province task 1 and its evidence) is a real report,
    stored once as a batch from the plan's date."""
    plans = catalogue.plans.set_index("plan_id")
    for update in catalogue.seed_updates:
        exists = con.execute(
            "select count(*) from task_updates u join report_batches b using (batch_id) "
            "where b.source = 'seed' and u.unit_id = ? and u.task_id = ?",
            [update["unit_id"], update["task_id"]],
        ).fetchall()[0][0]
        if exists:
            continue
        issued = plans.loc[update["plan_id"], "issued_on"]
        period = date(issued.year, issued.month, 1)
        batch_id = ids.new_id(con, "report_batches")
        con.execute(
            "insert into report_batches (batch_id, unit_id, period, file_name, uploaded_by, uploaded_at, source, "
            "row_count) values (?, ?, ?, ?, ?, ?, 'seed', 1)",
            [batch_id, update["unit_id"], period, plans.loc[update["plan_id"], "source_file"],
             PLAN_ACTOR,
             datetime(issued.year, issued.month, issued.day, 12, 0)],
        )
        con.execute(
            "insert into task_updates (batch_id, unit_id, task_id, period, status, percent_complete, evidence_ref) "
            "values (?, ?, ?, ?, 'hoan_thanh', 100, ?)",
            [batch_id, update["unit_id"], update["task_id"], period, update["evidence_ref"]],
        )


def resolve_office(con: duckdb.DuckDBPyConnection, text: str) -> str | None:
    """The office code for a typed name, whatever its spelling ('Phòng VH-XH',
    'phong van hoa - xa hoi', 'Trung tâm PVHCC' …); None when unknown."""
    rows = con.execute(
        "select office_code from office_aliases where alias_key = ?", [fold_diacritics(text)]
    ).fetchall()
    return rows[0][0] if rows else None
