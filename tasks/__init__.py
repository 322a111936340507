"""Tasks: problem sources, their tools and their one grader.

`get_task("math")`, `get_task("logic")`, `get_task("logic-cite")`, `get_task("logic-lookup")` — or your own task,
made with `define_task` and named by `path/to/task.py:task`, `my_pkg.tasks:task` or an
entry point in the `fcdpo.tasks` group (where the built-ins are registered too).
"""

from __future__ import annotations

from fcdpo.tasks.base import SPLITS, Example, Task, split_of
from fcdpo.tasks.builtin_graders import Grader, make_grader
from fcdpo.tasks.plugin import PluginTask, define_task
from fcdpo.tasks.registry import DEFAULT_TASKS, get_task, load_tasks, task_names

__all__ = [
    "DEFAULT_TASKS",
    "SPLITS",
    "Example",
    "Grader",
    "PluginTask",
    "Task",
    "define_task",
    "get_task",
    "load_tasks",
    "make_grader",
    "split_of",
    "task_names",
]
