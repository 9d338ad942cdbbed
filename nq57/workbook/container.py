"""The zip container of an uploaded Office file, read with bounds: the directory, then each member
as a stream whose real decompressed bytes are counted against a cap (declared sizes are not
trusted). Shared by the report and plan importers and the evidence check. Standard library only.
"""
from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass

MAX_ZIP_MEMBERS = 2000
CHUNK = 4 << 20

CORRUPT = "tệp bị hỏng hoặc bị cắt cụt; hãy lưu lại tệp và tải lên lần nữa"
RESAVE = "hãy mở bằng Excel/LibreOffice, lưu lại rồi tải lên"


@dataclass(frozen=True)
class Problem:
    sheet: str | None
    cell: str | None
    value: object
    message: str

    def line(self) -> str:
        where = f"{self.sheet}!{self.cell}: " if self.sheet and self.cell else (f"{self.sheet}: " if self.sheet else "")
        return where + self.message


class Refused(Exception):
    """The file is refused before reading; `problems` say why and where."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(p.line() for p in problems))
        self.problems = problems


def sniff_non_xlsx(data: bytes) -> str:
    """Why a file that is not a zip is not an xlsx, in words a secretary understands."""
    head = data[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00P\x00a\x00c\x00k\x00a\x00g\x00e" in data[:1 << 20] \
                or b"EncryptedPackage" in data[:1 << 20]:
            return "tệp được đặt mật khẩu; hãy bỏ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc) rồi tải lại"
        return "đây là tệp Excel cũ (.xls); hãy mở và lưu lại dưới dạng .xlsx"
    if head.startswith(b"%PDF"):
        return "đây là tệp PDF, không phải tệp Excel .xlsx"
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:4] in (b"GIF8", b"RIFF"):
        return "đây là tệp ảnh, không phải tệp Excel .xlsx"
    if not data.strip():
        return "tệp rỗng"
    try:
        data[:4096].decode("utf-8")
        return "đây là tệp văn bản (CSV/TXT), không phải tệp Excel .xlsx; hãy dùng mẫu báo cáo tải từ hệ thống"
    except UnicodeDecodeError:
        return "tệp không phải định dạng Excel .xlsx"


def open_zip(data: bytes, max_members: int = MAX_ZIP_MEMBERS) -> zipfile.ZipFile:
    """The zip's directory, or Refused (not a zip, corrupted, too many members)."""
    if not data.startswith(b"PK\x03\x04"):
        raise Refused([Problem(None, None, None, sniff_non_xlsx(data))])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError):
        raise Refused([Problem(None, None, None, "tệp bị hỏng hoặc bị cắt cụt (không đọc được cấu trúc .xlsx); "
                                                 "hãy lưu lại tệp và tải lên lần nữa")])
    if len(members) > max_members:
        raise Refused([Problem(None, None, None, f"tệp chứa {len(members)} thành phần, vượt giới hạn {max_members}")])
    return archive


def stream_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: list[int], what: str):
    """The member's bytes in chunks, counting what really comes out against budget[0] (shared by
    all members of one file); Refused beyond it, or when the member is corrupt."""
    try:
        with archive.open(member) as handle:
            while True:
                chunk = handle.read(CHUNK)
                if not chunk:
                    return
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise Refused([Problem(None, None, member.filename,
                                           f"{what} giải nén ra dung lượng vượt giới hạn (nghi tệp 'zip bomb'); "
                                           "tệp bị từ chối")])
                yield chunk
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError, RuntimeError, ValueError):
        raise Refused([Problem(None, None, member.filename, CORRUPT)])


def read_member(archive: zipfile.ZipFile, name: str, cap: int, what: str) -> bytes:
    """A small member whole, at most cap bytes really decompressed."""
    return b"".join(stream_member(archive, archive.getinfo(name), [cap], what))


