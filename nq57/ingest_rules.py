"""The rules a report's rows follow: known units, KPIs and tasks, the template's unit and period,
numbers that are numbers and within their bounds, statuses, evidence for finished tasks, no row
twice. Each broken rule is a problem naming its sheet and cell."""
from __future__ import annotations

import numpy as np
import pandas as pd

from nq57 import value_rules
from nq57.ingest_cells import _cell, _codes, _is_blank, _numbers, _per_distinct, _Sheet, _texts, parse_period
from nq57.workbook.common import ProblemList
from nq57.workbook_format import status_code
from nq57.vnformat import vn_shortened


class _Context:
    """What the rules look up once per file. `result` is the ingest.CheckResult being filled (its
    unit_id, period and period_to: the unit and months the template was made for)."""

    def __init__(self, con, result, known_units: set[str]):
        self.result = result
        self.known_units = known_units
        self.kpis = con.execute("select kpi_id, unit_of_measure, is_ratio from kpis").df().set_index("kpi_id")
        self.assignments = set(map(tuple, con.execute("select unit_id, task_id from task_units").fetchall()))
        self.known_tasks = {r[0] for r in con.execute("select task_id from tasks").fetchall()}
        self.max_text_chars = value_rules.max_text_chars(con)


def _keep(sheet: _Sheet, mask: pd.Series) -> _Sheet:
    return _Sheet(sheet.name, sheet.frame[mask.values], sheet.excel_rows[mask.values], sheet.column_index)


def _report_rows(sheet: _Sheet, key: str, message_for, problems: ProblemList, bad: pd.Series) -> None:
    if not bad.any():
        return
    column = sheet.column_index[key]
    values = sheet.frame[key]
    for position in np.flatnonzero(bad.values):
        value = values.iloc[position]
        problems.add(sheet.name, _cell(column, int(sheet.excel_rows[position])), value,
                     message_for(_shown(value)) + _row_subject(sheet, position))


# What a row is about, as its template names it: "Chỉ tiêu!I12" alone sent the secretariat
# counting rows to find which KPI the wrong value was for.
ROW_SUBJECTS = (("kpi_name", "chỉ tiêu"), ("content", "nhiệm vụ"))


def _row_subject(sheet: _Sheet, position: int) -> str:
    for key, word in ROW_SUBJECTS:
        if key in sheet.frame:
            name = sheet.frame[key].iloc[position]
            if isinstance(name, str) and name.strip():
                return f" ({word} «{vn_shortened(name.strip(), 60)}»)"
    return ""


def _shown(value: object) -> object:
    """A cell value as a message quotes it: 150 not '150.0', 2,5 not '2.5' (Excel stores every number
    as a float), 1e+308 not 309 digits, long text cut."""
    if isinstance(value, float) and not np.isnan(value):
        if not np.isfinite(value) or abs(value) >= 1e15:
            return f"{value:.6g}".replace(".", ",")
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return value_rules.quoted(value)


def _check_keys(sheet: _Sheet, context: _Context, problems: ProblemList) -> tuple[pd.Series, pd.Series]:
    """Unit and period of every row: known, and the ones the template was made for."""
    result = context.result
    units = _codes(sheet.frame["unit_id"])
    if result.unit_id == "all":
        _report_rows(sheet, "unit_id", lambda v: f"mã đơn vị '{v}' không có trong danh mục", problems,
                     ~units.isin(context.known_units))
    else:
        _report_rows(sheet, "unit_id", lambda v: f"mã đơn vị '{v}' khác đơn vị của mẫu ('{result.unit_id}')",
                     problems, units != result.unit_id)
    # once per distinct cell value (values equal in Python, like 46296 and 46296.0, read alike)
    periods = pd.Series(_per_distinct(sheet.frame["period"].to_numpy(dtype=object), parse_period),
                        index=sheet.frame.index, dtype=object)
    lookup = dict.fromkeys(periods.dropna().unique())
    _report_rows(sheet, "period", _unreadable_period, problems, periods.isna())
    if result.period_to == result.period:
        wrong = periods.notna() & (periods != result.period)
        message = f"kỳ báo cáo khác kỳ của mẫu ({result.period:%m/%Y})"
    else:
        outside = {value for value in lookup if not result.period <= value <= result.period_to}
        wrong = periods.isin(outside)
        message = f"kỳ báo cáo nằm ngoài các kỳ của mẫu ({result.period:%m/%Y}–{result.period_to:%m/%Y})"
    _report_rows(sheet, "period", lambda v: message, problems, wrong)
    return units, periods


def _unreadable_period(value: object) -> str:
    impossible = value_rules.impossible_date(str(value))
    if impossible:
        return f"kỳ báo cáo '{value}' là ngày không có thật ({impossible}); cần dạng 10/2026"
    return "kỳ báo cáo không đọc được (cần dạng 10/2026)"


