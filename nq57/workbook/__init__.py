"""Safe reading of uploaded workbooks, shared by the report and plan importers.

`read_workbook` = the container and part scans (container.py, parts.py: bounded, before any grid
is built) + python-calamine in a child process under memory and time limits (reader.py,
child.py). Every refusal is a Problem in Vietnamese naming the sheet (and cell when there is one).
"""
from __future__ import annotations

import xml.etree.ElementTree as ElementTree
import zipfile
from dataclasses import dataclass, field

from nq57.workbook.container import RESAVE, Problem, Refused, open_zip, read_member
from nq57.workbook.parts import Limits, column_letters, scan_part
from nq57.workbook.reader import ReadFailed, SheetCells, read_cells

MAX_ZIP_RATIO = 200              # declared sizes: compressed XML rarely exceeds 1:20; bombs go to 1:1000
MAX_WORKBOOK_PART = 8 << 20      # workbook.xml and its rels are parsed whole
COLUMN_MARGIN = 12               # columns a person may add beside the template's (26 for the report: A–Z)

SETTING_KEYS = ("max_unzipped_mb", "max_sheet_rows", "reader_memory_mb", "reader_timeout_seconds")
_ERROR_WORDS = {"XmlError": "cấu trúc XML bị hỏng", "ZipError": "cấu trúc nén bị hỏng",
                "WorksheetNotFound": "thiếu phần dữ liệu của trang"}


@dataclass
class Sheet:
    name: str
    state: str                   # visible | hidden | veryHidden
    part: str | None             # its worksheet part, when the rels name one


@dataclass
class Scanned:
    sheets: list[Sheet] = field(default_factory=list)

    def sheet(self, name: str) -> Sheet | None:
        return next((s for s in self.sheets if s.name == name), None)


_XML_PARTS = (".xml", ".rels", ".vml")
_RELATIONSHIPS = "xl/_rels/workbook.xml.rels"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(archive: zipfile.ZipFile, name: str, budget: list[int]) -> ElementTree.Element | None:
    """A small structural part, after its own DTD scan; None when absent."""
    try:
        member = archive.getinfo(name)
    except KeyError:
        return None
    scan = scan_part(archive, member, budget, Limits(MAX_WORKBOOK_PART, 1, 1), False, False, f"thành phần {name}")
    if scan.dtd:
        raise Refused([_dtd_problem(None, name)])
    try:
        return ElementTree.fromstring(read_member(archive, name, MAX_WORKBOOK_PART, f"thành phần {name}"))
    except ElementTree.ParseError as error:
        raise Refused([Problem(None, None, name, f"thành phần {name} có cấu trúc XML bị hỏng ({error}); {RESAVE}")])


def _dtd_problem(sheet: str | None, part: str) -> Problem:
    return Problem(sheet, None, part, f"thành phần {part} chứa khai báo DOCTYPE/ENTITY, không được phép trong tệp "
                                      "Excel; tệp bị từ chối")


