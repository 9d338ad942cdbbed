"""Evidence files and their review.

A file is stored once by content: <database folder>/evidence/<sha256[:2]>/<sha256>.<ext>, the
extension derived from the detected type, never from the name the user gave. The type is
decided by the content (magic bytes): PDF, PNG, JPEG, GIF, WebP and Office Open XML documents
(docx, xlsx, pptx — checked through [Content_Types].xml). Refused: programs (MZ, ELF, Mach-O,
'#!' scripts), macro-enabled Office files (docm/xlsm/pptm, vbaProject.bin), legacy OLE2 Office
files (.doc/.xls/.ppt: they may carry macros and cannot be checked cheaply; save as PDF or
docx/xlsx instead), any other type, empty files, files above the 'max_evidence_mb' setting,
and names with a path ('/', '\\', '..', a drive) — refused, never silently cleaned.

`pending_evidence` lists what awaits review; `review` records a decision (permission checked,
audited). The views follow evidence_reviews (invalid → Chờ hoàn thiện; insufficient → red flag
rule 3); a verdict follows the evidence into a new upload of the same item and period
(queries/evidence_status.sql), so changed evidence is listed here again.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from nq57 import audit, auth, db, kpi_store, reports, storage
from nq57.evidence_folder import evidence_dir, evidence_path, folder_unreachable, write_once
from nq57.transaction import retried  # a lost write to another server is run again
from nq57.workbook.common import megabytes
from nq57.workbook.container import Refused, open_zip, read_member
from nq57.workbook.parts import has_dtd

DEFAULT_MAX_EVIDENCE_MB = 10
MAX_NAME_LENGTH = 255
MAX_ZIP_MEMBERS = 5000
MAX_UNZIPPED_BYTES = 500 * 1024 * 1024   # declared sizes, a first cheap refusal
MAX_CONTENT_TYPES_BYTES = 1024 * 1024     # real bytes: a padded [Content_Types].xml is refused, not cut

# extension -> mime type of every accepted kind
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Office Open XML: the main part and the content type [Content_Types].xml must declare for it.
_OOXML = [
    ("docx", "word/document.xml", "wordprocessingml.document.main+xml"),
    ("xlsx", "xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    ("pptx", "ppt/presentation.xml", "presentationml.presentation.main+xml"),
]
_EXECUTABLE_HEADERS = [
    (b"MZ", "chương trình Windows (.exe/.dll)"),
    (b"\x7fELF", "chương trình Linux (ELF)"),
    (b"#!", "tệp lệnh (script)"),
    (b"\xfe\xed\xfa\xce", "chương trình macOS"), (b"\xfe\xed\xfa\xcf", "chương trình macOS"),
    (b"\xce\xfa\xed\xfe", "chương trình macOS"), (b"\xcf\xfa\xed\xfe", "chương trình macOS"),
    (b"\xca\xfe\xba\xbe", "chương trình macOS/Java"),
]
ALLOWED_LABEL = "PDF, ảnh PNG/JPEG/GIF/WebP, Word .docx, Excel .xlsx, PowerPoint .pptx"


class EvidenceError(ValueError):
    """The file is refused; the message (Vietnamese) says why."""


@dataclass(frozen=True)
class EvidenceFile:
    evidence_id: int
    sha256: str
    size: int
    mime_type: str
    extension: str
    original_name: str
    stored_path: str          # relative to the evidence folder: 'ab/ab12….pdf'
    absolute_path: Path
    is_new_file: bool         # False when the same content was already on disk
    is_new_row: bool          # False when this very file was already attached to this item


# --- settings and places --------------------------------------------------------------------------

def max_evidence_bytes(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("select value from settings where key = 'max_evidence_mb'").fetchall()
    try:
        megabytes = float(rows[0][0]) if rows else DEFAULT_MAX_EVIDENCE_MB
    except ValueError:
        megabytes = DEFAULT_MAX_EVIDENCE_MB
    return int(megabytes * 1024 * 1024)


# --- checks ----------------------------------------------------------------------------------------

def check_name(original_name: str) -> str:
    """The name as given, or EvidenceError when it carries a path or odd characters."""
    if not isinstance(original_name, str) or not original_name.strip():
        raise EvidenceError("tệp minh chứng cần có tên")
    name = original_name
    if "/" in name or "\\" in name or ".." in name or re.match(r"^[A-Za-z]:", name):
        raise EvidenceError(f"tên tệp '{name}' không hợp lệ: không được chứa đường dẫn ('/', '\\', '..' hoặc ổ đĩa)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise EvidenceError("tên tệp chứa ký tự điều khiển; hãy đặt lại tên tệp")
    if len(name) > MAX_NAME_LENGTH:
        raise EvidenceError(f"tên tệp dài quá {MAX_NAME_LENGTH} ký tự")
    return name


def _ooxml_kind(data: bytes) -> str:
    try:
        archive = open_zip(data, MAX_ZIP_MEMBERS)
    except Refused:
        raise EvidenceError("tệp nén bị hỏng hoặc không phải tài liệu Office (.docx/.xlsx/.pptx)")
    members = archive.infolist()
    if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise EvidenceError("tệp nén giải nén ra dung lượng bất thường; tệp bị từ chối")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        raise EvidenceError(f"tệp nén (.zip) không được nhận làm minh chứng; chỉ nhận {ALLOWED_LABEL}")
    try:
        raw = read_member(archive, "[Content_Types].xml", MAX_CONTENT_TYPES_BYTES, "thành phần [Content_Types].xml")
    except Refused as refused:
        raise EvidenceError(refused.problems[0].message)
    if has_dtd(raw):
        raise EvidenceError("tài liệu Office chứa khai báo DOCTYPE/ENTITY, không được phép; tệp bị từ chối")
    content_types = raw.decode("utf-8", errors="replace")
    lowered = content_types.lower()
    if "macroenabled" in lowered or any(n.lower().endswith("vbaproject.bin") for n in names):
        raise EvidenceError("tài liệu Office có macro (.docm/.xlsm/.pptm) không được nhận; hãy lưu dưới dạng "
                            ".docx/.xlsx/.pptx hoặc PDF")
    for kind, main_part, content_type in _OOXML:
        if main_part in names and content_type in lowered:
            return kind
    raise EvidenceError(f"tài liệu trong tệp nén không phải Word/Excel/PowerPoint; chỉ nhận {ALLOWED_LABEL}")


def detect_type(data: bytes) -> str:
    """The extension of an accepted type, judged by content; EvidenceError otherwise."""
    for header, label in _EXECUTABLE_HEADERS:
        if data.startswith(header):
            raise EvidenceError(f"tệp là {label}, không được nhận làm minh chứng (loại tệp không được phép)")
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"PK\x03\x04"):
        return _ooxml_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise EvidenceError("tệp Office đời cũ (.doc/.xls/.ppt) không được nhận vì có thể chứa macro; hãy lưu "
                            "dưới dạng PDF hoặc .docx/.xlsx/.pptx")
    raise EvidenceError(f"loại tệp không được phép; chỉ nhận {ALLOWED_LABEL}")


def check_file(con: duckdb.DuckDBPyConnection, data: bytes, original_name: str) -> str:
    """Name, size and type checks without storing anything; returns the detected extension."""
    check_name(original_name)
    if not data:
        raise EvidenceError("tệp rỗng (0 byte)")
    limit = max_evidence_bytes(con)
    if len(data) > limit:
        raise EvidenceError(f"tệp {megabytes(len(data))} MB vượt giới hạn {megabytes(limit)} MB cho một minh chứng")
    return detect_type(data)


def _check_item(con, batch_id: int, unit_id: str, item_type: str, item_id: str) -> date:
    if item_type not in ("task", "kpi"):
        raise EvidenceError(f"loại mục không hợp lệ: {item_type} (task hoặc kpi)")
    batch = con.execute("select unit_id, period, rolled_back_at from report_batches where batch_id = ?",
                        [batch_id]).fetchall()
    if not batch:
        raise EvidenceError(f"không có đợt báo cáo {batch_id}")
    table, column = ("task_updates", "task_id") if item_type == "task" else ("kpi_values", "kpi_id")
    found = con.execute(f"select count(*) from {table} where batch_id = ? and unit_id = ? and {column} = ?",
                        [batch_id, unit_id, item_id]).fetchall()[0][0]
    if not found:
        kind = "nhiệm vụ" if item_type == "task" else "chỉ tiêu"
        raise EvidenceError(f"đợt báo cáo {batch_id} không có {kind} '{item_id}' của đơn vị '{unit_id}'")
    return batch[0][1]


# --- storing ----------------------------------------------------------------------------------------

@retried
def store_evidence(con: duckdb.DuckDBPyConnection, data: bytes, original_name: str, user: auth.User | str | None,
                   batch_id: int, unit_id: str, item_type: str, item_id: str,
                   now: datetime | None = None) -> EvidenceFile:
    """Check and store one evidence file for an item (task or KPI) of a report batch.
    `user`: a signed-in auth.User (checked like 'import_report' for `unit_id`), or a plain name
    for the trusted command line. Raises EvidenceError (refused file) or auth.PermissionDenied."""
    if isinstance(user, auth.User):
        user_name = auth.check(con, user, "import_report", unit_id).user_name
    else:
        user_name = auth.trusted_name(user)
    extension = check_file(con, data, original_name)
    period = _check_item(con, batch_id, unit_id, item_type, item_id)
    sha256 = hashlib.sha256(data).hexdigest()
    stored_path = f"{sha256[:2]}/{sha256}.{extension}"
    target = evidence_dir(con) / stored_path
    try:
        is_new_file = write_once(target, data)
    except OSError as error:
        # a full disk, a folder without write permission, a network share gone: nothing is recorded
        raise storage.StorageError(f"{folder_unreachable(con, error, reading=False)}. "
                                   "Không có gì được ghi; hãy kiểm tra thư mục rồi thử lại.") from error
    existing = con.execute(
        "select evidence_id from evidence_files where sha256 = ? and batch_id = ? and unit_id = ? and item_type = ? "
        "and item_id = ?", [sha256, batch_id, unit_id, item_type, item_id]
    ).fetchall()
    if existing:
        evidence_id, is_new_row = existing[0][0], False
    else:
        now = now or datetime.now()
        with db.transaction(con):
            evidence_id = db.new_id(con, "evidence_files")
            con.execute(
                "insert into evidence_files (evidence_id, sha256, size, mime_type, original_name, stored_path, "
                "uploaded_by, uploaded_at, batch_id, unit_id, item_type, item_id) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [evidence_id, sha256, len(data), ALLOWED_TYPES[extension], original_name, stored_path, user_name,
                 now, batch_id, unit_id, item_type, item_id],
            )
            audit.record(con, "evidence_upload", user_name, at=now, unit_id=unit_id, period=period,
                         batch_id=batch_id, file_name=original_name,
                         detail=f"{item_type} {item_id}: {extension}, {len(data)} byte, sha256 {sha256[:12]}…")
        is_new_row = True
    return EvidenceFile(evidence_id, sha256, len(data), ALLOWED_TYPES[extension], extension, original_name,
                        stored_path, target, is_new_file, is_new_row)


def list_evidence(con: duckdb.DuckDBPyConnection, batch_id: int | None = None, unit_id: str | None = None,
                  item_type: str | None = None, item_id: str | None = None) -> pd.DataFrame:
    """Rows of evidence_files, newest first, filtered by any of batch, unit, item."""
    clauses, params = [], []
    for column, value in (("batch_id", batch_id), ("unit_id", unit_id), ("item_type", item_type),
                          ("item_id", item_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    sql = "select * from evidence_files" + (" where " + " and ".join(clauses) if clauses else "")
    return con.execute(sql + " order by uploaded_at desc, evidence_id desc", params).df()


def read_evidence(con: duckdb.DuckDBPyConnection, evidence_id: int) -> tuple[bytes, str, str]:
    """(content, mime type, original name) for a download button. The name is the user's text:
    show it escaped, and send the file as an attachment."""
    rows = con.execute("select stored_path, mime_type, original_name, sha256 from evidence_files where evidence_id = ?",
                       [evidence_id]).fetchall()
    if not rows:
        raise EvidenceError(f"không có tệp minh chứng {evidence_id}")
    stored_path, mime_type, original_name, sha256 = rows[0]
    path = evidence_path(con, stored_path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise EvidenceError(f"tệp minh chứng '{original_name}': "
                            f"{folder_unreachable(con, error, reading=True)}") from error
    if hashlib.sha256(data).hexdigest() != sha256:
        raise EvidenceError(f"tệp minh chứng {evidence_id} trên đĩa không khớp mã băm; cần kiểm tra lưu trữ")
    return data, mime_type, original_name


# --- review -----------------------------------------------------------------------------------------

_PENDING_SQL = """
with files as (
    select batch_id, unit_id, item_type, item_id, count(*) as file_count
    from evidence_files group by all
),
verdicts as (
    -- a verdict that applies holds the item; one whose evidence changed since needs a new one
    select batch_id, unit_id, item_type, item_id, needs_review, previous_decision, previous_comment
    from evidence_status
),
task_latest as (
    select * from (
        select u.*, row_number() over (partition by unit_id, task_id order by period desc, uploaded_at desc) as rn
        from current_task_updates u
    ) where rn = 1
),
tasks_pending as (
    select t.batch_id, t.unit_id, 'task' as item_type, t.task_id as item_id, t.period,
           left(k.content, 200) as item_name, t.evidence_ref, coalesce(f.file_count, 0) as file_count,
           t.uploaded_at, t.is_demo
    from task_latest t
    join tasks k using (task_id)
    left join files f on f.batch_id = t.batch_id and f.unit_id = t.unit_id and f.item_type = 'task'
                     and f.item_id = t.task_id
    where t.status = 'hoan_thanh'
      and (nullif(trim(t.evidence_ref), '') is not null or f.file_count > 0)
),
kpis_met as (
    select distinct unit_id, kpi_id from kpi_progress
    where unit_id <> 'dong-nai' and evidence_state in ('cho_tham_dinh', 'cho_tham_dinh_lai', 'thieu_minh_chung')
),
kpis_pending as (
    select l.batch_id, l.unit_id, 'kpi' as item_type, l.kpi_id as item_id, l.actual_period as period,
           k.name as item_name, l.evidence_ref, coalesce(f.file_count, 0) as file_count,
           b.uploaded_at, b.is_demo
    from kpis_met m
    join kpi_latest_values l on l.unit_id = m.unit_id and l.kpi_id = m.kpi_id
    join kpis k on k.kpi_id = l.kpi_id
    join report_batches b on b.batch_id = l.batch_id
    left join files f on f.batch_id = l.batch_id and f.unit_id = l.unit_id and f.item_type = 'kpi'
                     and f.item_id = l.kpi_id
    where nullif(trim(l.evidence_ref), '') is not null or f.file_count > 0
),
pending as (
    select * from tasks_pending
    union all by name
    select * from kpis_pending
)
select p.batch_id, p.unit_id, u.name as unit_name, p.period, p.item_type, p.item_id, p.item_name,
       p.evidence_ref, p.file_count, p.uploaded_at, b.uploaded_by,
       actor_label(b.uploaded_by) as uploaded_by_label, p.is_demo,
       coalesce(v.needs_review, false) as is_rereview, v.previous_decision, v.previous_comment
