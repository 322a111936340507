"""Problems written by people outside this project, as fcdpo JSONL, for `fcdpo eval --dataset`.

A gain that holds only on our own generators' output is not a gain, so evaluations also run on
problem sets others wrote. These are for evaluation only: never train on them.

- `gsm-symbolic`: grade-school word problems from reasoning-gym's `gsm_symbolic` (Apache-2.0), built
  from GSM8K *test* templates (GSM-Symbolic) with fresh numbers — test data by origin, so doubly never
  for training. Needs the `reasoning-gym` package (`pip install reasoning-gym`, in fcdpo's `dev` extra).

    fcdpo dataset gsm-symbolic --problems 200 --out data/gsm-symbolic.jsonl
    fcdpo eval --model qwen2.5-coder-0.5b --dataset data/gsm-symbolic.jsonl

- `prontoqa-style`: rule-base questions in ProntoQA's published format, written by fcdpo
  (`evals/prontoqa_style.py` says why and how); for the logic tasks, `--task` picks which.

    fcdpo dataset prontoqa-style --task logic-lookup --out data/prontoqa-style-lookup-dev.jsonl
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.evals.prontoqa_style import prontoqa_style
from fcdpo.tasks.graders import read_number
from fcdpo.tasks.logic import LogicTask
from fcdpo.tasks.math import MathTask
from fcdpo.tasks.registry import registered
from fcdpo.types import Problem

# Each source's problems fit the tasks of one family: the registered tasks built on this class.
SOURCES = {"gsm-symbolic": MathTask, "prontoqa-style": LogicTask}


def fitting_tasks(source: str) -> list[str]:
    """The registered tasks `source`'s problems are for; the family's own task first."""
    family = SOURCES[source]
    found = [name for name, entry in registered().items() if _subclass(entry.load(), family)]
    return sorted(found, key=lambda name: name != family.name)


def _subclass(loaded: object, family: type) -> bool:
    return isinstance(loaded, type) and issubclass(loaded, family)


def gsm_symbolic(problems: int, seed: int = 0) -> list[Problem]:
    """`problems` word problems from reasoning-gym's GSM-Symbolic generators, answers checked to be one number."""
    try:
        import reasoning_gym
    except ImportError:
        raise UserError("gsm-symbolic needs the reasoning-gym package: pip install reasoning-gym") from None
    found = []
    for index, item in enumerate(reasoning_gym.create_dataset("gsm_symbolic", size=problems, seed=seed)):
        if read_number(item["answer"]) is None:  # the strict grader could never accept any answer to it
            continue
        meta = {
            "source": "reasoning-gym gsm_symbolic (GSM8K test templates)",
            "template": item["metadata"].get("source_index"),
            "seed": seed,
        }
        found.append(Problem(f"gsm-symbolic-{seed}-{index}", "math", item["question"], str(item["answer"]), meta))
    return found


def write_dataset(source: str, problems: int, out: Path, seed: int = 0, task: str | None = None) -> int:
    """Write `source`'s problems to `out` (JSONL, fcdpo's schema); returns how many were written.

    `task` names the task the lines are for where a source fits several (a logic source: any logic task; they
    differ in the functions the model gets, not in the problem).
    """
    if source not in SOURCES:
        raise UserError(f"unknown dataset {source!r}; choose from: {', '.join(SOURCES)}")
    if problems < 1:
        raise UserError(f"--problems must be at least 1, got {problems}")
    fits = fitting_tasks(source)
    if task is not None and task not in fits:
        raise UserError(f"--task {task}: {source} problems are for {', '.join(fits)}")
    rows = (
        prontoqa_style(problems, seed, task or fits[0]) if source == "prontoqa-style" else gsm_symbolic(problems, seed)
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(json.dumps(p.to_dict(), ensure_ascii=False) + "\n" for p in rows), encoding="utf-8")
    os.replace(tmp, out)
    return len(rows)
