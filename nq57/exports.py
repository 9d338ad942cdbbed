"""Exports of views and catalogue tables to CSV and Excel.

A text cell that a spreadsheet would run as a formula (=, +, -, @) can never execute: in CSV
(which has no types) and in the report and plan templates (read back by the importer) it gets a
leading apostrophe, `neutralise_text`; in the Excel exports and the meeting pack it is written as
the text it is, in a string cell marked to stay text when edited, `protect_text_cells` (Excel
shows an apostrophe written into a string: the pack's rank change read "'=" for "=").
"""
from __future__ import annotations

import csv
import functools
import io
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from nq57 import db, views

EXPORTABLE = db.CONTRACT_VIEWS + db.CATALOGUE_TABLES
HEADERS_FILE = Path(__file__).resolve().parent.parent / "data" / "seed" / "column_labels.csv"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading apostrophe; anything else is
    returned unchanged. Leading spaces do not hide a formula: some CSV imports trim them."""
    if isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def protect_text_cells(cells) -> None:
    """openpyxl cells: a text that would run as a formula stays that text, in a string cell
    (openpyxl took a leading "=" for a formula) with quotePrefix, so editing it keeps it text."""
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.lstrip(" ").startswith(FORMULA_PREFIXES):
            cell.data_type = "s"
            cell.quotePrefix = True


def flatten_lists(frame: pd.DataFrame) -> pd.DataFrame:
    """List columns (lead office codes …) become 'a;b' so that CSV and Excel hold them."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and out[column].map(lambda v: isinstance(v, (list, tuple))).any():
            out[column] = out[column].map(
                lambda v: ";".join(map(str, v)) if isinstance(v, (list, tuple)) else v
            )
    return out


def export_frame(con: duckdb.DuckDBPyConnection, name: str, as_of: date | str | None = None) -> pd.DataFrame:
    if name not in EXPORTABLE:
        raise ValueError(f"không xuất được '{name}': chọn một trong {', '.join(EXPORTABLE)}")
    order = {"units": "sort_order", "tasks": "sort_order", "kpis": "kpi_id", "targets": "target_id"}.get(name)
    frame = db.query_view(con, name, as_of=as_of, order_by=order)
    return flatten_lists(frame)


@functools.cache
def _header_rows() -> tuple[tuple[str, str, str], ...]:
    with open(HEADERS_FILE, encoding="utf-8", newline="") as handle:
        return tuple((row["view"], row["column"], row["label"]) for row in csv.DictReader(handle))


def vietnamese_headers(name: str, columns) -> dict[str, str]:
    """The Vietnamese header a reader sees for each column of an exportable view or table, from
    data/seed/column_labels.csv (a row naming the view wins over the row for every view). The
    column names themselves stay the contract: CSV and the command line keep them."""
    general = {column: label for view, column, label in _header_rows() if not view}
    specific = {column: label for view, column, label in _header_rows() if view == name}
    return {column: specific.get(column, general.get(column, column)) for column in columns}


def header(view: str, column: str) -> str:
    """The Vietnamese header of one column of a view (vietnamese_headers for one column): the
    export page, the meeting pack's sheets and the league table all word a column this way."""
    return vietnamese_headers(view, [column])[column]


def headed(view: str, columns: list[tuple]) -> list[tuple]:
    """(column, *rest) rows → (column, header, *rest), the header from column_labels.csv."""
    return [(column, header(view, column), *rest) for column, *rest in columns]


def label_column(column: str) -> str:
    """The column that words a coded column for a reader, by the views' naming: `status` →
    `status_label`, `rule` → `rule_label`, `evidence_state` → `evidence_label`, `state` → `state_label`."""
    stem = column.removesuffix("_state") if column != "state" else column
    return f"{stem}_label"