def _check_lengths(sheet: _Sheet, keys: tuple[str, ...], limit: int, problems: ProblemList) -> None:
    """Texts over the max_text_chars setting are refused, not cut: a cut note would change its meaning."""
    for key in keys:
        if key not in sheet.frame:
            continue
        column = sheet.column_index[key]
        values = sheet.frame[key].to_numpy(dtype=object)
        long = np.flatnonzero([isinstance(v, str) and len(v) > limit for v in values])
        for position in long:
            problems.add(sheet.name, _cell(column, int(sheet.excel_rows[position])), values[position],
                         value_rules.too_long(values[position], limit))


def _check_magnitudes(sheet: _Sheet, key: str, label: str, values: pd.Series, units: pd.Series,
                      problems: ProblemList, skip: pd.Series) -> None:
    """Values outside what their unit of measure allows, non-finite ones included (value_rules:
    one rule for every importer). Rows in `skip` were already reported by a plainer message."""
    if key not in sheet.frame:
        return
    bounds = {unit: value_rules.bounds_for(unit) for unit in units.unique()}
    low = units.map({unit: b[0] for unit, b in bounds.items()}).astype("float64")
    high = units.map({unit: b[1] for unit, b in bounds.items()}).astype("float64")
    bad = values.notna() & ~skip & (~np.isfinite(values) | (values < low) | (values > high))
    column, raw = sheet.column_index[key], sheet.frame[key]
    for position in np.flatnonzero(bad.values):
        why = value_rules.out_of_bounds(float(values.iloc[position]), units.iloc[position])
        problems.add(sheet.name, _cell(column, int(sheet.excel_rows[position])), raw.iloc[position],
                     f"{label} {_shown(float(values.iloc[position]))} {why}")


def _duplicated(units: pd.Series, items: pd.Series, periods: pd.Series) -> pd.Series:
    """Rows whose (unit, item, period) appears more than once."""
    if not len(units):
        return pd.Series(False, index=units.index)
    key = np.zeros(len(units), dtype=np.int64)
    for part in (units, items, periods):
        codes, uniques = pd.factorize(part.to_numpy(dtype=object), use_na_sentinel=False)
        key = key * len(uniques) + codes
    _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return pd.Series(counts[inverse] > 1, index=units.index)


def _check_kpis(sheet: _Sheet, context: _Context, problems: ProblemList) -> pd.DataFrame:
    frame = sheet.frame
    filled = pd.Series(False, index=frame.index)
    for key in ("value", "numerator", "denominator"):
        if key in frame:
            filled |= ~_is_blank(frame[key])
    sheet = _keep(sheet, filled)
    frame = sheet.frame
    units, periods = _check_keys(sheet, context, problems)
    kpi_ids = _codes(frame["kpi_id"])
    known = kpi_ids.isin(context.kpis.index)
    _report_rows(sheet, "kpi_id", lambda v: f"mã chỉ tiêu '{v}' không có trong danh mục", problems, ~known)

    numbers = {}
    for key, label in (("value", "Giá trị"), ("numerator", "Tử số"), ("denominator", "Mẫu số")):
        if key not in frame:
            numbers[key] = pd.Series(np.nan, index=frame.index)
            continue
        values, bad = _numbers(frame[key])
        _report_rows(sheet, key, lambda v, label=label: f"{label} '{v}' không phải là số", problems, bad)
        numbers[key] = values
    value, numerator, denominator = numbers["value"], numbers["numerator"], numbers["denominator"]
    uom = kpi_ids.map(context.kpis["unit_of_measure"]).fillna("")
    is_percent = uom.eq("%")
    finite = pd.Series(np.isfinite(value), index=frame.index)
    _report_rows(sheet, "value", lambda v: f"tỷ lệ phần trăm {v} nằm ngoài khoảng 0–100", problems,
                 finite & is_percent & ((value < 0) | (value > 100)))
    _report_rows(sheet, "value", lambda v: f"giá trị {v} âm; số đếm không thể âm", problems,
                 finite & ~is_percent & (value < 0))
    _check_magnitudes(sheet, "value", "giá trị", value, uom, problems, skip=finite & (is_percent | (value < 0)))
    whole = uom.map(value_rules.counts_whole_things).astype(bool)
    _report_rows(sheet, "value", lambda v: f"giá trị {v} không phải số nguyên; chỉ tiêu này đếm từng đơn vị", problems,
                 finite & whole & (value >= 0) & (value != np.floor(value)))
    counted = pd.Series("", index=frame.index)   # numerators and denominators count things
    if "numerator" in frame:
        _report_rows(sheet, "numerator", lambda v: f"tử số {v} âm", problems, numerator < 0)
        _check_magnitudes(sheet, "numerator", "tử số", numerator, counted, problems, skip=numerator < 0)
        _report_rows(sheet, "numerator", lambda v: f"tử số {v} lớn hơn mẫu số", problems,
                     numerator.notna() & denominator.notna() & (numerator > denominator))
        _report_rows(sheet, "numerator", lambda v: "cần nhập cả tử số và mẫu số", problems,
                     numerator.notna() ^ denominator.notna())
    if "denominator" in frame:
        _report_rows(sheet, "denominator", lambda v: f"mẫu số {v} âm", problems, denominator < 0)
        _check_magnitudes(sheet, "denominator", "mẫu số", denominator, counted, problems, skip=denominator < 0)
        _report_rows(sheet, "denominator", lambda v: "mẫu số bằng 0 trong khi tử số lớn hơn 0", problems,
                     (denominator == 0) & (numerator > 0))
    _check_lengths(sheet, ("evidence_ref", "note"), context.max_text_chars, problems)
    duplicated = _duplicated(units, kpi_ids, periods) & known
    _report_rows(sheet, "kpi_id",
                 lambda v: f"chỉ tiêu '{v}' xuất hiện nhiều lần cho cùng đơn vị và kỳ (chỉ được một dòng)",
                 problems, duplicated)
    text = lambda key: _texts(frame[key]) if key in frame else pd.Series(None, index=frame.index, dtype=object)
    return pd.DataFrame({
        "unit_id": units.values, "period": periods.values, "kpi_id": kpi_ids.values, "value": value.values,
        "numerator": numerator.values, "denominator": denominator.values,
        "evidence_ref": text("evidence_ref").values, "note": text("note").values,
        "excel_row": sheet.excel_rows,
    })


