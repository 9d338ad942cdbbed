"""What the benchmarks share: best-of timing, peak memory, the printed table of goals."""
from __future__ import annotations

import resource
import time
from pathlib import Path


def best_of(runs: int, action) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


def peak_mb() -> float:
    """This process's peak RSS. VmHWM starts afresh in a spawned child (ru_maxrss would carry the
    parent's peak across fork and exec); ru_maxrss where /proc is missing."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def verdict(ok: bool) -> str:
    return "đạt" if ok else "CHƯA ĐẠT"


def table(title: str, rows: list[tuple[str, str, str, str]], out) -> None:
    header = ("Phép đo", "Kết quả", "Mục tiêu", "Đánh giá")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(4)]
    print(f"\n{title}", file=out)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)), file=out)
    print("  ".join("-" * w for w in widths), file=out)
    for row in rows:
        print("  ".join([row[0].ljust(widths[0]), row[1].rjust(widths[1]), row[2].ljust(widths[2]), row[3]]),
              file=out)