# The catalogue tables have no view contract: their coded columns and labels domains (the staging
# view stg_units accepts `unit_kind = unit_kind`, renamed from the table's `kind`).
CATALOGUE_CODED = {"units": {"kind": "unit_kind"}, "tasks": {"deadline_kind": "deadline_kind"},
                   "kpis": {"direction": "kpi_direction", "kind": "kpi_kind"}, "targets": {"comparator": "comparator"}}


def coded_domains(name: str) -> set[str]:
    """The labels domains of a view's coded columns (its contract's `-- accepted:` line)."""
    accepted = views.REGISTRY[name].accepted if name in views.REGISTRY else CATALOGUE_CODED.get(name, {})
    return set(accepted.values())


def reader_frame(name: str, frame: pd.DataFrame, labels: dict[str, dict[str, str]]) -> pd.DataFrame:
    """What a reader sees of an export: every coded column of the view (its contract's
    `-- accepted:` columns, codes of a labels domain) shown by its label only. Where the view has
    the label column beside the code, the code goes; where it has none, the codes are replaced by
    the labels table's words under the label column's name (`unit_kind` → `unit_kind_label`,
    `ward` → the unit_kind label). `labels` is {domain: {code: label}}, from the labels table.
    The CSV and the command line keep the contract columns; this is for the screen."""
    accepted = views.REGISTRY[name].accepted if name in views.REGISTRY else CATALOGUE_CODED.get(name, {})
    out = frame.copy()
    for column, domain in accepted.items():
        if column not in out.columns:
            continue
        worded = label_column(column)
        if worded not in out.columns:
            words = labels.get(domain, {})
            out.insert(out.columns.get_loc(column), worded,
                       out[column].map(lambda code: None if pd.isna(code) else words.get(str(code), str(code))))
        out = out.drop(columns=column)
    return out


def to_csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.map(neutralise_text).to_csv(buffer, index=False)
    return buffer.getvalue()


def column_format(column: str, dtype) -> str | None:
    """How a reader sees a column, by the views' naming: "percent" (*_rate, *_ratio hold 0..1),
    "datetime" (*_at), "period" (*period: a month), "date", "number", or None (text). The export
    page's grid and the Excel files both read it (`EXCEL_FORMATS`)."""
    if dtype.kind == "M":
        return "datetime" if column.endswith("_at") else "period" if column.endswith("period") else "date"
    if dtype.kind in "iuf":
        return "percent" if column.endswith(("_rate", "_ratio")) else "number"
    return None


# Excel's codes; Excel writes the separators of the reader's own locale (75,0% and 1.234 in Vietnamese).
EXCEL_FORMATS = {"percent": "0.0%", "datetime": "DD/MM/YYYY HH:MM", "date": "DD/MM/YYYY", "period": "MM/YYYY"}


def to_xlsx(frames: dict[str, pd.DataFrame], path: str | Path | io.BytesIO) -> None:
    """One sheet per frame, header row frozen, filters on, columns sized to their content."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for sheet_name, frame in frames.items():
            safe = frame.copy()
            for column in safe.columns:
                if isinstance(safe[column].dtype, pd.DatetimeTZDtype):
                    safe[column] = safe[column].dt.tz_localize(None)
            safe.to_excel(writer, sheet_name=sheet_name[:31], index=False)
            sheet = writer.sheets[sheet_name[:31]]
            protect_text_cells(sheet[1])  # the headers
            for index, column in enumerate(safe.columns, start=1):
                dtype = safe[column].dtype
                cells = [cell for found in sheet.iter_cols(min_col=index, max_col=index, min_row=2) for cell in found]
                if dtype == object or pd.api.types.is_string_dtype(dtype):  # only text holds formulas
                    protect_text_cells(cells)
                elif (excel := EXCEL_FORMATS.get(column_format(str(column), dtype))) is not None:
                    for cell in cells:  # 75% and 31/12/2025, not 0.75 and 2025-12-31
                        cell.number_format = excel
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
            for index, column in enumerate(safe.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in safe[column].head(200)])
                sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = min(width + 2, 60)
