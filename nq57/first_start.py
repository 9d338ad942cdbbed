"""What a fresh install needs before anyone opens the dashboard: the real plans and demo reports
on an empty database, and, while no account exists, the one way to create the first administrator.

With no account the web is read-only (nobody can create accounts, upload or roll back from a
browser), so the first administrator comes from the command line of the machine itself.
"""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from nq57 import auth, catalogue, dates, db, demo

FIRST_ADMIN_HINT = (
    "Chưa có tài khoản nào: bảng điều hành đang ở chế độ chỉ xem (không ai nhập, hủy hay tạo tài khoản được từ trình duyệt).\n"
    "Tạo tài khoản quản trị đầu tiên trên máy chủ này:\n"
    "    .venv/bin/python -m nq57 user add TEN_DANG_NHAP --role admin --generate\n"
    "rồi đăng nhập tại /dang-nhap bằng mật khẩu được in ra."
)


def initialise(con) -> bool:
    """Schema, seed catalogue and demo reports on an empty database; True when it had to."""
    if db.is_initialised(con):
        if db.migrate_if_needed(con):  # new views: the stored answers of the offered days again
            db.refresh_snapshots(con, dates.page_days(date.today()))
        return False
    db.create_schema(con)
    catalogue.load_catalogue(con)
    demo.generate(con)
    db.refresh_snapshots(con, dates.page_days(date.today()))
    return True


def prepare(path: Path, out=sys.stdout) -> None:
    with db.connect(path) as con:
        if initialise(con):
            print("Đã khởi tạo cơ sở dữ liệu: kế hoạch thật và dữ liệu minh họa.", file=out, flush=True)
        if not auth.has_accounts(con):
            print(FIRST_ADMIN_HINT, file=out, flush=True)
