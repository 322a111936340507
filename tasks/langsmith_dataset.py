"""Problems from a LangSmith dataset: `--dataset langsmith:NAME`, so an agent whose examples live there needs no
JSONL export.

Each example becomes one problem line (`id`, `task`, `question`, `answer`), checked like a file's lines:
- question: `inputs["question"]`, else the last user message of `inputs["messages"]`, else the one text input;
- answer: `outputs["answer"]`, else the one output (none: a problem without ground truth);
- task: `metadata["task"]`, else the task the command names; `metadata` `template` / `group` / `context` are
  kept as a JSONL line's would be (a group split reads them).

The client reads `LANGSMITH_ENDPOINT` and `LANGSMITH_API_KEY` as everywhere in LangChain.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any

from fcdpo.errors import UserError

PREFIX = "langsmith:"


def is_langsmith(source: str | None) -> bool:
    """Whether a `--dataset` value names a LangSmith dataset."""
    return bool(source) and str(source).startswith(PREFIX)


def langsmith_rows(source: str, task: str | None) -> list[tuple[str, dict[str, Any]]]:
    """(where, problem line) for each example of the dataset `source` names, in the dataset's order."""
    name = source.removeprefix(PREFIX)
    rows = []
    for example in _examples(name):
        where = f"{source} example {example['id']}"
        inputs, outputs, metadata = example["inputs"] or {}, example["outputs"] or {}, example["metadata"] or {}
        row = {
            "id": example["id"],
            "task": metadata.get("task") or task,
            "question": _question(inputs, where),
            "answer": outputs["answer"] if "answer" in outputs else _only(outputs),
            **{key: metadata[key] for key in ("template", "group", "context") if metadata.get(key) is not None},
        }
        if row["task"] is None:
            raise UserError(f"{where}: no task; name one with --task (or metadata.task on the example)")
        rows.append((where, row))
    if not rows:
        raise UserError(f"{source}: the dataset has no examples")
    return rows


def langsmith_digest(source: str) -> str:
    """sha256 of the dataset's examples: a run over a dataset that changed since is another run."""
    return hashlib.sha256(json.dumps(_examples(source.removeprefix(PREFIX)), sort_keys=True).encode()).hexdigest()


@lru_cache(maxsize=8)
def _examples(name: str) -> tuple[dict[str, Any], ...]:
    """The dataset's examples as plain data, read once per process."""
    from langsmith import Client
    from langsmith.utils import LangSmithError, LangSmithNotFoundError

    try:
        found = list(Client().list_examples(dataset_name=name))
    except LangSmithNotFoundError:
        raise UserError(f"{PREFIX}{name}: no such LangSmith dataset") from None
    except LangSmithError as exc:
        raise UserError(f"{PREFIX}{name}: {str(exc).splitlines()[0]}") from None
    return tuple(
        {"id": str(e.id), "inputs": e.inputs, "outputs": e.outputs, "metadata": e.metadata}
        for e in sorted(found, key=lambda e: (e.created_at is None, e.created_at, str(e.id)))
    )


def _question(inputs: dict[str, Any], where: str) -> Any:
    if "question" in inputs:
        return inputs["question"]
    messages = [m for m in inputs.get("messages") or [] if isinstance(m, dict)]
    users = [m for m in messages if (m.get("role") or m.get("type")) in ("user", "human")]
    if users:
        return users[-1].get("content")
    texts = [value for value in inputs.values() if isinstance(value, str)]
    if len(texts) == 1:
        return texts[0]
    raise UserError(f"{where}: no question in its inputs (expected inputs.question, inputs.messages or one text)")


def _only(outputs: dict[str, Any]) -> Any:
    return next(iter(outputs.values())) if len(outputs) == 1 else None
