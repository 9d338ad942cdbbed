"""Who the command line writes as (issue #16): a named, existing account (--user) or the
documented system actor (--system); never whoever $USER names. Refusals store nothing."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nq57 import auth, db
from nq57.cli_trust import SYSTEM_ACTOR
from tests.test_ingest import PERCENT_KPI, filled
from tests.test_input_rules import stored

PROJECT = Path(__file__).resolve().parent.parent
PASSWORD = "mat-khau-dai-du"


def nq57(*args: str, database: Path, user_env: str | None = None, stdin: str | None = None):
    env = {k: v for k, v in os.environ.items() if k not in ("NQ57_DB", "USER")}
    if user_env:
        env["USER"] = user_env
    return subprocess.run([sys.executable, "-m", "nq57", "--db", str(database), *args], cwd=PROJECT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


def stored_at(database: Path) -> dict:
    with db.connect(database, read_only=True) as connection:
        return stored(connection)


@pytest.fixture()
def trial(demo_db_path, tmp_path) -> Path:
    """The demo database: no account yet (trial mode)."""
    path = tmp_path / "trial.duckdb"
    shutil.copy(demo_db_path, path)
    return path


@pytest.fixture()
def accounts(trial) -> Path:
    with db.connect(trial) as connection:
        auth.add_user(connection, "quan-tri", "admin", PASSWORD, by="system:tests")
        auth.add_user(connection, "van-thu", "secretariat", PASSWORD, by="system:tests")
    return trial


@pytest.fixture()
def report(trial, tmp_path) -> Path:
    with db.connect(trial) as connection:
        data = filled(connection, kpis={PERCENT_KPI: {"value": 64}})
    path = tmp_path / "bao-cao.xlsx"
    path.write_bytes(data)
    return path


def test_import_without_an_actor_in_trial_mode_says_how_to_proceed(trial, report):
    before = stored_at(trial)
    result = nq57("import", str(report), database=trial, user_env="quan-tri")
    assert result.returncode == 2
    assert "cần --user TÊN" in result.stderr and "--system" in result.stderr
    assert "python -m nq57 user add TÊN --role admin" in result.stderr
    assert stored_at(trial) == before


def test_user_must_name_an_existing_account(trial, report):
    before = stored_at(trial)
    result = nq57("import", str(report), "--user", "van-thu", database=trial)
    assert result.returncode == 1
    assert "không có tài khoản 'van-thu'" in result.stderr and "user add TÊN --role admin" in result.stderr
    assert stored_at(trial) == before


@pytest.mark.parametrize("command", [["import", "REPORT"], ["demo", "--clear"], ["init"],
                                     ["user", "disable", "van-thu"]])
def test_user_env_is_never_the_actor(accounts, report, command):
    before = stored_at(accounts)
    args = [str(report) if part == "REPORT" else part for part in command]
    result = nq57(*args, database=accounts, user_env="quan-tri")   # an admin's name in $USER is ignored
    assert result.returncode == 2, result.stderr
    assert "cần --user TÊN (một tài khoản có sẵn) hoặc --system" in result.stderr
    assert stored_at(accounts) == before


def test_the_system_actor_is_recorded_as_such(trial, report):
    result = nq57("import", str(report), "--system", database=trial, user_env="someone")
    assert result.returncode == 0, result.stderr
    with db.connect(trial, read_only=True) as connection:
        uploaded_by = connection.execute("select uploaded_by from report_batches where file_name = 'bao-cao.xlsx'").fetchall()
        committed = connection.execute("select user_name from audit_log where action = 'commit'").fetchall()
    assert uploaded_by == [(SYSTEM_ACTOR,)] and committed == [(SYSTEM_ACTOR,)]


def test_an_account_writes_with_its_permissions(accounts, report):
    before = stored_at(accounts)
    refused = nq57("demo", "--clear", "--user", "van-thu", database=accounts)
    assert refused.returncode == 1 and "không có quyền quản lý danh mục" in refused.stderr
    assert stored_at(accounts) == before
    imported = nq57("import", str(report), "--user", "van-thu", database=accounts)
    assert imported.returncode == 0, imported.stderr
    with db.connect(accounts, read_only=True) as connection:
        assert connection.execute("select uploaded_by from report_batches where file_name = 'bao-cao.xlsx'"
                                  ).fetchall() == [("van-thu",)]


def test_the_first_administrator_needs_no_actor_and_only_the_first(trial):
    not_admin = nq57("user", "add", "lanh-dao", "--role", "leader", database=trial, stdin=PASSWORD + "\n")
    assert not_admin.returncode == 1 and "tài khoản đầu tiên phải là quản trị" in not_admin.stderr
    first = nq57("user", "add", "quan-tri", "--role", "admin", database=trial, stdin=PASSWORD + "\n")
    assert first.returncode == 0, first.stderr
    second = nq57("user", "add", "van-thu", "--role", "secretariat", database=trial, stdin=PASSWORD + "\n")
    assert second.returncode == 2 and "--user TÊN" in second.stderr
    by_admin = nq57("user", "add", "van-thu", "--role", "secretariat", "--user", "quan-tri", database=trial,
                    stdin=PASSWORD + "\n")
    assert by_admin.returncode == 0, by_admin.stderr
    with db.connect(trial, read_only=True) as connection:
        added = connection.execute("select user_name, detail from audit_log where action = 'user_add' "
                                   "order by audit_id").fetchall()
    # the role in words: the audit log printed "vai trò admin"
    assert added == [(SYSTEM_ACTOR, "tài khoản quan-tri, vai trò Quản trị"),
                     ("quan-tri", "tài khoản van-thu, vai trò Văn phòng")]


def test_refresh_needs_no_actor_and_says_its_time_the_vietnamese_way(trial):
    result = nq57("refresh", "--as-of", "2026-11-25", database=trial)
    assert result.returncode == 0
    # "trong 1,3 giây", never "1.3 giây": a decimal point reads as thousands in Vietnamese
    assert re.search(r"trong \d+,\d giây", result.stdout), result.stdout
