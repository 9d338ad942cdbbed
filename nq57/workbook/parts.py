"""One part of an xlsx, streamed and scanned before python-calamine sees it.

python-calamine builds a dense grid from A1 to the last cell with a value, so one cell at
XFD1048576 asks for half a terabyte. Each worksheet part is scanned for the references it would
use (the declared dimension, every <row r> and <c r>) and refused beyond the limits; every XML
part for DTDs (`<!DOCTYPE`, `<!ENTITY`), anywhere in it, not only in its first bytes.

The fast path is a few regular expressions with literal prefixes (about 0,2 s for the 70 MB sheet
of the import benchmark). Anything it cannot judge (a cell without `r`, a namespace prefix, a
formula in a data sheet) sends the part to a precise tag-by-tag scan that follows
python-calamine's own position rules.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass

from nq57.workbook.container import RESAVE, Problem, Refused, stream_member

OVERLAP = 512                    # longer than any token the fast path looks at
MAX_TAG = 1 << 20                # a start tag longer than this is refused, not buffered


@dataclass(frozen=True)
class Limits:
    max_unzipped_bytes: int
    max_rows: int
    max_columns: int


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for byte in letters.upper():
        number = number * 26 + byte - 64
    return number


# --- the fast scan ----------------------------------------------------------------------------------

_DTD = re.compile(rb"<![A-Za-z]")                        # <!DOCTYPE, <!ENTITY …; not <!-- or <![CDATA[
_BAD_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);)")
_PREFIXED = re.compile(rb":(?:c|row|f|v|is)[\s/>]")      # <x:c …>: python-calamine ignores prefixes
_FORMULA = re.compile(rb"<f[\s/>]")
_CANONICAL_CELL = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"')
_CANONICAL_ROW = re.compile(rb'<row r="([0-9]+)"')
_DIMENSION = re.compile(rb"""<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_SHEET_DATA = re.compile(rb"<(?:[\w.-]+:)?sheetData[\s/>]")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([^"']*)["']""")


def has_dtd(data: bytes) -> bool:
    return _DTD.search(data) is not None


def _at_most(cap: int) -> bytes:
    """A regex for decimal numbers that are surely <= cap (the rest are checked one by one)."""
    text = str(cap)
    shorter = rb"[0-9]{1,%d}" % (len(text) - 1) if len(text) > 1 else b"(?!)"
    first = int(text[0])
    same = rb"|[0-%d][0-9]{%d}" % (first - 1, len(text) - 1) if first > 1 else b""
    return rb"(?:" + shorter + same + rb")"


def _letters_at_most(cap: int) -> bytes:
    if cap >= 26:
        return rb"[A-Za-z]"
    last = column_letters(cap).encode()
    return rb"[A-%sa-%s]" % (last, last.lower())


def _first(pattern: re.Pattern, buffer: bytes, end: int):
    """The first match starting before `end`; lookaheads still see the whole buffer."""
    match = pattern.search(buffer)
    return match if match and match.start() < end else None


def _each(pattern: re.Pattern, buffer: bytes, end: int):
    for match in pattern.finditer(buffer):
        if match.start() >= end:
            return
        yield match


class _Scan:
    """The findings on one part; positions are 1-based (row, column)."""

    def __init__(self, limits: Limits, is_sheet: bool, wants_formulas: bool):
        self.limits, self.is_sheet, self.wants_formulas = limits, is_sheet, wants_formulas
        self.precise = False          # something the fast path cannot judge: redo with _PreciseScan
        self.dtd = False
        self.bad_entity: bytes | None = None
        self.beyond: str | None = None  # the first reference out of bounds, e.g. 'XFD1048576'
        self.formula_cells: list[str] = []
        self.dimension_done = not is_sheet
        rows, columns = _at_most(limits.max_rows), _letters_at_most(limits.max_columns)
        # any <c not followed by a surely-small canonical reference (nor <col, <cfRule, <charset …)
        self.odd_cell = re.compile(rb'<c(?! r="' + columns + rows + rb'"|[ofhue])')
        self.odd_row = re.compile(rb'<row(?! r="' + rows + rb'"|B)')

    def out_of_bounds(self, row: int, column: int, ref: str) -> None:
        if (row > self.limits.max_rows or column > self.limits.max_columns) and self.beyond is None:
            self.beyond = ref

    def feed(self, buffer: bytes, end: int) -> None:
        """Look at matches starting before `end` (the rest comes again with the next chunk)."""
        if _DTD.search(buffer):
            self.dtd = True
            return
        match = _first(_BAD_ENTITY, buffer, end)
        if match and self.bad_entity is None:
            self.bad_entity = buffer[match.start():match.start() + 24].split(b";")[0] + b";"
        if not self.is_sheet:
            return
        if not self.dimension_done:
            data_at = _SHEET_DATA.search(buffer)
            found = _DIMENSION.search(buffer, 0, data_at.start() if data_at else len(buffer))
            if found:
                self._dimension(found.group(1))
            self.dimension_done = bool(found or data_at)
        if _first(_PREFIXED, buffer, end) or (self.wants_formulas and _first(_FORMULA, buffer, end)):
            self.precise = True
            return
        for match in _each(self.odd_cell, buffer, end):
            cell = _CANONICAL_CELL.match(buffer, match.start())
            if cell is None:
                self.precise = True
                return
            self.out_of_bounds(int(cell.group(2)), _column_number(cell.group(1)),
                               (cell.group(1) + cell.group(2)).decode().upper())
        for match in _each(self.odd_row, buffer, end):
            row = _CANONICAL_ROW.match(buffer, match.start())
            if row is None:
                self.precise = True
                return
            self.out_of_bounds(int(row.group(1)), 1, f"A{int(row.group(1))}")

    def _dimension(self, ref: bytes) -> None:
        last = ref.split(b":")[-1]
        parsed = re.fullmatch(rb"\$?([A-Za-z]{1,8})\$?([0-9]{1,12})", last)
        if parsed:
            self.out_of_bounds(int(parsed.group(2)), _column_number(parsed.group(1)),
                               (parsed.group(1) + parsed.group(2)).decode().upper())


# --- the precise scan -------------------------------------------------------------------------------

# possessive (*+): an unclosed tag must fail in linear time, not backtrack
_TAG = re.compile(rb"""<(/?)(?:[\w.-]+:)?(row|c|f|v|is)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*+)>""")
_TAG_START = re.compile(rb"<(?:[\w.-]+:)?(?:row|c|f|v|is)(?=[\s/>])")
_R_ATTRIBUTE = re.compile(rb"""(?:^|\s)r\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_REFERENCE = re.compile(rb"([A-Za-z]+)([0-9]+)")


class _PreciseScan:
    """Tag by tag, with python-calamine's rules (it expands <c/> and <row/> to start + end): a
    <c> or <row> without `r`, or whose `r` holds an entity (which it skips), takes the next
    position. Also finds formula cells without a cached value."""

    def __init__(self, scan: _Scan):
        self.scan = scan
        self.row_index, self.column_index = 0, 0
        self.cell: str | None = None
        self.formula = self.value = False
        self.value_at = -1

    def feed(self, buffer: bytes, offset: int, final: bool) -> int:
        """Process the complete tags in buffer; returns how many bytes were consumed."""
        consumed = 0
        for match in _TAG.finditer(buffer):
            self._tag(match, offset)
            consumed = match.end()
        if final:
            return len(buffer)
        keep = len(buffer)
        for match in _TAG_START.finditer(buffer, consumed):
            keep = match.start()            # an element of interest not closed yet
        if keep == len(buffer):
            last = buffer.rfind(b"<", max(consumed, len(buffer) - 4096))
            keep = last if last >= 0 else len(buffer)
        if len(buffer) - keep > MAX_TAG:
            raise Refused([Problem(None, None, None, "cấu trúc XML bất thường (thẻ quá dài); tệp bị từ chối")])
        return keep

    @staticmethod
    def _reference(attributes: bytes) -> bytes | None:
        found = _R_ATTRIBUTE.search(attributes)
        if not found:
            return None
        value = found.group(1) if found.group(1) is not None else found.group(2)
        return None if b"&" in value else value

    def _tag(self, match, offset: int) -> None:
        closing, name, attributes = match.group(1), match.group(2), match.group(3)
        empty = attributes.endswith(b"/")
        if name == b"row":
            if not closing:
                reference = self._reference(attributes)
                if reference is not None and reference.isdigit():
                    self.scan.out_of_bounds(int(reference), 1, f"A{int(reference)}")
                    self.row_index = int(reference) - 1
            if closing or empty:
                self.row_index += 1
                self.column_index = 0
            return
        if name == b"c":
            if not closing:
                reference = self._reference(attributes)
                parsed = _REFERENCE.fullmatch(reference) if reference is not None else None
                if parsed:
                    row, column = int(parsed.group(2)), _column_number(parsed.group(1))
                else:
                    row, column = self.row_index + 1, self.column_index + 1
                ref = f"{column_letters(column) if column < 10 ** 6 else 'X'}{row}"
                self.scan.out_of_bounds(row, column, ref)
                self.column_index = column - 1
                self.cell, self.formula, self.value, self.value_at = ref, False, False, -1
            if closing or empty:
                self._end_cell()
            return
        if self.cell is None:
            return
        if name == b"f" and not closing:
            self.formula = True
        elif name in (b"v", b"is") and not empty:
            if not closing:
                self.value_at = offset + match.end()
            elif offset + match.start() > self.value_at >= 0:
                self.value = True

    def _end_cell(self) -> None:
        if self.cell is not None and self.formula and not self.value:
            self.scan.formula_cells.append(self.cell)
        self.cell = None
        self.column_index += 1


def scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: list[int], limits: Limits,
              is_sheet: bool, wants_formulas: bool, what: str) -> _Scan:
    """One part, streamed: the fast scan, and the precise one when the fast scan asks for it."""
    scan = _Scan(limits, is_sheet, wants_formulas)
    previous, first, counted = b"", True, 0
    for chunk in stream_member(archive, member, budget, what):
        counted += len(chunk)
        if first:
            _check_encoding(chunk, member.filename, what)
            first = False
        buffer = previous + chunk
        scan.feed(buffer, max(len(buffer) - OVERLAP, 0))
        if scan.dtd or scan.precise:
            break
        previous = buffer[-OVERLAP:]
    else:
        if previous:
            scan.feed(previous, len(previous))
    if scan.precise and not scan.dtd:
        budget[0] += counted              # the precise pass counts the whole part again
        _precise(archive, member, budget, scan, what)
    return scan


def _precise(archive, member, budget: list[int], scan: _Scan, what: str) -> None:
    """The slow path: the whole part again, tag by tag."""
    precise = _PreciseScan(scan)
    pending, offset = b"", 0
    for chunk in stream_member(archive, member, budget, what):
        buffer = pending + chunk
        if _DTD.search(buffer):
            scan.dtd = True
            return
        consumed = precise.feed(buffer, offset, final=False)
        offset += consumed
        pending = buffer[consumed:]
    precise.feed(pending, offset, final=True)


def _check_encoding(head: bytes, name: str, what: str) -> None:
    """UTF-8 only: in UTF-16 a DTD would not look like '<!' to the scan."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]:
        raise Refused([Problem(None, None, name, f"{what} không được mã hóa UTF-8 như tệp Excel thông thường; {RESAVE}")])
    declared = _ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise Refused([Problem(None, None, name, f"{what} khai báo bảng mã {declared.group(1).decode('ascii', 'replace')} "
                                                 f"thay vì UTF-8; {RESAVE}")])


