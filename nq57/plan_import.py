"""Importing a new plan from the plan template (`python -m nq57 template --plan`): a commune or
ward's plan — its tasks, deadlines, lead offices and KPI targets — is loaded by upload, without code.

`check_plan_workbook` only reads and validates (after the same container safety checks as report
uploads); `commit_plan` writes the plan in one transaction. `import_plan_file` chains the two for
the command line. The plan template's layout is plan_format.py; reading the workbook is
plan_cells.py; the rules the rows follow are plan_rules.py.
"""
from __future__ import annotations

import hashlib

import duckdb

from nq57 import audit, auth, ids, storage, value_rules
from nq57.transaction import retried  # a lost write to another server is run again
from nq57.plan_cells import _Offices, _open, _read_meta, _read_table  # noqa: F401  (_Offices: tests use plan_import._Offices)
from nq57.plan_format import (  # noqa: F401  (re-exported: callers use plan_import.PLAN_SHEET …)
    HORIZONS, PLAN_COLUMNS, PLAN_SHEET, PLAN_SHEETS, PLAN_TARGET_COLUMNS, PLAN_TARGET_SHEET, PLAN_TASK_COLUMNS,
    PLAN_TASK_SHEET, PLAN_TEMPLATE_VERSION, RANK_UNIT, REFERENCE_SHEET, REPORT_CYCLES, SUPPORTED_PLAN_VERSIONS,
)
from nq57.plan_rules import (  # noqa: F401  (parse_deadline, parse_target: callers use plan_import.parse_*)
    _SHA_IN_SOURCE, PlanCheck, _check_lengths, _check_plan, _check_targets, _check_tasks, _collect_offices,
    parse_deadline, parse_target,
)
from nq57.plan_task_kpis import check_task_kpis
from nq57.workbook.common import ProblemList, max_upload_bytes, meta_values
from nq57.workbook_format import META_SHEET


def template_kind(data: bytes) -> str | None:
    """'plan' or 'report' from the hidden _meta sheet (after the safety scan), None when the file
    is not a readable template: lets the command line route an upload to the right importer."""
    holder = PlanCheck(file_name="", sha256="", size=len(data))
    cells = _open(None, data, "", ProblemList(holder), [])
    if cells is None or META_SHEET not in cells:
        return None
    return meta_values(cells[META_SHEET]).get("kind") or None


# --- the check -------------------------------------------------------------------------------------