def _sheets(archive: zipfile.ZipFile, budget: list[int]) -> list[Sheet]:
    """Sheet names, states and parts from workbook.xml and its relationships."""
    workbook = _parse(archive, "xl/workbook.xml", budget)
    relationships = _parse(archive, _RELATIONSHIPS, budget)
    targets = {}
    for element in (relationships.iter() if relationships is not None else ()):
        if _local(element.tag) == "Relationship" and element.get("Target"):
            target = element.get("Target")
            targets[element.get("Id")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    sheets = []
    for element in workbook.iter():
        if _local(element.tag) == "sheet":
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            sheets.append(Sheet(element.get("name") or "", element.get("state") or "visible", targets.get(rid)))
    return sheets


def scan_workbook(data: bytes, limits: Limits, data_sheets: list[str]) -> Scanned:
    """Refused (with every problem found) unless the xlsx is safe to hand to python-calamine:
    its structure, real unzipped size, no DTD, worksheets within bounds; the data sheets visible,
    unique and without formulas lacking a cached value."""
    archive = open_zip(data)
    members = archive.infolist()
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise Refused([Problem(None, None, None, "tệp nén không phải sổ làm việc Excel (.xlsx)")])
    if sum(m.file_size for m in members) > limits.max_unzipped_bytes or any(
            m.compress_size and m.file_size > 10 * 1024 * 1024 and m.file_size / m.compress_size > MAX_ZIP_RATIO
            for m in members):
        raise Refused([Problem(None, None, None, "tệp nén giải nén ra dung lượng bất thường (nghi tệp 'zip bomb'); "
                                                 "tệp bị từ chối")])
    budget = [limits.max_unzipped_bytes]
    scanned = Scanned(_sheets(archive, budget))
    problems = _visibility_problems(scanned, data_sheets)
    if problems:
        raise Refused(problems)
    by_part = {s.part.lower(): s for s in scanned.sheets if s.part}
    for member in members:
        lowered = member.filename.lower()
        sheet = by_part.get(lowered)
        if member.filename in ("xl/workbook.xml", _RELATIONSHIPS) or not (
                sheet or lowered.endswith(_XML_PARTS)):
            continue
        is_sheet = sheet is not None or lowered.startswith("xl/worksheets/")
        what = f"trang '{sheet.name}'" if sheet else f"thành phần {member.filename}"
        scan = scan_part(archive, member, budget, limits, is_sheet, bool(sheet and sheet.name in data_sheets), what)
        label = sheet.name if sheet else None
        if scan.dtd:
            raise Refused([_dtd_problem(label, member.filename)])
        if scan.bad_entity is not None:
            problems.append(Problem(label, None, member.filename,
                                    f"{what} chứa tham chiếu thực thể XML không hợp lệ "
                                    f"('{scan.bad_entity.decode('utf-8', 'replace')}'); {RESAVE}"))
        if scan.beyond is not None:
            problems.append(Problem(label, scan.beyond if sheet else None, scan.beyond, (
                f"{what} có ô {scan.beyond} nằm ngoài vùng dữ liệu cho phép (tối đa {limits.max_columns} cột, "
                f"tới cột {column_letters(limits.max_columns)}, và {limits.max_rows:,} dòng)".replace(",", ".")
                + "; hãy xóa các dòng, cột thừa (kể cả ô chỉ có định dạng) rồi lưu lại")))
        for cell in scan.formula_cells[:50]:
            problems.append(Problem(label, cell, None,
                                    f"ô {cell} có công thức nhưng chưa có giá trị; {RESAVE}"))
    if problems:
        raise Refused(problems)
    return scanned


def _visibility_problems(scanned: Scanned, data_sheets: list[str]) -> list[Problem]:
    problems = []
    for name in data_sheets:
        same = [s for s in scanned.sheets if s.name.strip().casefold() == name.casefold()]
        if len(same) > 1:
            problems.append(Problem(name, None, None, f"tệp có {len(same)} trang tên '{name}'; chỉ được một trang"))
        for sheet in same:
            if sheet.state in ("hidden", "veryHidden"):
                problems.append(Problem(name, None, sheet.state, (
                    f"trang '{sheet.name}' đang bị ẩn; dữ liệu báo cáo phải nằm ở trang hiển thị — hãy bỏ ẩn trang "
                    "(chuột phải vào tên trang > Bỏ ẩn), kiểm tra lại số liệu rồi tải lên")))
    return problems


@dataclass
class Settings:
    limits: Limits
    memory_bytes: int
    timeout_seconds: float


def settings(con, widths: list[int]) -> Settings:
    """The reading limits from the settings table (defaults when absent or unreadable; con may be
    None) for sheets whose template has these column counts."""
    from nq57.settings import DEFAULT_SETTINGS   # the defaults and their descriptions live there

    values = {key: float(DEFAULT_SETTINGS[key][0]) for key in SETTING_KEYS}
    if con is not None:
        for key, value in con.execute("select key, value from settings where key in (?, ?, ?, ?)",
                                      list(SETTING_KEYS)).fetchall():
            try:
                values[key] = float(value)
            except ValueError:
                pass
    return Settings(Limits(int(values["max_unzipped_mb"] * 1048576), int(values["max_sheet_rows"]),
                           max(widths) + COLUMN_MARGIN),
                    int(values["reader_memory_mb"] * 1048576), float(values["reader_timeout_seconds"]))


@dataclass
class Book:
    scanned: Scanned
    cells: dict[str, SheetCells]      # the sheets asked for that the file has


def read_workbook(data: bytes, file_name: str, wanted: list[str], data_sheets: list[str],
                  chosen: Settings) -> Book:
    """Scan, then read the wanted sheets in the child; Refused with Vietnamese problems otherwise."""
    scanned = scan_workbook(data, chosen.limits, data_sheets)
    try:
        cells = read_cells(data, wanted, chosen.memory_bytes, chosen.timeout_seconds)
    except ReadFailed as failed:
        raise Refused([_failure(failed, file_name, chosen)])
    return Book(scanned, cells)


def _failure(failed: ReadFailed, file_name: str, chosen: Settings) -> Problem:
    if failed.reason == "password":
        return Problem(None, None, None, "tệp được đặt mật khẩu; hãy bỏ mật khẩu rồi tải lại")
    if failed.reason == "time":
        why = f"quá thời gian: hơn {chosen.timeout_seconds:g} giây"
    elif failed.reason == "memory":
        why = f"quá bộ nhớ: cần hơn {chosen.memory_bytes // 1048576} MB"
    else:
        kind = failed.detail.split(":", 1)[0]
        why = "lỗi đọc" + (f": {_ERROR_WORDS[kind]}" if kind in _ERROR_WORDS else "")
    where = f", trang '{failed.sheet}'" if failed.sheet else ""
    return Problem(failed.sheet, None, None, f"không đọc được tệp {file_name}{where} ({why}); {RESAVE}")
