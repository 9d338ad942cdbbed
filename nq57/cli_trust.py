"""Command-line parts of sign-in and audit: `user add|list|disable|enable|password`, `reopen` and `audit`,
and how `import --user NAME` finds the account to check. Kept apart from cli.py so that file
only wires them in. Errors are raised as auth.AccountError / auth.PermissionDenied, which the
command line turns into exit code 1 with the message.

The command line is trusted (whoever runs it can open the database file anyway), so these
commands need no sign-in; `import --user NAME` applies the account's permissions when NAME is
an account, so a secretary can check what a unit reporter would be allowed to do.
"""
from __future__ import annotations

import getpass
import os
import secrets
import sys
from datetime import date

from nq57 import audit, auth, db, exports, verdicts

GENERATED_PASSWORD_BYTES = 12   # token_urlsafe(12): 16 characters


def add_commands(commands, iso_date) -> None:
    user_cmd = commands.add_parser("user", help="quản lý tài khoản đăng nhập (add, list, disable, enable, password)")
    actions = user_cmd.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="thêm tài khoản; mật khẩu đọc từ đầu vào chuẩn, hỏi hai lần, hoặc --generate")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=list(auth.ROLE_LABELS),
                     help="; ".join(f"{k} = {v.lower()}" for k, v in auth.ROLE_LABELS.items()))
    add.add_argument("--unit", default=None, help="mã đơn vị (bắt buộc với vai trò unit)")
    add.add_argument("--display-name", default=None, help="họ tên hiển thị")
    add.add_argument("--generate", action="store_true", help="sinh mật khẩu ngẫu nhiên và in ra một lần")
    actions.add_parser("list", help="danh sách tài khoản (không in mật khẩu)")
    disable = actions.add_parser("disable", help="vô hiệu hóa tài khoản")
    disable.add_argument("name")
    enable = actions.add_parser("enable", help="mở lại tài khoản đã vô hiệu hóa")
    enable.add_argument("name")
    password = actions.add_parser("password", help="đặt lại mật khẩu (đầu vào chuẩn, hỏi hai lần, hoặc --generate)")
    password.add_argument("name")
    password.add_argument("--generate", action="store_true", help="sinh mật khẩu ngẫu nhiên và in ra một lần")

    reopen = commands.add_parser("reopen", help="mở lại một kỳ báo cáo đã thẩm định để đơn vị nộp lại (văn phòng)")
    reopen.add_argument("--unit", required=True, help="mã đơn vị")
    reopen.add_argument("--period", required=True, help="kỳ báo cáo YYYY-MM")
    reopen.add_argument("--reason", required=True, help="lý do mở lại (ghi vào nhật ký)")
    reopen.add_argument("--user", default=None, help="người mở lại (khi đã có tài khoản: phải là văn phòng hoặc quản trị)")

    audit_cmd = commands.add_parser("audit", help="in nhật ký thao tác (CSV)")
    audit_cmd.add_argument("--since", type=iso_date, help="từ ngày YYYY-MM-DD")
    audit_cmd.add_argument("--user", default=None, help="chỉ của tài khoản này")
    audit_cmd.add_argument("--action", default=None, choices=list(audit.ACTION_LABELS), help="chỉ loại thao tác này")


def operator() -> str:
    """Who runs the command line, for the audit log."""
    return os.environ.get("USER") or "cli"


def account_for(con, name: str | None) -> auth.User | None:
    """The account `import --user NAME` acts as: None when no name was given or no accounts exist
    yet (then NAME is only recorded, as before accounts existed); AccountError for an unknown name."""
    if not name or not auth.has_accounts(con):
        return None
    account = auth.get_user(con, name)
    if account is None:
        raise auth.AccountError(f"không có tài khoản '{name}' (xem: python -m nq57 user list)")
    return account


def _read_password(generate: bool) -> tuple[str, bool]:
    if generate:
        return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES), True
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n"), False
    first = getpass.getpass("Mật khẩu: ")
    second = getpass.getpass("Nhập lại mật khẩu: ")
    if first != second:
        raise auth.AccountError("hai lần nhập mật khẩu không khớp")
    return first, False


def run_user(args, ensure_initialised) -> int:
    with db.connect(args.db) as con:
        ensure_initialised(con)
        if args.user_command == "list":
            frame = auth.list_users(con)
            sys.stdout.write(exports.to_csv(frame))
            return 0
        if args.user_command == "add":
            password, generated = _read_password(args.generate)
            user = auth.add_user(con, args.name, args.role, password, unit_id=args.unit,
                                 display_name=args.display_name, by=operator())
            print(f"Đã thêm tài khoản '{user.user_name}' ({user.role_label.lower()}"
                  + (f", đơn vị {user.unit_id}" if user.unit_id else "") + ").")
        elif args.user_command == "password":
            password, generated = _read_password(args.generate)
            auth.set_password(con, args.name, password, by=operator())
            print(f"Đã đặt lại mật khẩu tài khoản '{args.name}'.")
        elif args.user_command == "disable":
            auth.disable_user(con, args.name, by=operator())
            print(f"Đã vô hiệu hóa tài khoản '{args.name}'.")
            return 0
        else:
            auth.enable_user(con, args.name, by=operator())
            print(f"Đã mở lại tài khoản '{args.name}'.")
            return 0
    if generated:
        print(f"Mật khẩu (chỉ hiện một lần): {password}")
    return 0


def run_reopen(args, ensure_initialised) -> int:
    try:
        period = date.fromisoformat(f"{args.period.strip()}-01")
    except ValueError:
        raise verdicts.ReopenError(f"kỳ báo cáo '{args.period}' không hợp lệ (cần dạng YYYY-MM)")
    with db.connect(args.db) as con:
        ensure_initialised(con)
        account = account_for(con, args.user)  # an account's permission applies (None: trusted)
        verdicts.reopen(con, args.unit, period, account or args.user or operator(), args.reason)
    print(f"Đã mở lại kỳ báo cáo {period:%m/%Y} của đơn vị {args.unit}; đơn vị nộp lại được cho đến khi có "
          "kết luận thẩm định mới.")
    return 0


def run_audit(args) -> int:
    with db.connect(args.db) as con:
        if not db.is_initialised(con):
            raise auth.AccountError("cơ sở dữ liệu chưa khởi tạo: chạy 'python -m nq57 init' trước")
        db.migrate_if_needed(con)
        frame = audit.query(con, since=args.since, user=args.user, action=args.action)
    sys.stdout.write(exports.to_csv(frame))
    return 0
