"""Problem sources and their one grader per task: `get_task("math")`, `get_task("logic")`, `get_task("logic-cite")`."""

from __future__ import annotations

from fcdpo.errors import UserError
from fcdpo.tasks.base import SPLITS, Example, Task, split_of
from fcdpo.tasks.logic import LogicTask
from fcdpo.tasks.logic_cite import LogicCiteTask
from fcdpo.tasks.math import MathTask

TASKS: dict[str, type[Task]] = {"math": MathTask, "logic": LogicTask, "logic-cite": LogicCiteTask}


def get_task(name: str) -> Task:
    """The task called `name`; a UserError listing the known ones otherwise."""
    try:
        return TASKS[name]()
    except KeyError:
        raise UserError(f"unknown task {name!r}; choose from: {', '.join(TASKS)}") from None


__all__ = ["SPLITS", "TASKS", "Example", "Task", "get_task", "split_of"]