from pending p
join units u on u.unit_id = p.unit_id
join report_batches b on b.batch_id = p.batch_id
left join verdicts v
       on v.batch_id = p.batch_id and v.unit_id = p.unit_id and v.item_type = p.item_type and v.item_id = p.item_id
where (v.batch_id is null or v.needs_review)
"""


def pending_evidence(con: duckdb.DuckDBPyConnection, unit_id: str | None = None,
                     as_of: date | str | None = None) -> pd.DataFrame:
    """Items awaiting review: tasks reported done and KPIs reported met, in the batches in force
    (the latest report of each item), with evidence (a reference or a file) and no verdict that
    applies to it: never judged, or judged before on other evidence (is_rereview, with the
    previous_decision and previous_comment). Columns: batch_id, unit_id, unit_name, period,
    item_type, item_id, item_name, evidence_ref, file_count, uploaded_at, uploaded_by,
    uploaded_by_label (a system actor in words, labels domain actor), is_demo,
    is_rereview, previous_decision, previous_comment; oldest upload first."""
    db.set_as_of(con, as_of)
    sql = _PENDING_SQL + (" and p.unit_id = ?" if unit_id else "") + " order by p.uploaded_at, p.unit_id, p.item_type, p.item_id"
    with kpi_store.trusted(con):  # computed over kpi_progress: skip its paths from the facts when all hold
        return con.execute(sql, [unit_id] if unit_id else []).df()


@retried
def review(con: duckdb.DuckDBPyConnection, user: auth.User, batch_id: int, unit_id: str, item_type: str, item_id: str,
           decision: str, comment: str | None = None, now: datetime | None = None) -> int:
    """Record a review decision ('valid', 'invalid', 'insufficient') on an item of a batch: the
    'review_evidence' permission is checked (auth.PermissionDenied), the item must exist in the
    batch (EvidenceError), and the decision and its audit row are written in one transaction.
    An 'invalid' or 'insufficient' decision needs a comment saying what is missing."""
    if not isinstance(user, auth.User):
        raise TypeError("review cần một tài khoản đã đăng nhập (auth.User)")
    auth.check(con, user, "review_evidence")
    if decision not in reports.REVIEW_DECISIONS:
        raise EvidenceError(f"kết luận thẩm định không hợp lệ: {decision} (valid, invalid, insufficient)")
    if decision != "valid" and not (comment or "").strip():
        raise EvidenceError("kết luận 'Không hợp lệ' hoặc 'Thiếu chất lượng' cần ghi rõ lý do")
    _check_item(con, batch_id, unit_id, item_type, item_id)
    return reports.record_review(con, batch_id, unit_id, item_type, item_id, decision, comment=comment,
                                 reviewed_at=now, user=user)
