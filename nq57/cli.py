"""The command line: `python -m nq57 [--db PATH] COMMAND …` (a contract; see README).

Exit codes: 0 success, 1 rejected input (with a message), 2 wrong usage. A command that writes
names its actor (--user NAME or --system, see cli_trust); a full disk is exit 1 with a message.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date

import duckdb

from nq57 import (
    audit, auth, catalogue, catalogue_checks, cli_trust, cli_words, dates, db, demo, exports, ingest, migrate,
    plan_import, storage, templates, verdicts,
)
from nq57.cli_words import VietnameseParser
from nq57.vnformat import vn_number
from nq57.textparse import parse_deadline, parse_target

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class RejectedInput(Exception):
    """Bad input from the user: print the message, exit 1, store nothing."""


class UsageError(Exception):
    """Options that do not fit together: exit 2, like argparse."""


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày không hợp lệ '{text}' (cần dạng YYYY-MM-DD)")


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(prog="python -m nq57", description="Theo dõi Nghị quyết 57 — tỉnh Đồng Nai")
    parser.add_argument("--db", help="tệp DuckDB (mặc định NQ57_DB hoặc data/nq57.duckdb)")
    parser.add_argument("--store", dest="db", help="kho dữ liệu chung ducklake:postgres:… (mặc định NQ57_STORE; "
                                                  "tệp dữ liệu dưới NQ57_DATA_PATH)")
    commands = parser.add_subparsers(dest="command", required=True)

    init_cmd = commands.add_parser("init", help="tạo/cập nhật lược đồ và nạp danh mục kế hoạch")
    cli_trust.add_actor_options(init_cmd)

    demo_cmd = commands.add_parser("demo", help="sinh dữ liệu báo cáo minh họa")
    demo_cmd.add_argument("--clear", action="store_true", help="xóa toàn bộ dữ liệu minh họa")
    demo_cmd.add_argument("--scale", choices=["province", "national"], default="province",
                          help="quy mô: province (95 xã, phường; mặc định) hoặc national (3.321 xã, phường, 34 tỉnh)")
    cli_trust.add_actor_options(demo_cmd)

    refresh_cmd = commands.add_parser(
        "refresh", help="tính sẵn số liệu tổng hợp cho hôm nay và sáu cuối tháng trước (chạy hằng đêm)")
    refresh_cmd.add_argument("--as-of", type=iso_date, help="thay cho hôm nay, ngày YYYY-MM-DD")

    export_cmd = commands.add_parser("export", help="xuất một view hoặc bảng danh mục")
    export_cmd.add_argument("name", help=", ".join(exports.EXPORTABLE))
    export_cmd.add_argument("--as-of", type=iso_date, help="tính tại ngày YYYY-MM-DD (mặc định hôm nay)")
    export_cmd.add_argument("--format", choices=["csv", "xlsx"], default=None)
    export_cmd.add_argument("--out", help="tệp kết quả; không có thì in CSV ra màn hình")

    template_cmd = commands.add_parser("template", help="tạo mẫu Excel báo cáo (hoặc mẫu kế hoạch)")
    template_cmd.add_argument("--unit", help="mã đơn vị, hoặc 'all' cho toàn tỉnh")
    template_cmd.add_argument("--period", help="kỳ báo cáo YYYY-MM")
    template_cmd.add_argument("--plan", action="store_true", help="mẫu kế hoạch mới (nhiệm vụ và chỉ tiêu)")
    template_cmd.add_argument("--out", required=True, help="tệp .xlsx")

    import_cmd = commands.add_parser("import", help="nhập tệp báo cáo Excel")
    import_cmd.add_argument("file")
    import_cmd.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")
    import_cmd.add_argument("--plan", action="store_true", help="tệp là mẫu kế hoạch (tự nhận biết nếu không ghi)")
    cli_trust.add_actor_options(import_cmd)

    commands.add_parser("check-catalogue", help="kiểm tra danh mục kế hoạch: mỗi phát hiện một dòng (lỗi: mã thoát 1)")

    # listed for --help; its own options are left unparsed here and parsed by benchmarks.cli (see main)
    commands.add_parser("bench", help="đo hiệu năng: bench --ingest | --views (in bảng số đo và tỷ lệ)",
                        add_help=False)

    parse_cmd = commands.add_parser("parse", help="đọc thử một văn bản thời hạn hoặc chỉ tiêu")
    parse_cmd.add_argument("kind", choices=["deadline", "target"])
    parse_cmd.add_argument("text")

    migrate.add_command(commands)
    pack_cmd = commands.add_parser("pack", help="tạo gói họp: Excel và PDF (bảng xếp hạng, cảnh báo đỏ, biểu đồ)")
    pack_cmd.add_argument("--as-of", type=iso_date, help="tính tại ngày YYYY-MM-DD (mặc định hôm nay)")
    pack_cmd.add_argument("--out", required=True, help="thư mục lưu goi_hop_YYYY-MM-DD.xlsx và .pdf")
    cli_trust.add_commands(commands, iso_date)  # user add|list|disable|enable|password, reopen, audit
    return parser


def ensure_initialised(con) -> None:
    if not db.is_initialised(con):
        db.create_schema(con)
        catalogue.load_catalogue(con)
    else:
        db.migrate_if_needed(con)


def run_init(args) -> int:
    with db.connect(args.db) as con:
        cli_trust.actor(con, args, "manage_catalogue")
        db.create_schema(con)
        loaded = catalogue.load_catalogue(con)
        found = catalogue_checks.findings(con)
    print(f"Đã nạp danh mục: {vn_number(len(loaded.units))} đơn vị, {vn_number(len(loaded.plans))} kế hoạch, "
          f"{vn_number(len(loaded.tasks))} nhiệm vụ, {vn_number(len(loaded.kpis))} chỉ tiêu, "
          f"{vn_number(len(loaded.targets))} mục tiêu "
          f"→ {db.database_path(args.db)}")
    say_findings(found)
    return EXIT_OK


def say_findings(found) -> None:
    """The catalogue checks after a catalogue write: on standard error, never a refusal."""
    for line in catalogue_checks.lines(found):
        print(line, file=sys.stderr)
    print(catalogue_checks.summary(found), file=sys.stderr)


def run_check_catalogue(args) -> int:
    """Every finding, one line each on standard output; exit 1 only when one is an error."""
    with db.connect(args.db) as con:
        if not db.is_initialised(con):
            raise RejectedInput("cơ sở dữ liệu chưa khởi tạo: chạy 'python -m nq57 init' trước")
        db.migrate_if_needed(con)
        found = catalogue_checks.findings(con)
    for line in catalogue_checks.lines(found):
        print(line)
    print(catalogue_checks.summary(found), file=sys.stderr)
    return EXIT_REJECTED if catalogue_checks.has_errors(found) else EXIT_OK


def run_demo(args) -> int:
    with db.connect(args.db) as con:
        cli_trust.actor(con, args, "manage_catalogue")
        ensure_initialised(con)
        if args.clear:
            removed = demo.clear(con)
            print(f"Đã xóa {removed} đợt báo cáo minh họa; dữ liệu thật giữ nguyên.")
        elif args.scale == "national":
            counts = demo.national.generate(con)
        else:
            counts = demo.generate(con)
            print("Đã sinh dữ liệu minh họa: " + ", ".join(f"{k} {vn_number(v)}" for k, v in counts.items()))
        refresh_after_write(con)
    return EXIT_OK


def refresh_page_snapshots(con, today: date | None = None, cap: str | None = None) -> None:
    """Store the figures the pages ask for first (today and the last six month ends), so the next
    visitor reads tables instead of recomputing every report value; storage.SnapshotsNotStored
    names the days that could not be stored."""
    storage.refresh_snapshots(con, dates.page_days(today or date.today()), cap)


def refresh_after_write(con, cap: str | None = None) -> None:
    """After a write that is already stored: a snapshot that cannot be stored is a warning on
    standard error (the write stands, exit 0), never silence. `cap`: storage.WRITE_MEMORY_CAP
    after a write of a few units' reports, whose refresh recomputes only them."""
    try:
        refresh_page_snapshots(con, cap=cap)
    except storage.SnapshotsNotStored as problem:
        print(f"Cảnh báo: {problem}", file=sys.stderr)