def check_plan_workbook(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> PlanCheck:
    """Read and validate a filled plan template; stores nothing. Problems are `Sheet!Cell: message`
    lines in Vietnamese; warnings (unknown office names, unreadable deadlines) do not block."""
    result = PlanCheck(file_name=file_name, sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    problems = ProblemList(result)
    limit = max_upload_bytes(con)
    if len(data) > limit:
        problems.add(None, None, None, f"tệp {len(data) / 1048576:.1f} MB vượt giới hạn {limit / 1048576:.0f} MB".replace(".", ","))
        return result
    cells = _open(con, data, file_name, problems, list(PLAN_SHEETS))
    if cells is None or not _read_meta(cells, problems):
        return result

    same_file = con.execute("select min(plan_id) from plans where contains(source_file, ?)",
                            [_SHA_IN_SOURCE + result.sha256]).fetchall()[0][0]
    if same_file is not None:
        result.duplicate_of = same_file
        return result

    tables = {name: _read_table(cells, name, columns, problems, result.warnings)
              for name, columns in PLAN_SHEETS.items()}
    if result.problems:
        return result
    offices = _Offices(con)
    limit = value_rules.max_text_chars(con)
    for table in tables.values():
        _check_lengths(table, limit, problems)
    _check_plan(con, tables[PLAN_SHEET], result, problems)
    if result.plan is None:
        return result
    _check_tasks(con, tables[PLAN_TASK_SHEET], result, problems, offices)
    _check_targets(con, tables[PLAN_TARGET_SHEET], result, problems, offices)
    check_task_kpis(con, tables[PLAN_TASK_SHEET], result, problems)
    if not result.tasks and not result.targets and not result.problems:
        problems.add(PLAN_TASK_SHEET, None, None, "kế hoạch không có nhiệm vụ hay chỉ tiêu nào")
    _collect_offices(con, result, offices)
    return result


# --- the commit ------------------------------------------------------------------------------------

_TASK_COLUMNS = ["task_id", "plan_id", "task_no", "sort_order", "group_no", "group_title", "content", "detail",
                 "lead_text", "lead_units", "coord_text", "coord_units", "expected_output", "deadline_text",
                 "deadline_kind", "due_date", "start_date", "recurrence", "deadline_note", "is_key_task"]
_TARGET_COLUMNS = ["plan_id", "unit_id", "kpi_id", "horizon", "comparator", "target_value", "target_unit", "per_year",
                   "due_date", "raw_text", "item_no", "item_text", "lead_text", "lead_units"]
_KPI_COLUMNS = ["kpi_id", "name", "unit_of_measure", "direction", "kind", "is_ratio", "numerator_label",
                "denominator_label"]
_PLAN_COLUMNS = ["plan_id", "issuer_unit_id", "issuer_name", "doc_number", "issued_on", "title", "implements",
                 "report_cycle", "source_file"]


def _insert(con, table: str, columns: list[str], rows: list[dict]) -> None:
    if not rows:
        return
    marks = ", ".join("?" for _ in columns)
    con.executemany(f"insert into {table} ({', '.join(columns)}) values ({marks})",
                    [[row[c] for c in columns] for row in rows])


@retried
def commit_plan(con: duckdb.DuckDBPyConnection, check: PlanCheck, user: auth.User | str | None = None) -> str:
    """Write a checked plan in one transaction: plans, tasks, task_units, targets, task_kpis, new KPIs
    and the offices it names; all or nothing (its lineage follows from `implements` in plan_links). The same file again writes nothing and returns its plan_id.
    A signed-in auth.User is checked for 'import_plan' (auth.PermissionDenied); a plain name is
    the trusted command line; nobody named is refused (auth.trusted_name). Audited ('plan_import') in the same transaction; a full disk
    or I/O error raises storage.StorageError and stores nothing."""
    if not check.accepted:
        raise ValueError("tệp kế hoạch còn lỗi, không thể ghi nhận")
    user = auth.check(con, user, "import_plan").user_name if isinstance(user, auth.User) else auth.trusted_name(user)
    if check.duplicate_of is not None:
        return check.duplicate_of
    plan = check.plan
    with storage.transaction(con):
        _insert(con, "plans", _PLAN_COLUMNS, [plan])
        _insert(con, "kpis", _KPI_COLUMNS, check.new_kpis)
        order = con.execute("select coalesce(max(sort_order), 0) + 1 from tasks").fetchall()[0][0]
        _insert(con, "tasks", _TASK_COLUMNS, [{**t, "sort_order": order + t["sort_order"]} for t in check.tasks])
        _insert(con, "task_units", ["task_id", "unit_id", "lead_office_id"], check.task_units)
        # ids from the store (a file's sequence, the lake's highest + 1): the lake has no column defaults
        target_ids = ids.new_ids(con, "targets", len(check.targets)) if check.targets else []
        _insert(con, "targets", ["target_id", *_TARGET_COLUMNS],
                [{**t, "target_id": i} for t, i in zip(check.targets, target_ids)])
        _insert(con, "task_kpis", ["task_id", "kpi_id", "basis"], check.task_kpis)
        unit_order = con.execute("select coalesce(max(sort_order), 0) + 1 from units").fetchall()[0][0]
        _insert(con, "units", ["unit_id", "name", "kind", "parent_id", "office_code", "sort_order"],
                [{**o, "sort_order": unit_order + i} for i, o in enumerate(check.new_offices)])
        if check.report_cycle_change:
            unit_id, cycle = check.report_cycle_change
            con.execute("update units set report_cycle = ? where unit_id = ?", [cycle, unit_id])
        audit.record(con, "plan_import", user, unit_id=plan.get("issuer_unit_id"), file_name=check.file_name,
                     detail=f"kế hoạch {plan['plan_id']}: {len(check.tasks)} nhiệm vụ, {len(check.targets)} chỉ tiêu")
    return plan["plan_id"]


def import_plan_file(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                     dry_run: bool = False, user: auth.User | str | None = None) -> tuple[PlanCheck, str | None]:
    """Check, then (unless dry_run or rejected) commit. Returns the check and the plan_id written —
    or, for a file imported before, the plan_id it created (check.duplicate_of is set); None when
    rejected or on a dry run."""
    check = check_plan_workbook(con, data, file_name)
    if not check.accepted:
        return check, None
    if check.duplicate_of is not None:
        return check, check.duplicate_of
    if dry_run:
        return check, None
    return check, commit_plan(con, check, user)
