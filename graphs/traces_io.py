"""Reading and appending trace files (`traces.jsonl`): one chain per line, crash-safe.

Each chain is appended with a single write and fsynced, so a process killed at any moment
leaves at most a torn last line; `repair_tail` drops it before a run resumes.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.types import Trace

TRACES = "traces.jsonl"


def repair_tail(path: Path) -> int:
    """Cut a torn last line (no newline, or not JSON) left by a killed writer; returns bytes dropped."""
    if not path.is_file():
        return 0
    size = path.stat().st_size
    with path.open("rb+") as handle:
        data = handle.read()
        keep = data.rfind(b"\n") + 1  # a complete line ends in a newline
        last = data[data.rfind(b"\n", 0, keep - 1) + 1 : keep] if keep else b""
        if last.strip():
            try:
                json.loads(last)
            except ValueError:  # a newline but half a record: also torn
                keep -= len(last)
        handle.truncate(keep)
    return size - keep


def read_traces(path: Path, skip_bad: bool = False) -> tuple[list[Trace], int]:
    """All traces in a file and how many bad lines were skipped; a bad line stops with `FILE:LINE: reason`
    unless `skip_bad`.
    """
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    traces: list[Trace] = []
    bad = 0
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                traces.append(Trace.from_dict(json.loads(line)))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                if not skip_bad:
                    reason = (
                        "not valid JSON"
                        if isinstance(exc, ValueError)
                        else f"not a trace ({type(exc).__name__}: {exc})"
                    )
                    raise UserError(f"{path}:{number}: {reason} (use --skip-bad to skip such lines)") from None
                bad += 1
    return traces, bad


class TraceWriter:
    """Appends traces to a file, one fsynced write each; safe to share between threads."""

    def __init__(self, path: Path):
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def write(self, trace: Trace) -> None:
        """Append one chain durably."""
        data = (json.dumps(trace.to_dict(), ensure_ascii=False) + "\n").encode()
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]
            os.fsync(self._fd)

    def close(self) -> None:
        """Close the file."""
        os.close(self._fd)

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
