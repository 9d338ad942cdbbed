"""The reading child: python-calamine in a process of its own, under a memory limit.

Run as a script (`python child.py MEMORY_BYTES`), never imported by the server: a reader bug that
aborts (a Rust allocation failure, a panic) or runs away then kills this process only. It imports
the standard library and python-calamine and nothing else, so it starts in a few tens of ms.

Protocol on stdin/stdout, one request at a time, each message an 8-byte length then a pickle
(the peer is our own parent, never the uploader):
  request  {"path": file to read, "sheets": [names], "fault": None | test hook}
  response ("ok", {name: (height, width, flat values)}) | ("password",) | ("memory", sheet)
           | ("error", sheet or None, error class, detail)
"""
from __future__ import annotations

import io
import os
import pickle
import resource
import struct
import sys
import time
from itertools import chain

from python_calamine import CalamineWorkbook, PasswordError

HEADER = struct.Struct("<Q")


def _pack(rows: list[list]) -> tuple[int, int, list]:
    """Rows as one flat list, equal values made one object: pickle then writes each distinct
    value once, so a 136,800-row sheet crosses the pipe in a few ms instead of half a second."""
    if not rows:
        return 0, 0, []
    widths = set(map(len, rows))
    width = max(widths)
    if len(widths) > 1:
        rows = [row + [""] * (width - len(row)) for row in rows]
    flat = list(chain.from_iterable(rows))
    kinds = set(map(type, flat))
    if len(kinds & {bool, int, float}) > 1:
        # True == 1 == 1.0 would merge across types: share text only
        shared = {}
        flat = [shared.setdefault(v, v) if v.__class__ is str else v for v in flat]
    else:
        shared = {}
        flat = list(map(shared.setdefault, flat, flat))
    return len(rows), width, flat


def _fault(kind: str | None) -> None:
    """Test-only hooks (NQ57_READER_FAULT in the parent) that make this child fail as a reader bug would."""
    if kind == "abort":
        os.abort()
    if kind == "memory":
        hog = []
        while True:                      # until the address-space limit stops it
            hog.append(bytearray(64 * 1024 * 1024))
    if kind == "hang":
        time.sleep(3600)


def handle(request: dict) -> tuple:
    _fault(request.get("fault"))
    with open(request["path"], "rb") as handle_:
        data = handle_.read()
    sheet = None
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        present = set(workbook.sheet_names)
        sheets = {}
        for sheet in request["sheets"]:
            if sheet in present:
                sheets[sheet] = _pack(workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False))
        return ("ok", sheets)
    except PasswordError:
        return ("password",)
    except MemoryError:
        return ("memory", sheet)
    except Exception as error:           # every reader error becomes a message in the parent
        return ("error", sheet, error.__class__.__name__, str(error)[:300])


def main() -> None:
    memory = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = source.read(HEADER.size)
        if len(header) < HEADER.size:
            return                       # the parent closed the pipe
        request = pickle.loads(source.read(HEADER.unpack(header)[0]))
        try:
            response = handle(request)
            blob = pickle.dumps(response, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            blob = pickle.dumps(("memory", None))
        sink.write(HEADER.pack(len(blob)))
        sink.write(blob)
        sink.flush()


if __name__ == "__main__":
    main()