def run_refresh(args) -> int:
    started = time.perf_counter()
    with db.connect(args.db) as con:
        ensure_initialised(con)
    days = dates.page_days(args.as_of or date.today())
    missing = []
    for day in days:
        # one connection per day: the dashboard gets the file back between days (seconds each
        # at national size) instead of waiting for the whole run
        with db.connect(args.db) as con:
            try:
                storage.refresh_snapshots(con, [day])
            except storage.SnapshotsNotStored as problem:
                missing.append(problem)
    if missing:  # every day was tried; the message names the first failure, the count all of them
        raise storage.SnapshotsNotStored(f"{missing[0]} ({len(missing)}/{len(days)} ngày chưa lưu được)")
    with db.connect(args.db) as con:
        kept = con.execute("select count(*) from view_snapshots").fetchall()[0][0]
    print(f"Đã cập nhật số liệu tổng hợp cho {len(days)} ngày "
          f"trong {vn_number(time.perf_counter() - started, 1)} giây ({vn_number(kept)} bản lưu).")
    return EXIT_OK


def run_export(args) -> int:
    if args.name not in exports.EXPORTABLE:
        raise RejectedInput(f"không xuất được '{args.name}': chọn một trong {', '.join(exports.EXPORTABLE)}")
    fmt = args.format or ("xlsx" if args.out and args.out.lower().endswith(".xlsx") else "csv")
    if fmt == "xlsx" and not args.out:
        raise RejectedInput("xuất xlsx cần --out TỆP.xlsx")
    with db.connect(args.db) as con:
        if not db.is_initialised(con):
            raise RejectedInput("cơ sở dữ liệu chưa khởi tạo: chạy 'python -m nq57 init' trước")
        db.migrate_if_needed(con)
        frame = exports.export_frame(con, args.name, as_of=args.as_of)
    if fmt == "xlsx":
        exports.to_xlsx({args.name: frame}, args.out)
    elif args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(exports.to_csv(frame))
    else:
        sys.stdout.write(exports.to_csv(frame))
    if args.out:
        print(f"Đã xuất {vn_number(len(frame))} dòng '{args.name}' → {args.out}", file=sys.stderr)
    return EXIT_OK