def _check_tasks(sheet: _Sheet, context: _Context, problems: ProblemList) -> pd.DataFrame:
    frame = sheet.frame
    filled = ~_is_blank(frame["status"])
    if "percent_complete" in frame:
        filled |= ~_is_blank(frame["percent_complete"])
    sheet = _keep(sheet, filled)
    frame = sheet.frame
    units, periods = _check_keys(sheet, context, problems)
    task_ids = _codes(frame["task_id"])
    known = task_ids.isin(context.known_tasks)
    _report_rows(sheet, "task_id", lambda v: f"mã nhiệm vụ '{v}' không có trong danh mục", problems, ~known)
    assigned = pd.Series([(u, t) in context.assignments for u, t in zip(units, task_ids)], index=frame.index)
    _report_rows(sheet, "task_id", lambda v: f"nhiệm vụ '{v}' không giao cho đơn vị này", problems, known & ~assigned)
    lookup = {value: status_code(value) for value in frame["status"].drop_duplicates()}
    statuses = frame["status"].map(lookup)
    _report_rows(sheet, "status",
                 lambda v: f"trạng thái '{v}' không hợp lệ (chọn: Chưa thực hiện, Đang thực hiện, Hoàn thành)",
                 problems, statuses.isna())
    percent = pd.Series(np.nan, index=frame.index)
    if "percent_complete" in frame:
        percent, bad = _numbers(frame["percent_complete"])
        _report_rows(sheet, "percent_complete", lambda v: f"tỷ lệ hoàn thành '{v}' không phải là số", problems, bad)
        _report_rows(sheet, "percent_complete", lambda v: f"tỷ lệ hoàn thành {v} nằm ngoài khoảng 0–100", problems,
                     (percent < 0) | (percent > 100))
    _check_lengths(sheet, ("evidence_ref", "difficulties", "requests", "note"), context.max_text_chars, problems)
    evidence = _texts(frame["evidence_ref"])
    _report_rows(sheet, "status", lambda v: "nhiệm vụ 'Hoàn thành' phải có minh chứng (cột Minh chứng đang trống)",
                 problems, statuses.eq("hoan_thanh") & evidence.isna())
    duplicated = _duplicated(units, task_ids, periods) & known
    _report_rows(sheet, "task_id", lambda v: f"nhiệm vụ '{v}' xuất hiện nhiều lần cho cùng đơn vị và kỳ", problems,
                 duplicated)
    percent = percent.where(percent.notna() | ~statuses.eq("hoan_thanh"), 100.0)
    text = lambda key: _texts(frame[key]) if key in frame else pd.Series(None, index=frame.index, dtype=object)
    return pd.DataFrame({
        "unit_id": units.values, "period": periods.values, "task_id": task_ids.values, "status": statuses.values,
        "percent_complete": percent.values, "evidence_ref": evidence.values,
        "difficulties": text("difficulties").values, "requests": text("requests").values, "note": text("note").values,
        "excel_row": sheet.excel_rows,
    })
