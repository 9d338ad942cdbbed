"""Command-line parts of sign-in and audit: `user add|list|disable|enable|password`, `reopen` and
`audit`, and who a writing command acts as. Kept apart from cli.py so that file only wires them in.
Errors are raised as auth.AccountError / auth.PermissionDenied (exit code 1 with the message)
or ActorMissing (exit code 2: an option is missing).

Every command that writes (init, demo, import, user add|disable|enable|password) names its actor:
`--user NAME`, an existing account whose permissions apply, or `--system`, the documented system
actor for cron and operations (recorded as SYSTEM_ACTOR). Nobody is taken from $USER. The one
exception: while no account exists, `user add NAME --role admin` creates the first administrator.
`refresh` needs neither: it only rebuilds the snapshot cache, which changes no figure.
"""
from __future__ import annotations

import getpass
import sys
from datetime import date

import duckdb

from nq57 import audit, auth, db, exports, passwords, verdicts
from nq57.auth import User


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
    for writer in (add, disable, enable, password):
        add_actor_options(writer)

    reopen = commands.add_parser("reopen", help="mở lại một kỳ báo cáo đã thẩm định để đơn vị nộp lại (văn phòng)")
    reopen.add_argument("--unit", required=True, help="mã đơn vị")
    reopen.add_argument("--period", required=True, help="kỳ báo cáo YYYY-MM")
    reopen.add_argument("--reason", required=True, help="lý do mở lại (ghi vào nhật ký)")
    add_actor_options(reopen)  # an account must be secretariat or admin (verdicts.reopen checks)

    audit_cmd = commands.add_parser("audit", help="in nhật ký thao tác (CSV)")
    audit_cmd.add_argument("--since", type=iso_date, help="từ ngày YYYY-MM-DD")
    audit_cmd.add_argument("--user", default=None, help="chỉ của tài khoản này")
    audit_cmd.add_argument("--action", default=None, choices=list(audit.ACTION_LABELS), help="chỉ loại thao tác này")


# ':' cannot appear in an account name (auth.USER_NAME_PATTERN), so this never names a person
SYSTEM_ACTOR = "system:cli"
FIRST_ADMIN_HINT = ("tạo tài khoản quản trị đầu tiên bằng 'python -m nq57 user add TÊN --role admin', "
                    "hoặc chạy lệnh với --system (tác nhân hệ thống, dành cho cron và vận hành)")


class ActorMissing(Exception):
    """A writing command was given neither --user nor --system (wrong usage: exit 2)."""


def add_actor_options(parser) -> None:
    """--user NAME | --system on a command that writes."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--user", default=None, metavar="TÊN",
                       help="tài khoản thực hiện (phải có sẵn; quyền của tài khoản được áp dụng)")
    group.add_argument("--system", action="store_true",
                       help=f"ghi với danh nghĩa tác nhân hệ thống '{SYSTEM_ACTOR}' (cron, vận hành)")


def has_accounts(con) -> bool:
    """False also for a database without the schema yet (before the first init)."""
    try:
        return auth.has_accounts(con)
    except duckdb.CatalogException:
        return False


def actor(con, args, action: str | None) -> tuple[str, auth.User | None]:
    """(name recorded, account) a writing command acts as; account None for --system. With an
    action, the account must be allowed it (auth.PermissionDenied, audited as 'denied')."""
    if args.system:
        return SYSTEM_ACTOR, None
    accounts = has_accounts(con)
    if not args.user:
        command = " ".join(part for part in (args.command, getattr(args, "user_command", None)) if part)
        hint = f" Chưa có tài khoản nào: {FIRST_ADMIN_HINT}." if not accounts else ""
        raise ActorMissing(f"lệnh '{command}' ghi vào cơ sở dữ liệu nên cần --user TÊN (một tài khoản có sẵn) "
                           f"hoặc --system.{hint}")
    if not accounts:
        raise auth.AccountError(f"không có tài khoản '{args.user}': chưa có tài khoản nào; {FIRST_ADMIN_HINT}")
    account = auth.get_user(con, args.user)
    if account is None:
        raise auth.AccountError(f"không có tài khoản '{args.user}' (xem: python -m nq57 user list)")
    if action is not None:
        account = auth.check(con, account, action)
    return account.user_name, account


def _read_password(generate: bool) -> tuple[str, bool]:
    if generate:
        return passwords.generate(), True
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n"), False
    first = getpass.getpass("Mật khẩu: ")
    second = getpass.getpass("Nhập lại mật khẩu: ")
    if first != second:
        raise auth.AccountError("hai lần nhập mật khẩu không khớp")
    return first, False


def _user_actor(con, args) -> User | str:
    """`by` for the account functions: the acting account (auth checks what it may do) or the
    system actor; the first administrator may be created with neither."""
    if not args.system and not args.user and args.user_command == "add" and not has_accounts(con):
        if args.role != "admin":
            raise auth.AccountError("tài khoản đầu tiên phải là quản trị (--role admin)")
        return SYSTEM_ACTOR
    name, account = actor(con, args, None)
    return account or name


def run_user(args, ensure_initialised) -> int:
    with db.connect(args.db) as con:
        ensure_initialised(con)
        if args.user_command == "list":
            frame = auth.list_users(con)
            sys.stdout.write(exports.to_csv(frame))
            return 0
        by = _user_actor(con, args)
        if args.user_command == "add":
            password, generated = _read_password(args.generate)
            user = auth.add_user(con, args.name, args.role, password, unit_id=args.unit,
                                 display_name=args.display_name, by=by)
            print(f"Đã thêm tài khoản '{user.user_name}' ({user.role_label.lower()}"
                  + (f", đơn vị {user.unit_id}" if user.unit_id else "") + ").")
        elif args.user_command == "password":
            password, generated = _read_password(args.generate)
            auth.set_password(con, args.name, password, by=by)
            print(f"Đã đặt lại mật khẩu tài khoản '{args.name}'.")
        elif args.user_command == "disable":
            auth.disable_user(con, args.name, by=by)
            print(f"Đã vô hiệu hóa tài khoản '{args.name}'.")
            return 0
        else:
            auth.enable_user(con, args.name, by=by)
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
        name, account = actor(con, args, None)
        verdicts.reopen(con, args.unit, period, account or name, args.reason)
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
