"""User problem files: JSONL with `id`, `task`, `question`, `answer` (DESIGN.md), validated line by line.

Every line is checked before any model runs, and a bad one stops the load with `FILE:LINE: reason`:
wrong types (an id that is not a string, a list as `task`, a `meta` that is not an object), bytes
that are not UTF-8, duplicate ids, and answers the task's grader could never accept (a logic label
outside the task's labels, a math answer that is not one number, an answer a plug-in task's grader
could never accept), and a `task` that does not match the task the file belongs to.

A line may carry a `context` (a document, a database name): it is kept in `meta["context"]` and
shown to the model before the question. `langsmith:NAME` reads a LangSmith dataset's examples as such lines
(tasks/langsmith_dataset.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from fcdpo.errors import UserError
from fcdpo.tasks.base import Task
from fcdpo.tasks.langsmith_dataset import is_langsmith, langsmith_digest, langsmith_rows
from fcdpo.tasks.registry import get_task
from fcdpo.types import Problem


def load_dataset(path: str | Path, task: Task | None = None) -> list[Problem]:
    """All problems in a JSONL file, or in a LangSmith dataset (`langsmith:NAME`); a malformed line stops with
    `FILE:LINE: reason`.

    With `task` (a task's own problem file, or the task a LangSmith dataset's examples are for) a line may leave
    `task` out; one that names another task is refused.
    """
    if is_langsmith(str(path)):
        return _checked_rows(langsmith_rows(str(path), task.name if task else None), task, str(path))
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    return _checked_rows(_file_rows(path, task), task, str(path))


def _file_rows(path: Path, task: Task | None) -> list[tuple[str, Any]]:
    """(FILE:LINE, parsed line) for each non-blank line."""
    rows = []
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
        if task is not None and isinstance(row, dict) and row.get("task") is None:
            row["task"] = task.name
        rows.append((where, row))
    return rows


def _checked_rows(rows: list[tuple[str, Any]], task: Task | None, source: str) -> list[Problem]:
    """Problems from (where, line) pairs, every line checked; the first bad one stops with `where: reason`."""
    problems: list[Problem] = []
    seen: set[str] = set()
    for where, row in rows:
        reason = _problem_error(row, seen, task)
        if reason:
            raise UserError(f"{where}: {reason}")
        seen.add(row["id"])
        if task is not None:  # a variant's lines (another split of the same questions) name the task they came from
            row["task"] = task.name
        problems.append(Problem.from_dict(row))
    if not problems:
        raise UserError(f"{source}: no problems in file")
    return problems


def dataset_sha256(source: str) -> str:
    """The content hash of a problem file or LangSmith dataset: a run over changed problems is another run."""
    if is_langsmith(source):
        return langsmith_digest(source)
    path = Path(source)
    if not path.is_file():
        raise UserError(f"--dataset {path}: no such file")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _problem_error(row: Any, seen: set[str], expected: Task | None) -> str | None:
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
    if expected is not None and row["task"] not in expected.file_tasks():
        return f"task {row['task']!r} does not match this file's task {expected.name!r}"
    try:
        task = expected or get_task(row["task"])
    except UserError as exc:
        return str(exc)
    if row["id"] in seen:
        return f"duplicate id {row['id']!r}"
    if "meta" in row and row["meta"] is not None and not isinstance(row["meta"], dict):
        return f"'meta' must be an object, got {type(row['meta']).__name__}"
    if "context" in row and row["context"] is not None and not isinstance(row["context"], str):
        return f"'context' must be a string, got {type(row['context']).__name__}"
    answer = row.get("answer")
    if answer is None:
        return None
    if isinstance(answer, (dict, list)) and not task.structured_answers:
        return f"'answer' must be a string or a number, got {type(answer).__name__}"
    return task.truth_error(answer if isinstance(answer, str) else json.dumps(answer))
