"""The rules a plan's rows follow: one plan per file with a new code and a commune or ward issuer,
tasks with a number, content and a readable deadline, targets with a horizon and a readable goal
within its unit's bounds. Each broken rule is a problem naming its sheet and cell; what does not
block (an unknown office, an unread deadline) is a warning. PlanCheck is what they fill.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from nq57 import value_rules
from nq57.plan_cells import _Offices, _parse_date, _Table, _text
from nq57.plan_format import HORIZONS, RANK_UNIT, REPORT_CYCLES
from nq57.workbook import Problem
from nq57.workbook.common import ProblemList
from nq57.textparse import parse_deadline, parse_target
from nq57.workbook_format import header_key

_SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
_SHA_IN_SOURCE = "sha256:"


# --- the result ------------------------------------------------------------------------------------

@dataclass
class PlanCheck:
    file_name: str
    sha256: str
    size: int
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    truncated_problems: int = 0
    plan: dict | None = None
    tasks: list[dict] = field(default_factory=list)
    task_units: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    new_kpis: list[dict] = field(default_factory=list)
    new_offices: list[dict] = field(default_factory=list)
    task_kpis: list[dict] = field(default_factory=list)      # task × KPI, from the task sheet's kpi_ids
    report_cycle_change: tuple[str, str] | None = None   # (unit_id, new cycle) when the plan changes it
    duplicate_of: str | None = None                       # plan_id when this very file was imported before

    @property
    def accepted(self) -> bool:
        return not self.problems

    @property
    def plan_id(self) -> str | None:
        return self.duplicate_of or (self.plan or {}).get("plan_id")

    def problem_lines(self) -> list[str]:
        lines = [p.line() for p in self.problems]
        if self.truncated_problems:
            lines.append(f"… và {self.truncated_problems} lỗi khác")
        return lines

    def warning_lines(self) -> list[str]:
        return [p.line() for p in self.warnings]

    def summary(self) -> str:
        if self.duplicate_of:
            return f"tệp này đã được nhập trước đây (kế hoạch '{self.duplicate_of}'); không có gì thay đổi"
        if not self.plan:
            return "chưa đọc được kế hoạch"
        text = (f"kế hoạch '{self.plan['plan_id']}' của {self.plan['issuer_label']}: {len(self.tasks)} nhiệm vụ, "
                f"{len(self.targets)} chỉ tiêu")
        if self.new_kpis:
            text += f" ({len(self.new_kpis)} chỉ tiêu mới vào danh mục: {', '.join(k['kpi_id'] for k in self.new_kpis)})"
        return text


def _check_lengths(table: _Table, limit: int, problems: ProblemList) -> None:
    """Every cell of every row against the max_text_chars setting (value_rules, as for reports)."""
    for row_no, row in table.rows:
        for key, value in row.items():
            message = value_rules.too_long(value, limit)
            if message:
                problems.add(table.sheet, table.cell(key, row_no), value, message)


def _check_date_text(table: _Table, key: str, row_no: int, text: str | None, label: str,
                     problems: ProblemList) -> bool:
    """False (with a problem) when the text names a day that does not exist: '31/11/2026' would
    otherwise be read as no date at all and the task never be due."""
    impossible = value_rules.impossible_date(text)
    if impossible:
        problems.add(table.sheet, table.cell(key, row_no), text,
                     f"{label} ghi ngày không có thật ({impossible}); hãy sửa lại ngày")
    return impossible is None


def _check_plan(con, table: _Table, result: PlanCheck, problems: ProblemList) -> None:
    sheet = table.sheet
    if not table.rows:
        problems.add(sheet, "A4", None, "chưa điền thông tin kế hoạch (dòng dưới tiêu đề đang trống)")
        return
    if len(table.rows) > 1:
        problems.add(sheet, table.cell("plan_id", table.rows[1][0]), None,
                     "mỗi tệp chỉ khai báo một kế hoạch (trang 'Kế hoạch' chỉ điền một dòng)")
    row_no, row = table.rows[0]
    text = {key: _text(row.get(key)) for key in table.column_index}
    ok = True

    plan_id = (text.get("plan_id") or "").lower()
    if not plan_id:
        problems.add(sheet, table.cell("plan_id", row_no), None, "thiếu Mã kế hoạch")
        ok = False
    elif not _SLUG.fullmatch(plan_id):
        problems.add(sheet, table.cell("plan_id", row_no), text["plan_id"],
                     "Mã kế hoạch chỉ gồm chữ không dấu, chữ số và dấu gạch ngang (ví dụ: tan-an-cds-2026)")
        ok = False
    else:
        existing = con.execute("select issuer_name, doc_number from plans where plan_id = ?", [plan_id]).fetchall()
        if existing:
            issuer, doc = existing[0]
            problems.add(sheet, table.cell("plan_id", row_no), text["plan_id"],
                         f"mã kế hoạch '{plan_id}' đã có trong hệ thống ({doc or 'không số'}, {issuer}); "
                         "hãy dùng mã khác — hệ thống không ghi đè kế hoạch đã nạp")
            ok = False

    issuer_id = (text.get("issuer_unit_id") or "").lower()
    issuer = con.execute("select name, is_commune_level(kind), report_cycle from units where unit_id = ?",
                        [issuer_id]).fetchall()
    if not issuer_id:
        problems.add(sheet, table.cell("issuer_unit_id", row_no), None,
                     "thiếu Mã đơn vị ban hành (xem trang 'Danh mục', ví dụ: xa-tan-an)")
        ok = False
    elif not issuer:
        problems.add(sheet, table.cell("issuer_unit_id", row_no), text["issuer_unit_id"],
                     f"mã đơn vị '{text['issuer_unit_id']}' không có trong danh mục (xem trang 'Danh mục')")
        ok = False
    elif not issuer[0][1]:
        problems.add(sheet, table.cell("issuer_unit_id", row_no), text["issuer_unit_id"],
                     "mẫu kế hoạch chỉ dùng cho kế hoạch của xã, phường")
        ok = False

    title = text.get("title")
    if not title:
        problems.add(sheet, table.cell("title", row_no), None, "thiếu Tên kế hoạch")
        ok = False

    issued_on = None
    if row.get("issued_on") is not None and _text(row.get("issued_on")):
        issued_on = _parse_date(row["issued_on"])
        if issued_on is None and not _check_date_text(table, "issued_on", row_no, text["issued_on"],
                                                      "Ngày ban hành", problems):
            ok = False
        elif issued_on is None:
            problems.add(sheet, table.cell("issued_on", row_no), text["issued_on"],
                         "Ngày ban hành không đọc được (cần dạng dd/mm/yyyy, ví dụ 15/10/2025)")
            ok = False

    cycle_text = text.get("report_cycle")
    cycle = "monthly"
    if cycle_text:
        by_key = {header_key(label): code for label, code in REPORT_CYCLES.items()} | {"monthly": "monthly", "quarterly": "quarterly"}
        cycle = by_key.get(header_key(cycle_text))
        if cycle is None:
            problems.add(sheet, table.cell("report_cycle", row_no), cycle_text, "Chu kỳ báo cáo chọn 'Tháng' hoặc 'Quý'")
            ok = False

    if not ok:
        return
    unit_name, _, unit_cycle = issuer[0]
    implements = [part.strip() for part in (text.get("implements") or "").split(";") if part.strip()]
    result.plan = {
        "plan_id": plan_id,
        "issuer_unit_id": issuer_id,
        "issuer_name": text.get("issuer_name") or f"Ủy ban nhân dân {unit_name}",
        "doc_number": text.get("doc_number"),
        "issued_on": issued_on,
        "title": title,
        "implements": implements,
        "report_cycle": cycle,
        "source_file": f"{result.file_name} ({_SHA_IN_SOURCE}{result.sha256})",
        "issuer_label": unit_name,
    }
    if cycle != unit_cycle:
        result.report_cycle_change = (issuer_id, cycle)
        labels = {v: k for k, v in REPORT_CYCLES.items()}
        result.warnings.append(Problem(sheet, table.cell("report_cycle", row_no), cycle_text,
                                       f"chu kỳ báo cáo của {unit_name} sẽ đổi từ {labels[unit_cycle]} sang {labels[cycle]}"))


def _check_tasks(con, table: _Table, result: PlanCheck, problems: ProblemList, offices: _Offices) -> None:
    sheet, plan = table.sheet, result.plan
    issuer = plan["issuer_unit_id"]
    first_row_of: dict[str, int] = {}
    for row_no, row in table.rows:
        text = {key: _text(row.get(key)) for key in table.column_index}
        task_no = text.get("task_no")
        ok = True
        if not task_no:
            problems.add(sheet, table.cell("task_no", row_no), None, "thiếu STT của nhiệm vụ")
            ok = False
        elif task_no in first_row_of:
            problems.add(sheet, table.cell("task_no", row_no), task_no,
                         f"STT '{task_no}' trùng với dòng {first_row_of[task_no]}; mỗi nhiệm vụ một STT riêng")
            ok = False
        else:
            first_row_of[task_no] = row_no
        content = text.get("content")
        if not content:
            problems.add(sheet, table.cell("content", row_no), None, "thiếu Nội dung nhiệm vụ")
            ok = False
        if not ok:
            continue

        lead_codes, unknown_lead = offices.resolve(text.get("lead_text"))
        coord_codes, unknown_coord = offices.resolve(text.get("coord_text"))
        for key, names in (("lead_text", unknown_lead), ("coord_text", unknown_coord)):
            for name in names:
                result.warnings.append(Problem(sheet, table.cell(key, row_no), name,
                                               f"không nhận ra cơ quan '{name}' trong danh mục; vẫn ghi nhận nguyên văn"))
        deadline_text = text.get("deadline_text")
        if not _check_date_text(table, "deadline_text", row_no, deadline_text, "Thời hạn hoàn thành", problems):
            continue
        deadline = parse_deadline(deadline_text or "")
        if deadline.kind == "unknown":
            message = (f"không hiểu thời hạn '{deadline_text}'; giữ nguyên văn bản" if deadline_text
                       else "chưa ghi thời hạn hoàn thành; nhiệm vụ sẽ không bị tính quá hạn")
            result.warnings.append(Problem(sheet, table.cell("deadline_text", row_no), deadline_text, message))

        task_id = f"{plan['plan_id']}:{task_no}"
        result.tasks.append({
            "task_id": task_id, "plan_id": plan["plan_id"], "task_no": task_no, "sort_order": len(result.tasks),
            "group_no": text.get("group_no"), "group_title": text.get("group_title"), "content": content,
            "detail": None, "lead_text": text.get("lead_text"), "lead_units": lead_codes,
            "coord_text": text.get("coord_text"), "coord_units": coord_codes,
            "expected_output": text.get("expected_output"), "deadline_text": deadline_text,
            "deadline_kind": deadline.kind, "due_date": deadline.due_date, "start_date": deadline.start_date,
            "recurrence": deadline.recurrence, "deadline_note": deadline.note, "is_key_task": False,
            "excel_row": row_no,
        })
        lead_office = None
        if lead_codes and offices.level(lead_codes[0]) == "commune":
            lead_office = f"{issuer}/{lead_codes[0]}"
        result.task_units.append({"task_id": task_id, "unit_id": issuer, "lead_office_id": lead_office})


def _horizon(value: object) -> int | None:
    text = _text(value)
    if text and re.fullmatch(r"\d{4}", text) and int(text) in HORIZONS:
        return int(text)
    return None


def _check_targets(con, table: _Table, result: PlanCheck, problems: ProblemList, offices: _Offices) -> None:
    sheet, plan = table.sheet, result.plan
    known = {kpi_id: (name, uom) for kpi_id, name, uom in con.execute(
        "select kpi_id, name, unit_of_measure from kpis").fetchall()}
    new_kpis: dict[str, dict] = {}
    seen: dict[tuple[str, int], int] = {}
    for item_no, (row_no, row) in enumerate(table.rows, start=1):
        text = {key: _text(row.get(key)) for key in table.column_index}
        kpi_id = (text.get("kpi_id") or "").lower()
        ok = True
        if not kpi_id:
            problems.add(sheet, table.cell("kpi_id", row_no), None,
                         "thiếu Mã chỉ tiêu (chọn mã có sẵn ở trang 'Danh mục' hoặc đặt mã mới)")
            ok = False
        elif kpi_id not in known and kpi_id not in new_kpis:
            missing = [label for key, label in (("kpi_name", "Tên chỉ tiêu"), ("unit_of_measure", "Đơn vị tính"))
                       if not text.get(key)]
            if not _SLUG.fullmatch(kpi_id):
                problems.add(sheet, table.cell("kpi_id", row_no), text["kpi_id"],
                             "mã chỉ tiêu mới chỉ gồm chữ không dấu, chữ số và dấu gạch ngang (ví dụ: ho-kinh-doanh-so)")
                ok = False
            elif missing:
                problems.add(sheet, table.cell("kpi_id", row_no), text["kpi_id"],
                             f"mã chỉ tiêu '{kpi_id}' chưa có trong danh mục; chỉ tiêu mới phải ghi "
                             + " và ".join(missing))
                ok = False
            else:
                uom = text["unit_of_measure"]
                is_rank = header_key(uom) == header_key(RANK_UNIT)
                new_kpis[kpi_id] = {
                    "kpi_id": kpi_id, "name": text["kpi_name"], "unit_of_measure": RANK_UNIT if is_rank else uom,
                    "direction": "rank" if is_rank else "higher", "kind": "level", "is_ratio": uom.strip() == "%",
                    "numerator_label": None, "denominator_label": None,
                }

        horizon = _horizon(row.get("horizon"))
        if horizon is None:
            problems.add(sheet, table.cell("horizon", row_no), text.get("horizon"),
                         "Mốc năm phải là một trong 2025, 2026, 2030, 2045")
            ok = False

        target_text = text.get("target_text")
        if not _check_date_text(table, "target_text", row_no, target_text, "Mục tiêu", problems):
            continue
        parsed = parse_target(target_text) if target_text else []
        uom = new_kpis[kpi_id]["unit_of_measure"] if kpi_id in new_kpis else known.get(kpi_id, (None, None))[1]
        for target in parsed:
            why = value_rules.out_of_bounds(target.value, uom) if target.value is not None else None
            if why:
                problems.add(sheet, table.cell("target_text", row_no), target_text,
                             f"mục tiêu {value_rules.number_text(target.value)} {why}")
                ok = False
        if target_text and not parsed and re.search(r"\d", target_text):
            problems.add(sheet, table.cell("target_text", row_no), target_text,
                         "không đọc được Mục tiêu; ghi dấu so sánh và đơn vị, ví dụ '≥ 80%', 'Tốp 25 của tỉnh', "
                         "'≥ 2%/năm' (mục tiêu định tính thì không ghi số)")
            ok = False
        if not ok:
            continue

        lead_codes, unknown = offices.resolve(text.get("lead_text"))
        for name in unknown:
            result.warnings.append(Problem(sheet, table.cell("lead_text", row_no), name,
                                           f"không nhận ra cơ quan '{name}' trong danh mục; vẫn ghi nhận nguyên văn"))
        base = {
            "plan_id": plan["plan_id"], "unit_id": plan["issuer_unit_id"], "kpi_id": kpi_id,
            "raw_text": target_text, "item_no": str(item_no),
            "item_text": text.get("kpi_name") or known.get(kpi_id, (None,))[0],
            "lead_text": text.get("lead_text"), "lead_units": lead_codes, "excel_row": row_no,
        }
        rows = []
        if not parsed:
            rows.append({**base, "horizon": horizon, "comparator": None, "target_value": None, "target_unit": None,
                         "per_year": False, "due_date": date(horizon, 12, 31)})
        for index, target in enumerate(parsed):
            # The row's own horizon is the first target's; a second one ("…, tiến tới 100% trước
            # ngày 31/12/2030") keeps the horizon its date names.
            target_horizon = horizon if index == 0 else target.horizon
            if target_horizon not in HORIZONS:
                problems.add(sheet, table.cell("target_text", row_no), target_text,
                             f"ô Mục tiêu có nhiều mục tiêu ('{target.raw}'); hãy tách mỗi mốc năm một dòng")
                rows = []
                break
            if index == 0 and target.due_date and target.due_date.year != horizon:
                result.warnings.append(Problem(
                    sheet, table.cell("target_text", row_no), target_text,
                    f"hạn trong Mục tiêu ({target.due_date:%d/%m/%Y}) không thuộc Mốc năm {horizon}; "
                    "ghi nhận theo Mốc năm, hạn theo Mục tiêu"))
            rows.append({**base, "horizon": target_horizon, "comparator": target.comparator,
                         "target_value": target.value, "target_unit": target.unit, "per_year": target.per_year,
                         "due_date": target.due_date or date(target_horizon, 12, 31)})
        for target_row in rows:
            key = (kpi_id, target_row["horizon"])
            if key in seen:
                problems.add(sheet, table.cell("kpi_id", row_no), kpi_id,
                             f"chỉ tiêu '{kpi_id}' mốc {key[1]} đã có ở dòng {seen[key]}; mỗi chỉ tiêu một mục tiêu cho mỗi mốc năm")
                continue
            seen[key] = row_no
            result.targets.append(target_row)
    result.new_kpis = list(new_kpis.values())


def _collect_offices(con, result: PlanCheck, offices: _Offices) -> None:
    """Offices of the commune named in the plan become units inside it, as for the seed plans."""
    if result.plan is None:
        return
    issuer = result.plan["issuer_unit_id"]
    codes: list[str] = []
    for row in result.tasks:
        codes += row["lead_units"] + row["coord_units"]
    for row in result.targets:
        codes += row["lead_units"]
    existing = {r[0] for r in con.execute("select unit_id from units where parent_id = ?", [issuer]).fetchall()}
    for code in dict.fromkeys(codes):
        unit_id = f"{issuer}/{code}"
        if offices.level(code) == "commune" and unit_id not in existing:
            result.new_offices.append({"unit_id": unit_id, "name": f"{offices.name(code)} ({result.plan['issuer_label']})",
                                       "kind": "office", "parent_id": issuer, "office_code": code})
