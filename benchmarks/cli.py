"""`python -m nq57 [--db PATH] bench …` (and `python -m benchmarks …`): parse the bench options, run."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nq57 import db
from nq57.cli_words import VietnameseParser


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(prog="python -m nq57 bench", description="Đo hiệu năng")
    parser.add_argument("--ingest", action="store_true", help="đo hiệu năng nhập báo cáo Excel")
    parser.add_argument("--runs", type=int, default=3, help="số lần đo cho các phép nhanh (lấy tốt nhất)")
    parser.add_argument("--pandas-runs", type=int, default=1, help="số lần đo pandas+openpyxl")
    parser.add_argument("--skip-pandas", action="store_true", help="bỏ qua phép đo pandas+openpyxl (chậm)")
    parser.add_argument("--commit", action="store_true",
                        help="đo chi phí nhập báo cáo một đơn vị ở quy mô tỉnh và toàn quốc (cơ sở dữ liệu trong data/bench/)")
    parser.add_argument("--views", action="store_true", help="đo hiệu năng view red_flags, unit_scorecard và các trang")
    parser.add_argument("--scale", choices=["province", "national"], default="province",
                        help="quy mô dữ liệu cho --views (cơ sở dữ liệu tạo một lần trong data/bench/, "
                             "hoặc tệp --db đặt trước bench)")
    parser.add_argument("--skip-pages", action="store_true", help="--views: bỏ qua phép đo các trang (AppTest)")
    parser.add_argument("--browser", action="store_true",
                        help="đo các trang trong chromium: thẻ mới (lạnh, ấm) và chuyển trang, so với một ứng dụng "
                             "Streamlit tối giản chạy cùng lúc (sàn); dùng --scale và --db như --views")
    parser.add_argument("--first-start", action="store_true",
                        help="đo lần khởi động đầu tiên trên cơ sở dữ liệu trống trong chromium: đến khi thấy trang "
                             "tổng quan, đến khi dữ liệu minh họa xong, so với khởi động lại")
    parser.add_argument("--cluster", action="store_true",
                        help="đo cụm: nhiều phiên trình duyệt qua nginx trên nhiều máy chủ cùng một kho chung "
                             "trong khi hai lệnh import ghi, so với một máy chủ mang một phần số phiên")
    parser.add_argument("--sessions", type=int, default=60, help="--cluster: số phiên trình duyệt cùng lúc")
    parser.add_argument("--replicas", type=int, default=3, help="--cluster: số máy chủ sau nginx")
    parser.add_argument("--page-timeout", type=float, default=120, help="--views: giới hạn giây cho một lần chạy trang")
    return parser


def main(argv: list[str] | None = None, db_path: str | None = None) -> int:
    """`db_path` is the command line's `--db`: the database `--views` measures (instead of
    data/bench/SCALE.duckdb; built there by `demo --scale` if missing). `--ingest` always works on
    its own database in a temporary folder, so it never writes to `db_path`."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.ingest or args.views or args.browser or args.commit or args.first_start or args.cluster):
        parser.print_usage(sys.stderr)
        print("Sai cú pháp: chọn phép đo, ví dụ --ingest, --views, --browser, --commit, --first-start hoặc --cluster", file=sys.stderr)
        return 2
    if args.runs < 1 or args.pandas_runs < 1:
        print("Sai cú pháp: --runs và --pandas-runs phải từ 1 trở lên", file=sys.stderr)
        return 2
    if args.ingest:
        from benchmarks.ingest import run_ingest_bench

        run_ingest_bench(args.runs, args.pandas_runs, args.skip_pandas)
    if args.views and db_path and db.is_lake(db_path):
        from benchmarks.store import run_store_bench  # --store: the lake against the embedded file

        run_store_bench(args.scale, str(db_path), args.runs, skip_pages=args.skip_pages, page_timeout=args.page_timeout)
    elif args.views:
        from benchmarks.views import run_views_bench

        run_views_bench(args.scale, args.runs, skip_pages=args.skip_pages, skip_pandas=args.skip_pandas,
                        page_timeout=args.page_timeout, db_path=Path(db_path) if db_path else None)
    if args.browser:
        from benchmarks.browser import run_browser_bench
        from benchmarks.views import bench_database

        run_browser_bench(bench_database(args.scale, path=Path(db_path) if db_path else None), args.scale)
    if args.commit:
        from benchmarks.commit import run_commit_bench

        run_commit_bench()
    if args.first_start:
        from benchmarks.first_start import run_first_start_bench

        run_first_start_bench()
    if args.cluster:
        from benchmarks.cluster import run_cluster_bench

        return run_cluster_bench(args.sessions, args.replicas)
    return 0


if __name__ == "__main__":
    sys.exit(main())