def run_parse(args) -> int:
    if args.kind == "deadline":
        result = parse_deadline(args.text).to_json()
    else:
        result = [target.to_json() for target in parse_target(args.text)]
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def run_template(args) -> int:
    if args.plan:
        with db.connect(args.db) as con:
            ensure_initialised(con)
            templates.build_plan_template(con).save(args.out)
        print(f"Đã tạo mẫu kế hoạch → {args.out}")
        return EXIT_OK
    if not args.unit or not args.period:
        raise UsageError("cần --unit MÃ (hoặc all) và --period YYYY-MM, hoặc --plan")
    if ingest.parse_period(args.period) is None or len(args.period) != 7:
        raise RejectedInput(f"kỳ báo cáo '{args.period}' không hợp lệ (cần dạng YYYY-MM)")
    with db.connect(args.db) as con:
        ensure_initialised(con)
        try:
            workbook = templates.build_report_template(con, args.unit, args.period)
        except ValueError as problem:
            raise RejectedInput(str(problem))
    workbook.save(args.out)
    print(f"Đã tạo mẫu báo cáo {args.unit} kỳ {args.period} → {args.out}")
    return EXIT_OK


def run_import(args) -> int:
    try:
        with open(args.file, "rb") as handle:
            data = handle.read()
    except OSError as problem:
        raise RejectedInput(f"không mở được tệp '{args.file}': {problem.strerror}")
    if args.plan or plan_import.template_kind(data) == "plan":
        return import_plan(args, data)
    with db.connect(args.db) as con:
        # the units of the file are checked below (check_units); account None: --system
        user, account = cli_trust.actor(con, args, None)
        ensure_initialised(con)
        result = ingest.check_workbook(con, data, os.path.basename(args.file))
        audit.record_upload_check(con, user, result)
        if not result.accepted:
            for problem in result.problems:
                print(problem.line(), file=sys.stderr)
            if result.truncated_problems:
                print(f"… và {vn_number(result.truncated_problems)} lỗi khác", file=sys.stderr)
            print(f"Tệp bị từ chối: {vn_number(len(result.problems) + result.truncated_problems)} lỗi; không có gì được ghi.",
                  file=sys.stderr)
            return EXIT_REJECTED
        if account is not None:
            auth.check_units(con, account, "import_report", result.units or [result.unit_id])
        for warning in result.warnings:
            print("Cảnh báo: " + warning.line(), file=sys.stderr)
        periods = (f"kỳ {result.period:%m/%Y}" if result.period_to in (None, result.period)
                   else f"các kỳ {result.period:%m/%Y}–{result.period_to:%m/%Y}")
        summary = (f"{len(result.units)} đơn vị, {periods}: "
                   f"{vn_number(len(result.kpi_rows))} số liệu chỉ tiêu, {vn_number(len(result.task_rows))} cập nhật nhiệm vụ")
        if result.duplicate_of is not None:
            print(f"Tệp này đã được nhập trước đây (đợt {result.duplicate_of}); không có gì thay đổi.")
            return EXIT_OK
        if args.dry_run:  # what the upload page's preview warns of, before anything is written
            for line in ingest.preview_warnings(ingest.preview_changes(con, result)):
                print("Cảnh báo: " + line, file=sys.stderr)
            print(f"Tệp hợp lệ ({summary}); chạy thử, chưa ghi.")
            return EXIT_OK
        written = ingest.commit(con, result, account or user)
        print(f"Đã ghi nhận {summary} (đợt {', '.join(str(batch.batch_id) for batch in written)}).")
        refresh_after_write(con, storage.WRITE_MEMORY_CAP)
    return EXIT_OK


