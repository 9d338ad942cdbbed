"""The meeting pack: one Excel workbook and one PDF for a given as-of date.

    data.py      the figures, read from the views in one short connection (load_pack_data)
    workbook.py  the .xlsx (openpyxl)
    charts.py    the charts (matplotlib, Agg) as PNG bytes
    pdf.py       the .pdf (fpdf2), with the charts

Callers that share the database read with `load_pack_data`, close the connection, then call
`write_pack`, which needs no database.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from nq57.pack.data import PackData, Progress, load_pack_data, no_progress, pack_file_names
from nq57.pack.pdf import PDF_FLAG_LIMIT, write_pdf
from nq57.pack.workbook import FIXED_SHEETS, sheet_title, write_workbook

__all__ = ["PDF_FLAG_LIMIT", "FIXED_SHEETS", "PackData", "PackFiles", "build_pack", "load_pack_data",
           "pack_file_names", "sheet_title", "write_pack", "write_pdf", "write_workbook"]


@dataclass(frozen=True)
class PackFiles:
    xlsx: Path
    pdf: Path


def build_pack(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    out_dir: Path,
    progress: Progress | None = None,
) -> PackFiles:
    """Write goi_hop_YYYY-MM-DD.xlsx and .pdf into out_dir; progress(fraction, message) as it goes.
    Holds `con` while drawing: callers that share the database read with load_pack_data, close
    the connection, then call write_pack."""
    report = progress or no_progress
    report(0.0, "Đang đọc số liệu từ cơ sở dữ liệu…")
    return write_pack(load_pack_data(con, as_of), out_dir, progress)


def write_pack(data: PackData, out_dir: Path, progress: Progress | None = None) -> PackFiles:
    """The two files from figures already read; needs no database."""
    report = progress or no_progress
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx_name, pdf_name = pack_file_names(data.as_of)

    report(0.15, "Đang tạo tệp Excel…")
    xlsx_path = out_dir / xlsx_name
    write_workbook(data, xlsx_path, lambda f, m: report(0.15 + 0.45 * f, m))

    report(0.6, "Đang vẽ biểu đồ…")
    pdf_path = out_dir / pdf_name
    write_pdf(data, pdf_path, lambda f, m: report(0.6 + 0.4 * f, m))

    report(1.0, "Đã tạo xong gói họp.")
    return PackFiles(xlsx=xlsx_path, pdf=pdf_path)
