"""Trust: sign-in and roles, permissions checked in the core functions, evidence files and
their review, and the audit log. Every test works on a copy of the demo database."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from nq57 import audit, auth, db, evidence, ingest, plan_import, reports, storage, templates
from nq57.auth import PermissionDenied, User
from nq57.evidence import EvidenceError
from nq57.workbook_format import KPI_SHEET, TASK_SHEET
from tests.conftest import DEMO_TODAY

PROJECT = Path(__file__).resolve().parent.parent
# OTHER holds KPI targets of its own plan: since #14 a commune without a transcribed plan has none,
# so its template has no KPI row to fill
UNIT, OTHER, PERIOD = "xa-nha-bich", "phuong-tam-phuoc", "2026-10"
FIRST_ROW = 4
NOW = datetime(2026, 11, 25, 9, 0)
PASSWORD = "mat-khau-dung-1"
SCRIPT = "<script>alert(1)</script>"
ROLES = {"quan-tri": ("admin", None), "van-thu": ("secretariat", None), "nha-bich": ("unit", UNIT),
         "tham-dinh": ("reviewer", None), "lanh-dao": ("leader", None)}
SMALL_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
             b"trailer<</Root 1 0 R>>\n%%EOF\n")


# --- fixtures and helpers ---------------------------------------------------------------------------

@pytest.fixture()
def db_path(demo_db_path, tmp_path) -> Path:
    path = tmp_path / "trust.duckdb"
    shutil.copy(demo_db_path, path)
    with db.connect(path) as connection:
        db.migrate_if_needed(connection)
        for name, (role, unit) in ROLES.items():
            auth.add_user(connection, name, role, PASSWORD, unit_id=unit, display_name=f"Người {name}", now=NOW, by="system:tests")
    return path


@pytest.fixture()
def con(db_path):
    connection = duckdb.connect(str(db_path))
    yield connection
    connection.close()


def user(con, name: str) -> User:
    return auth.get_user(con, name)


def report(con, unit: str = UNIT, value: float = 1, task_status: str | None = None, evidence_ref=None,
           note=None) -> bytes:
    """A unit's template with its first KPI (and optionally its first task) filled."""
    buffer = io.BytesIO()
    templates.build_report_template(con, unit, PERIOD).save(buffer)
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    kpis = workbook[KPI_SHEET]
    kpis[f"I{FIRST_ROW}"] = value
    if note is not None:
        header = [c.value for c in kpis[3]]
        kpis.cell(row=FIRST_ROW, column=header.index("Ghi chú") + 1, value=note)
    if task_status:
        tasks = workbook[TASK_SHEET]
        header = [c.value for c in tasks[3]]
        tasks.cell(row=FIRST_ROW, column=header.index("Trạng thái") + 1, value=task_status)
        tasks.cell(row=FIRST_ROW, column=header.index("Minh chứng") + 1, value=evidence_ref)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def checked(con, data: bytes, name: str = "bao-cao.xlsx") -> ingest.CheckResult:
    result = ingest.check_workbook(con, data, name, today=DEMO_TODAY)
    assert result.accepted, [p.line() for p in result.problems]
    return result


def first_task(con, unit: str = UNIT) -> str:
    buffer = io.BytesIO()
    templates.build_report_template(con, unit, PERIOD).save(buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))[TASK_SHEET][f"D{FIRST_ROW}"].value


def batches(con) -> int:
    return con.execute("select count(*) from report_batches").fetchall()[0][0]


def actions(con, action: str) -> pd.DataFrame:
    return audit.query(con, action=action)


