"""The command line: `python -m nq57 [--db PATH] COMMAND …` (a contract; see README).

Exit codes: 0 success, 1 rejected input (with a message), 2 wrong usage.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from nq57 import catalogue, db, demo, exports
from nq57.textparse import parse_deadline, parse_target

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class RejectedInput(Exception):
    """Bad input from the user: print the message, exit 1, store nothing."""


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ '{text}' (cần dạng YYYY-MM-DD)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nq57", description="Theo dõi Nghị quyết 57 — tỉnh Đồng Nai")
    parser.add_argument("--db", help="tệp DuckDB (mặc định NQ57_DB hoặc data/nq57.duckdb)")
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("init", help="tạo/cập nhật lược đồ và nạp danh mục kế hoạch")

    demo_cmd = commands.add_parser("demo", help="sinh dữ liệu báo cáo minh họa")
    demo_cmd.add_argument("--clear", action="store_true", help="xóa toàn bộ dữ liệu minh họa")

    export_cmd = commands.add_parser("export", help="xuất một view hoặc bảng danh mục")
    export_cmd.add_argument("name", help=", ".join(exports.EXPORTABLE))
    export_cmd.add_argument("--as-of", type=iso_date, help="tính tại ngày YYYY-MM-DD (mặc định hôm nay)")
    export_cmd.add_argument("--format", choices=["csv", "xlsx"], default=None)
    export_cmd.add_argument("--out", help="tệp kết quả; không có thì in CSV ra màn hình")

    parse_cmd = commands.add_parser("parse", help="đọc thử một văn bản thời hạn hoặc chỉ tiêu")
    parse_cmd.add_argument("kind", choices=["deadline", "target"])
    parse_cmd.add_argument("text")
    return parser


def ensure_initialised(con) -> None:
    if not db.is_initialised(con):
        db.create_schema(con)
        catalogue.load_catalogue(con)


def run_init(args) -> int:
    with db.connect(args.db) as con:
        db.create_schema(con)
        loaded = catalogue.load_catalogue(con)
    print(f"Đã nạp danh mục: {len(loaded.units)} đơn vị, {len(loaded.plans)} kế hoạch, "
          f"{len(loaded.tasks)} nhiệm vụ, {len(loaded.kpis)} chỉ tiêu, {len(loaded.targets)} mục tiêu "
          f"→ {db.database_path(args.db)}")
    return EXIT_OK


def run_demo(args) -> int:
    with db.connect(args.db) as con:
        ensure_initialised(con)
        if args.clear:
            removed = demo.clear(con)
            print(f"Đã xóa {removed} đợt báo cáo minh họa; dữ liệu thật giữ nguyên.")
        else:
            counts = demo.generate(con)
            print("Đã sinh dữ liệu minh họa: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return EXIT_OK


def run_export(args) -> int:
    if args.name not in exports.EXPORTABLE:
        raise RejectedInput(f"không xuất được '{args.name}': chọn một trong {', '.join(exports.EXPORTABLE)}")
    fmt = args.format or ("xlsx" if args.out and args.out.lower().endswith(".xlsx") else "csv")
    if fmt == "xlsx" and not args.out:
        raise RejectedInput("xuất xlsx cần --out TỆP.xlsx")
    with db.connect(args.db, read_only=db.database_path(args.db).exists()) as con:
        if not db.is_initialised(con):
            raise RejectedInput("cơ sở dữ liệu chưa khởi tạo: chạy 'python -m nq57 init' trước")
        frame = exports.export_frame(con, args.name, as_of=args.as_of)
    if fmt == "xlsx":
        exports.to_xlsx({args.name: frame}, args.out)
    elif args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(exports.to_csv(frame))
    else:
        sys.stdout.write(exports.to_csv(frame))
    if args.out:
        print(f"Đã xuất {len(frame)} dòng '{args.name}' → {args.out}", file=sys.stderr)
    return EXIT_OK


def run_parse(args) -> int:
    if args.kind == "deadline":
        result = parse_deadline(args.text).to_json()
    else:
        result = [target.to_json() for target in parse_target(args.text)]
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


HANDLERS = {"init": run_init, "demo": run_demo, "export": run_export, "parse": run_parse}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # exits 2 on wrong usage
    try:
        return HANDLERS[args.command](args)
    except RejectedInput as problem:
        print(f"Lỗi: {problem}", file=sys.stderr)
        return EXIT_REJECTED
