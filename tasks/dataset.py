"""User problem files: JSONL with `id`, `task`, `question`, `answer` (DESIGN.md), validated line by line."""

from __future__ import annotations

import json
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.tasks import TASKS
from fcdpo.types import Problem

REQUIRED = ("id", "task", "question")


def load_dataset(path: str | Path) -> list[Problem]:
    """All problems in a JSONL file; a malformed line stops with `FILE:LINE: reason`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    problems: list[Problem] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise UserError(f"{where}: expected a JSON object")
            missing = [k for k in REQUIRED if not str(row.get(k) or "").strip()]
            if missing:
                raise UserError(f"{where}: missing field '{missing[0]}'")
            if row["task"] not in TASKS:
                raise UserError(f"{where}: unknown task {row['task']!r} (expected one of {', '.join(TASKS)})")
            if str(row["id"]) in seen:
                raise UserError(f"{where}: duplicate id {row['id']!r}")
            seen.add(str(row["id"]))
            problems.append(Problem.from_dict(row))
    if not problems:
        raise UserError(f"{path}: no problems in file")
    return problems