def nq57(*args: str, db_path: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NQ57_DB"}
    return subprocess.run([sys.executable, "-m", "nq57", "--db", str(db_path), *args], cwd=PROJECT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


# --- roles ------------------------------------------------------------------------------------------

ALLOWED = {
    ("import_report", UNIT): {"admin", "secretariat", "unit"},
    ("import_report", OTHER): {"admin", "secretariat"},
    ("import_plan", None): {"admin", "secretariat"},
    ("rollback", None): {"admin", "secretariat"},
    ("review_evidence", None): {"admin", "reviewer"},
    ("manage_users", None): {"admin"},
    ("read", None): {"admin", "secretariat", "unit", "reviewer", "leader"},
}


@pytest.mark.parametrize("action,unit_id", list(ALLOWED))
@pytest.mark.parametrize("role", list(auth.ROLE_LABELS))
def test_each_role_may_do_only_its_actions(role, action, unit_id):
    account = User("ai-do", role, unit_id=UNIT if role == "unit" else None)
    assert auth.allowed(account, action, unit_id) == (role in ALLOWED[(action, unit_id)])
    if role not in ALLOWED[(action, unit_id)]:
        with pytest.raises(PermissionDenied, match="không có quyền"):
            auth.require(account, action, unit_id)


def test_refusal_says_what_and_which_unit():
    with pytest.raises(PermissionDenied) as refused:
        auth.require(User("nha-bich", "unit", unit_id=UNIT), "import_report", OTHER)
    assert f"không có quyền nhập báo cáo của đơn vị '{OTHER}'" in str(refused.value)
    assert UNIT in str(refused.value)
    assert auth.allowed(User("nha-bich", "unit", unit_id=UNIT), "import_report", f"{UNIT}/phong-vhxh")
    with pytest.raises(PermissionDenied, match="cần đăng nhập"):
        auth.require(None, "read")


def test_unit_account_needs_its_unit(con):
    with pytest.raises(auth.AccountError, match="cần chọn đơn vị"):
        auth.add_user(con, "thieu-don-vi", "unit", PASSWORD, by="system:tests")
    # and only a unit's account holds one: a Văn phòng account with xã Nha Bích read as the commune's
    with pytest.raises(auth.AccountError, match="chỉ tài khoản vai trò Đơn vị"):
        auth.add_user(con, "van-phong-xa", "secretariat", PASSWORD, unit_id=UNIT, by="system:tests")
    with pytest.raises(auth.AccountError, match="không có trong danh mục"):
        auth.add_user(con, "sai-don-vi", "unit", PASSWORD, unit_id="xa-khong-co", by="system:tests")
    with pytest.raises(auth.AccountError, match="ít nhất 8"):
        auth.add_user(con, "ngan", "leader", "123", by="system:tests")


def test_unit_reporter_imports_its_own_unit_only(con):
    before = batches(con)
    own = ingest.commit(con, checked(con, report(con, UNIT)), user(con, "nha-bich"), now=NOW)
    assert len(own) == 1
    assert con.execute("select uploaded_by from report_batches where batch_id = ?",
                       [own[0].batch_id]).fetchall()[0][0] == "nha-bich"
    other = checked(con, report(con, OTHER))
    with pytest.raises(PermissionDenied, match=f"không có quyền nhập báo cáo của đơn vị '{OTHER}'"):
        ingest.commit(con, other, user(con, "nha-bich"), now=NOW)
    assert batches(con) == before + 1
    assert len(ingest.commit(con, other, user(con, "van-thu"), now=NOW)) == 1   # the secretariat: any unit


def test_leader_and_reviewer_cannot_import(con):
    result = checked(con, report(con, UNIT))
    before = batches(con)
    for name in ("lanh-dao", "tham-dinh"):
        with pytest.raises(PermissionDenied, match="không có quyền"):
            ingest.commit(con, result, user(con, name), now=NOW)
    assert batches(con) == before
    assert len(actions(con, "denied")) == 2


def test_a_province_file_is_refused_to_a_unit_reporter_for_any_other_unit(con):
    buffer = io.BytesIO()
    templates.build_report_template(con, "all", PERIOD).save(buffer)
    workbook = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = workbook[KPI_SHEET]
    rows = {sheet[f"A{r}"].value: r for r in range(sheet.max_row, FIRST_ROW - 1, -1)}
    for unit in (UNIT, OTHER):
        sheet[f"I{rows[unit]}"] = 1
    out = io.BytesIO()
    workbook.save(out)
    result = checked(con, out.getvalue(), "toan-tinh.xlsx")
    assert result.unit_id == "all" and set(result.units) == {UNIT, OTHER}
    before = batches(con)
    with pytest.raises(PermissionDenied, match=OTHER):
        ingest.commit(con, result, user(con, "nha-bich"), now=NOW)
    assert batches(con) == before
    assert len(ingest.commit(con, result, user(con, "quan-tri"), now=NOW)) == 2


def test_a_disabled_account_is_refused_even_with_a_live_session(con):
    session_user = user(con, "van-thu")
    auth.disable_user(con, "van-thu", by=user(con, "quan-tri"))
    with pytest.raises(PermissionDenied, match="vô hiệu hóa"):
        ingest.commit(con, checked(con, report(con)), session_user, now=NOW)


@pytest.mark.parametrize("nobody", [None, "", "  "])
def test_the_core_refuses_a_write_by_nobody(con, done_batch, nobody):
    """A page that lost its session passes no user: that is never the trusted command line."""
    from datetime import date

    from nq57 import verdicts
    from tests.test_plan_import import fill

    stored = lambda: [con.execute(f"select count(*) from {t}").fetchall()[0][0]  # noqa: E731
                      for t in ("report_batches", "plans", "users", "evidence_files", "period_reopenings",
                                "evidence_reviews", "audit_log")]
    before = stored()
    buffer = io.BytesIO()
    templates.build_plan_template(con).save(buffer)
    batch_id, task = done_batch
    writes = {
        "import": lambda: ingest.commit(con, checked(con, report(con, value=7)), nobody, now=NOW),
        "plan": lambda: plan_import.import_plan_file(con, fill(buffer.getvalue()), "ke-hoach.xlsx", user=nobody),
        "account": lambda: auth.add_user(con, "ke-gian", "admin", PASSWORD, by=nobody),
        "evidence": lambda: evidence.store_evidence(con, SMALL_PDF, "a.pdf", nobody, batch_id, UNIT, "task", task),
        "reopen": lambda: verdicts.reopen(con, UNIT, date(2026, 10, 1), nobody, "nộp lại"),
        "rollback": lambda: reports.roll_back_batch(con, batch_id, nobody),
        "review": lambda: reports.record_review(con, batch_id, UNIT, "task", task, "valid", nobody),
    }
    for what, write in writes.items():
        with pytest.raises(PermissionDenied, match="không rõ ai thực hiện"):
            write()
    assert stored() == before


def test_rollback_is_for_secretariat_and_admin(con):
    [(_, _, batch_id)] = ingest.commit(con, checked(con, report(con)), "cli", now=NOW)
    for name in ("nha-bich", "tham-dinh", "lanh-dao"):
        with pytest.raises(PermissionDenied, match="không có quyền hủy đợt báo cáo"):
            reports.roll_back_batch(con, batch_id, user(con, name))
    assert con.execute("select rolled_back_at from report_batches where batch_id = ?", [batch_id]).fetchall()[0][0] is None
    reports.roll_back_batch(con, batch_id, user=user(con, "van-thu"), by="bo-qua", at=NOW)
    assert con.execute("select rolled_back_by from report_batches where batch_id = ?",
                       [batch_id]).fetchall()[0][0] == "van-thu"


def test_plan_import_is_for_secretariat_and_admin(con):
    from tests.test_plan_import import fill

    buffer = io.BytesIO()
    templates.build_plan_template(con).save(buffer)
    data = fill(buffer.getvalue())
    with pytest.raises(PermissionDenied, match="không có quyền nhập kế hoạch"):
        plan_import.import_plan_file(con, data, "ke-hoach.xlsx", user=user(con, "nha-bich"))
    assert con.execute("select count(*) from plans where plan_id = 'tan-an-cds-2026'").fetchall()[0][0] == 0
    check, plan_id = plan_import.import_plan_file(con, data, "ke-hoach.xlsx", user=user(con, "van-thu"))
    assert plan_id == "tan-an-cds-2026"
    row = actions(con, "plan_import").iloc[-1]
    assert row.user_name == "van-thu" and row.file_name == "ke-hoach.xlsx"


def test_only_admin_manages_accounts(con):
    for name in ("van-thu", "nha-bich", "tham-dinh", "lanh-dao"):
        with pytest.raises(PermissionDenied, match="không có quyền quản lý tài khoản"):
            auth.add_user(con, f"moi-{name}", "leader", PASSWORD, by=user(con, name))
        with pytest.raises(PermissionDenied):
            auth.disable_user(con, "lanh-dao", by=user(con, name))
    created = auth.add_user(con, "moi", "reviewer", PASSWORD, by=user(con, "quan-tri"))
    assert created.role == "reviewer" and created.role_label == "Thẩm định"
    with pytest.raises(auth.AccountError, match="đã có"):
        auth.add_user(con, "moi", "reviewer", PASSWORD, by=user(con, "quan-tri"))


# --- passwords and sign-in --------------------------------------------------------------------------

def test_passwords_are_argon2id_hashes_never_plain(con, db_path):
    hashes = [r[0] for r in con.execute("select password_hash from users").fetchall()]
    assert len(hashes) == len(ROLES)
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert all(PASSWORD not in h for h in hashes)
    assert len(set(hashes)) == len(hashes)          # salted
    con.close()
    assert PASSWORD.encode() not in db_path.read_bytes()


def test_sign_in_succeeds_and_fails_with_one_message(con):
    signed_in = auth.authenticate(con, "van-thu", PASSWORD, now=NOW)
    assert signed_in.user_name == "van-thu" and signed_in.last_login_at == NOW
    for name, password in (("van-thu", "sai-mat-khau"), ("khong-co", PASSWORD)):
        with pytest.raises(auth.AuthError) as refused:
            auth.authenticate(con, name, password, now=NOW)
        assert str(refused.value) == auth.WRONG_CREDENTIALS
    assert "Sai tên đăng nhập hoặc mật khẩu" in auth.WRONG_CREDENTIALS
    assert list(actions(con, "sign_in").user_name) == ["van-thu"]
    assert list(actions(con, "sign_in_failed").user_name) == ["van-thu", "khong-co"]


def test_a_disabled_account_cannot_sign_in(con):
    auth.disable_user(con, "lanh-dao", by="quan-tri", now=NOW)
    with pytest.raises(auth.AuthError, match="vô hiệu hóa"):
        auth.authenticate(con, "lanh-dao", PASSWORD, now=NOW)
    auth.enable_user(con, "lanh-dao", by="quan-tri")
    assert auth.authenticate(con, "lanh-dao", PASSWORD, now=NOW).role == "leader"


def test_settings_of_sign_in(con):
    from nq57 import web_sessions
    assert auth.read_requires_sign_in(con) is False
    assert web_sessions.session_hours(con) == 8


# --- the command line -------------------------------------------------------------------------------

def test_cli_user_add_list_disable(db_path):
    added = nq57("user", "add", "ke-toan", "--role", "unit", "--unit", OTHER, "--display-name", "Kế toán Tân An",
                 "--user", "quan-tri", db_path=db_path, stdin="mat-khau-tu-stdin\n")
    assert added.returncode == 0, added.stderr
    assert "Đã thêm tài khoản 'ke-toan'" in added.stdout and "mat-khau-tu-stdin" not in added.stdout
    generated = nq57("user", "add", "bao-ve", "--role", "leader", "--generate", "--system", db_path=db_path)
    assert generated.returncode == 0, generated.stderr
    password = generated.stdout.split("Mật khẩu (chỉ hiện một lần): ")[1].strip()
    assert len(password) >= 16
    # read out or typed by hand: nothing that reads as another character ("QY7Al1Cuezdylkn1")
    assert not set(password) & set("0Oo1lI-_"), password
    listing = nq57("user", "list", db_path=db_path)
    assert listing.returncode == 0
    assert "ke-toan" in listing.stdout and "Kế toán Tân An" in listing.stdout and "bao-ve" in listing.stdout
    assert "argon2" not in listing.stdout and "password" not in listing.stdout.lower()
    with db.connect(db_path) as connection:
        assert auth.authenticate(connection, "ke-toan", "mat-khau-tu-stdin").unit_id == OTHER
        assert auth.authenticate(connection, "bao-ve", password).role == "leader"
    assert nq57("user", "disable", "ke-toan", "--user", "quan-tri", db_path=db_path).returncode == 0
    with db.connect(db_path) as connection:
        with pytest.raises(auth.AuthError, match="vô hiệu hóa"):
            auth.authenticate(connection, "ke-toan", "mat-khau-tu-stdin")
    unknown = nq57("user", "disable", "khong-co", "--system", db_path=db_path)
    assert unknown.returncode == 1 and "không có tài khoản 'khong-co'" in unknown.stderr
    assert nq57("user", "add", "x1", "--role", "vua", "--system", db_path=db_path, stdin="12345678\n").returncode == 2
    csv = nq57("audit", "--action", "user_disable", db_path=db_path)
    assert csv.returncode == 0 and csv.stdout.startswith("audit_id,at,user_name,action,")
    assert "tài khoản ke-toan" in csv.stdout


def test_cli_import_applies_the_account_of_user(db_path, tmp_path):
    with db.connect(db_path) as connection:
        own, other = report(connection, UNIT, 7), report(connection, OTHER, 7)
        before = batches(connection)
    (tmp_path / "own.xlsx").write_bytes(own)
    (tmp_path / "other.xlsx").write_bytes(other)
    refused = nq57("import", str(tmp_path / "other.xlsx"), "--user", "nha-bich", db_path=db_path)
    assert refused.returncode == 1
    assert f"không có quyền nhập báo cáo của đơn vị '{OTHER}'" in refused.stderr
    leader = nq57("import", str(tmp_path / "own.xlsx"), "--user", "lanh-dao", db_path=db_path)
    assert leader.returncode == 1 and "không có quyền" in leader.stderr
    unknown = nq57("import", str(tmp_path / "own.xlsx"), "--user", "nguoi-la", db_path=db_path)
    assert unknown.returncode == 1 and "không có tài khoản 'nguoi-la'" in unknown.stderr
    with db.connect(db_path) as connection:
        assert batches(connection) == before
    accepted = nq57("import", str(tmp_path / "own.xlsx"), "--user", "nha-bich", db_path=db_path)
    assert accepted.returncode == 0, accepted.stderr
    with db.connect(db_path) as connection:
        assert batches(connection) == before + 1
        assert list(actions(connection, "commit").user_name) == ["nha-bich"]
        uploads = actions(connection, "upload")
        assert len(uploads) == 3 and set(uploads.file_name) == {"own.xlsx", "other.xlsx"}


# --- evidence files ---------------------------------------------------------------------------------

@pytest.fixture()
def done_batch(con) -> tuple[int, str]:
    task = first_task(con)
    [(_, _, batch_id)] = ingest.commit(con, checked(con, report(con, task_status="Hoàn thành", evidence_ref="QĐ 12/QĐ-UBND")),
                                user(con, "nha-bich"), now=NOW)
    return batch_id, task


def store(con, done_batch, data: bytes, name: str, by: str = "nha-bich"):
    batch_id, task = done_batch
    return evidence.store_evidence(con, data, name, user(con, by), batch_id, UNIT, "task", task, now=NOW)


@pytest.mark.parametrize("name", ["../../x.pdf", "a/b.pdf", "..\\x.pdf", "C:x.pdf", "x..pdf"])
def test_names_with_a_path_are_refused_not_cleaned(con, done_batch, name):
    with pytest.raises(EvidenceError, match="không hợp lệ"):
        store(con, done_batch, SMALL_PDF, name)
    assert con.execute("select count(*) from evidence_files").fetchall()[0][0] == 0


@pytest.mark.parametrize("content,what", [
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "ELF"),
    (b"MZ\x90\x00" + b"\x00" * 64, "Windows"),
    (b"#!/bin/sh\nrm -rf /\n", "script"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "đời cũ"),
    (b"just some text", "không được phép"),
])
def test_programs_and_other_types_are_refused_whatever_their_name(con, done_batch, content, what):
    with pytest.raises(EvidenceError, match=what):
        store(con, done_batch, content, "bien-ban.pdf")


def test_empty_and_oversize_files_are_refused(con, done_batch):
    with pytest.raises(EvidenceError, match="tệp rỗng"):
        store(con, done_batch, b"", "x.pdf")
    con.execute("update settings set value = '0.0001' where key = 'max_evidence_mb'")
    with pytest.raises(EvidenceError, match="vượt giới hạn"):
        store(con, done_batch, SMALL_PDF + b"%" * 200, "x.pdf")


def test_a_pdf_is_stored_under_its_sha256_once(con, db_path, done_batch):
    import hashlib

    stored = store(con, done_batch, SMALL_PDF, "Biên bản nghiệm thu.exe")
    sha = hashlib.sha256(SMALL_PDF).hexdigest()
    assert stored.sha256 == sha and stored.extension == "pdf" and stored.mime_type == "application/pdf"
    expected = db_path.parent / "evidence" / sha[:2] / f"{sha}.pdf"     # the extension from the content
    assert stored.absolute_path == expected and expected.read_bytes() == SMALL_PDF
    assert stored.is_new_file and stored.is_new_row
    again = store(con, done_batch, SMALL_PDF, "ban-sao.pdf")
    assert not again.is_new_file and again.is_new_row is False
    assert [p.name for p in (db_path.parent / "evidence").rglob("*") if p.is_file()] == [f"{sha}.pdf"]
    assert len(evidence.list_evidence(con, unit_id=UNIT)) == 1
    data, mime, name = evidence.read_evidence(con, stored.evidence_id)
    assert data == SMALL_PDF and mime == "application/pdf" and name == "Biên bản nghiệm thu.exe"
    assert list(actions(con, "evidence_upload").batch_id) == [done_batch[0]]


def test_an_evidence_folder_that_cannot_be_written_is_said_in_vietnamese_and_records_nothing(con, db_path, done_batch):
    """A network share gone, a folder turned into a file: the upload says which folder and why,
    and no row or audit entry claims a file that is not there."""
    (db_path.parent / "evidence").write_bytes(b"")  # where the folder should be, a file
    before = (con.execute("select count(*) from evidence_files").fetchone()[0], len(actions(con, "evidence_upload")))
    with pytest.raises(storage.StorageError) as refusal:
        store(con, done_batch, SMALL_PDF, "bien-ban.pdf")
    message = str(refusal.value)
    assert "không ghi được thư mục minh chứng" in message and str(db_path.parent / "evidence") in message
    assert "không tìm thấy thư mục" in message and "Không có gì được ghi" in message
    assert (con.execute("select count(*) from evidence_files").fetchone()[0], len(actions(con, "evidence_upload"))) == before


def test_a_stored_evidence_file_missing_from_the_folder_is_said_not_a_traceback(con, db_path, done_batch):
    stored = store(con, done_batch, SMALL_PDF, "bien-ban.pdf")
    stored.absolute_path.unlink()
    with pytest.raises(EvidenceError, match="tệp minh chứng 'bien-ban.pdf': không đọc được thư mục minh chứng"):
        evidence.read_evidence(con, stored.evidence_id)


def test_office_documents_are_recognised_by_content(con, done_batch):
    workbook = openpyxl.Workbook()
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert store(con, done_batch, buffer.getvalue(), "so-lieu.pdf").extension == "xlsx"
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("[Content_Types].xml", '<Types><Override PartName="/word/document.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        archive.writestr("word/document.xml", "<w:document/>")
    assert store(con, done_batch, docx.getvalue(), "bao-cao.docx").extension == "docx"
    macro = io.BytesIO()
    with zipfile.ZipFile(macro, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types>application/vnd.ms-word.document.macroEnabled.main+xml</Types>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/vbaProject.bin", "x")
    with pytest.raises(EvidenceError, match="macro"):
        store(con, done_batch, macro.getvalue(), "bao-cao.docx")
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("virus.exe", "MZ")
    with pytest.raises(EvidenceError, match="không được nhận"):
        store(con, done_batch, plain_zip.getvalue(), "bao-cao.docx")


def test_evidence_is_only_for_the_own_unit_and_a_real_item(con, done_batch):
    batch_id, task = done_batch
    with pytest.raises(PermissionDenied):
        evidence.store_evidence(con, SMALL_PDF, "x.pdf", user(con, "lanh-dao"), batch_id, UNIT, "task", task)
    with pytest.raises(EvidenceError, match="không có nhiệm vụ"):
        evidence.store_evidence(con, SMALL_PDF, "x.pdf", user(con, "nha-bich"), batch_id, UNIT, "task", "khong-co")


def test_pending_evidence_and_review(con, done_batch):
    batch_id, task = done_batch
    pending = evidence.pending_evidence(con, unit_id=UNIT, as_of=DEMO_TODAY)
    mine = pending[(pending.batch_id == batch_id) & (pending.item_id == task)]
    assert len(mine) == 1 and mine.iloc[0].item_type == "task" and mine.iloc[0].evidence_ref == "QĐ 12/QĐ-UBND"
    for name in ("nha-bich", "van-thu", "lanh-dao"):
        with pytest.raises(PermissionDenied, match="không có quyền thẩm định minh chứng"):
            evidence.review(con, user(con, name), batch_id, UNIT, "task", task, "valid", None)
    with pytest.raises(EvidenceError, match="lý do"):
        evidence.review(con, user(con, "tham-dinh"), batch_id, UNIT, "task", task, "insufficient", " ")
    evidence.review(con, user(con, "tham-dinh"), batch_id, UNIT, "task", task, "insufficient",
                    "Thiếu chữ ký", now=NOW + timedelta(hours=1))
    after = evidence.pending_evidence(con, unit_id=UNIT, as_of=DEMO_TODAY)
    assert not ((after.batch_id == batch_id) & (after.item_id == task)).any()
    flags = db.query_view(con, "red_flags", as_of=DEMO_TODAY, filters={"unit_id": UNIT, "item_id": task, "rule": 3})
    assert len(flags) == 1
    row = actions(con, "review").iloc[-1]
    assert row.user_name == "tham-dinh" and row.batch_id == batch_id and "Thiếu chữ ký" in row.detail


def test_script_text_is_stored_as_text(con):
    [(_, _, batch_id)] = ingest.commit(con, checked(con, report(con, note=SCRIPT)), user(con, "nha-bich"), now=NOW)
    assert con.execute("select note from kpi_values where batch_id = ?", [batch_id]).fetchall() == [(SCRIPT,)]
    con.execute("update units set name = ? where unit_id = ?", [SCRIPT, UNIT])
    card = db.query_view(con, "unit_scorecard", as_of=DEMO_TODAY, filters={"unit_id": UNIT})
    assert card.iloc[0].unit_name == SCRIPT
    auth.add_user(con, "co-the", "leader", PASSWORD, display_name=SCRIPT, by="system:tests")
    listed = auth.list_users(con)
    assert listed[listed.user_name == "co-the"].iloc[0].display_name == SCRIPT


# --- the audit log ----------------------------------------------------------------------------------

def test_every_audited_action_leaves_its_row(con, db_path):
    auth.authenticate(con, "van-thu", PASSWORD, now=NOW)
    with pytest.raises(auth.AuthError):
        auth.authenticate(con, "van-thu", "sai", now=NOW)
    [(_, _, first)] = ingest.commit(con, checked(con, report(con, value=3), "lan-1.xlsx"), user(con, "van-thu"), now=NOW)
    [(_, _, second)] = ingest.commit(con, checked(con, report(con, value=4), "lan-2.xlsx"), user(con, "van-thu"),
                              now=NOW + timedelta(minutes=5))
    reports.roll_back_batch(con, second, user(con, "van-thu"), at=NOW + timedelta(minutes=10))
    reports.record_review(con, first, UNIT, "kpi", "x", "valid", user(con, "tham-dinh"))
    auth.disable_user(con, "lanh-dao", by=user(con, "quan-tri"))
    log = audit.query(con)
    assert {"user_add", "sign_in", "sign_in_failed", "commit", "supersede", "rollback", "review",
            "user_disable"} <= set(log.action)
    commits = log[log.action == "commit"]
    assert list(commits.batch_id) == [first, second] and list(commits.file_name) == ["lan-1.xlsx", "lan-2.xlsx"]
    supersedes = log[log.action == "supersede"]
    replaced = [s for s in supersedes.itertuples() if s.batch_id == second]
    assert len(replaced) == 1 and f"thay thế đợt {first}" in replaced[0].detail
    assert replaced[0].unit_id == UNIT and str(replaced[0].period)[:7] == PERIOD
    rollback = log[log.action == "rollback"].iloc[0]
    assert rollback.batch_id == second and rollback.user_name == "van-thu"
    assert len(audit.query(con, user="van-thu", action="commit")) == 2
    assert audit.query(con, since="2030-01-01").empty


def test_a_failed_commit_leaves_no_audit_row(con, monkeypatch):
    result = checked(con, report(con))
    before = len(audit.query(con))
    real = audit.record_commit
    before_batches = batches(con)

    def record_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("hỏng giữa chừng")

    monkeypatch.setattr(audit, "record_commit", record_then_fail)
    with pytest.raises(RuntimeError):
        ingest.commit(con, result, user(con, "van-thu"), now=NOW)
    assert len(audit.query(con)) == before and batches(con) == before_batches
