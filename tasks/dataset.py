"""User problem files: JSONL with `id`, `task`, `question`, `answer` (DESIGN.md), validated line by line.

Every line is checked before any model runs, and a bad one stops the load with `FILE:LINE: reason`:
wrong types (an id that is not a string, a list as `task`, a `meta` that is not an object), bytes
that are not UTF-8, duplicate ids, and answers the task's grader could never accept (a logic label
outside the task's labels, a math answer that is not one number).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fcdpo.errors import UserError
from fcdpo.tasks import TASKS
from fcdpo.tasks.graders import read_label, read_number
from fcdpo.tasks.logic import LABELS, LogicTask
from fcdpo.types import Problem


def load_dataset(path: str | Path) -> list[Problem]:
    """All problems in a JSONL file; a malformed line stops with `FILE:LINE: reason`."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    problems: list[Problem] = []
    seen: set[str] = set()
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        where = f"{path}:{number}"
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserError(f"{where}: not UTF-8 text (byte {exc.start + 1} of the line)") from None
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{where}: not valid JSON ({exc.msg})") from None
        reason = _problem_error(row, seen)
        if reason:
            raise UserError(f"{where}: {reason}")
        seen.add(row["id"])
        problems.append(Problem.from_dict(row))
    if not problems:
        raise UserError(f"{path}: no problems in file")
    return problems


def _problem_error(row: Any, seen: set[str]) -> str | None:
    """Why one parsed line is not a problem, or None when it is."""
    if not isinstance(row, dict):
        return "expected a JSON object"
    for key in ("id", "task", "question"):
        if key not in row or row[key] is None:
            return f"missing field '{key}'"
        if not isinstance(row[key], str):
            return f"'{key}' must be a string, got {json.dumps(row[key])[:40]} ({type(row[key]).__name__})"
        if not row[key].strip():
            return f"'{key}' is empty"
    if row["task"] not in TASKS:
        return f"unknown task {row['task']!r} (expected one of {', '.join(TASKS)})"
    if row["id"] in seen:
        return f"duplicate id {row['id']!r}"
    if "meta" in row and row["meta"] is not None and not isinstance(row["meta"], dict):
        return f"'meta' must be an object, got {type(row['meta']).__name__}"
    answer = row.get("answer")
    if answer is None:
        return None
    if isinstance(answer, (dict, list)):
        return f"'answer' must be a string or a number, got {type(answer).__name__}"
    if issubclass(TASKS[row["task"]], LogicTask) and read_label(answer, LABELS) is None:
        return f"{row['task']} answer {answer!r} is not one of {', '.join(LABELS)}"
    if row["task"] == "math" and (isinstance(answer, bool) or read_number(answer) is None):
        return f"math answer {answer!r} is not one number"
    return None