def import_plan(args, data: bytes) -> int:
    with db.connect(args.db) as con:
        user, account = cli_trust.actor(con, args, "import_plan")
        ensure_initialised(con)
        check, plan_id = plan_import.import_plan_file(con, data, os.path.basename(args.file), args.dry_run,
                                                      user=account or user)
        found = catalogue_checks.findings(con, plan_id) if plan_id else None
    if not check.accepted:
        for line in check.problem_lines():
            print(line, file=sys.stderr)
        print("Tệp kế hoạch bị từ chối; không có gì được ghi.", file=sys.stderr)
        return EXIT_REJECTED
    for line in check.warning_lines():
        print("Cảnh báo: " + line, file=sys.stderr)
    print(check.summary() + ("; chạy thử, chưa ghi." if args.dry_run else ""))
    if found is not None:
        say_findings(found)
    return EXIT_OK


def run_pack(args) -> int:
    import time
    from pathlib import Path

    from nq57 import pack  # matplotlib and fpdf2 only when a pack is made

    started = time.perf_counter()
    as_of = args.as_of or date.today()
    with db.connect(args.db) as con:  # read the figures, then let the file go while drawing
        if not db.is_initialised(con):
            raise RejectedInput("cơ sở dữ liệu chưa khởi tạo: chạy 'python -m nq57 init' trước")
        db.migrate_if_needed(con)
        figures = pack.load_pack_data(con, as_of)
    try:
        files = pack.write_pack(figures, Path(args.out))
    except OSError as problem:
        raise RejectedInput(f"không ghi được vào thư mục '{args.out}': {problem.strerror or problem}")
    print(f"Đã tạo gói họp số liệu đến ngày {as_of:%d/%m/%Y}:")
    print(files.xlsx)
    print(files.pdf)
    print(f"Thời gian: {vn_number(time.perf_counter() - started, 1)} giây")
    return EXIT_OK


def run_bench(args, bench_argv: list[str]) -> int:
    """The benchmarks live outside the core (benchmarks/, which imports Streamlit for the page
    timings); imported only when measuring."""
    from benchmarks.cli import main as bench_main

    return bench_main(bench_argv, db_path=args.db)


HANDLERS = {"init": run_init, "demo": run_demo, "refresh": run_refresh, "export": run_export, "parse": run_parse,
            "template": run_template, "import": run_import, "pack": run_pack, "migrate": migrate.run, "check-catalogue": run_check_catalogue,
            "user": lambda args: cli_trust.run_user(args, ensure_initialised), "audit": cli_trust.run_audit,
            "reopen": lambda args: cli_trust.run_reopen(args, ensure_initialised)}


def say_waiting(message: str) -> None:
    """Another process has the database: say so once, on standard error, and keep waiting."""
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    # parse_known_args, not parse_args: the options after `bench` are the benchmark's own, so the
    # global ones (--db) are read wherever they stand, as for every other command
    args, rest = parser.parse_known_args(argv)  # exits 2 on wrong usage
    if args.command == "bench":
        return run_bench(args, rest)
    if rest:
        parser.error(cli_words.vietnamese("unrecognized arguments: %s") % " ".join(rest))  # as parse_args, exit 2
    previous_notice, db.wait_notice = db.wait_notice, say_waiting
    try:
        # a write that lost to another server's commit on the shared lake stored nothing: run it again
        return db.retrying(lambda: HANDLERS[args.command](args))
    except (RejectedInput, auth.AccountError, auth.AuthError, auth.PermissionDenied, verdicts.ReopenError, migrate.Refused,
            storage.StorageError, storage.SnapshotsNotStored) as problem:
        print(f"Lỗi: {problem}", file=sys.stderr)
        return EXIT_REJECTED
    except (db.StoreUnreachable, db.WriteConflict) as problem:
        print(f"Lỗi: {problem}", file=sys.stderr)
        return EXIT_REJECTED
    except db.DatabaseBusy as problem:
        print(f"Lỗi: {problem}; không có gì được ghi.", file=sys.stderr)
        return EXIT_REJECTED
    except (UsageError, cli_trust.ActorMissing) as problem:
        print(f"Sai cú pháp: {problem}", file=sys.stderr)
        return EXIT_USAGE
    except (duckdb.Error, OSError) as problem:
        failure = storage.storage_error(problem)   # a write outside a transaction (the audit log …)
        if failure is None:
            raise
        print(f"Lỗi: {failure}", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        db.wait_notice = previous_notice
