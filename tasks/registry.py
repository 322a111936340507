"""Finding a task by what a user calls it: a registered name, a file, or a module.

    get_task("math")                          # the entry-point group `fcdpo.tasks` (built-ins are registered there)
    get_task("examples/sql_agent/task.py:task")  # an object in a Python file
    get_task("my_pkg.tasks:task")             # an object in an importable module

The object may be a `Task`, a `Task` subclass or a function returning a `Task`. Once loaded, a
task is also known by its own `name`, which is what its problems and traces record, so
`get_task(trace.problem.task)` finds it in the same process; a command reading a run made in another
process loads the run's task specs first (`load_tasks`).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
import threading
from importlib import metadata
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.tasks.base import Task

ENTRY_POINTS = "fcdpo.tasks"
DEFAULT_TASKS = ("math", "logic")  # what `generate`, `eval` and a preset work on when no task is named
_loaded: dict[str, Task] = {}
_lock = threading.RLock()


def registered() -> dict[str, metadata.EntryPoint]:
    """The tasks installed packages register under the `fcdpo.tasks` entry-point group, by name."""
    return {entry.name: entry for entry in metadata.entry_points(group=ENTRY_POINTS)}


def task_names() -> list[str]:
    """Every name `get_task` knows without a path: registered ones, then ones loaded in this process."""
    return list(dict.fromkeys([*registered(), *_loaded]))


def get_task(spec: str) -> Task:
    """The task `spec` names; a one-line UserError saying what is wrong otherwise."""
    task = _loaded.get(spec)
    if task is not None:
        return task
    with _lock:
        if spec in _loaded:
            return _loaded[spec]
        if ":" in spec:
            task = _checked(spec, load_object(spec))
        else:
            entry = registered().get(spec)
            if entry is None:
                raise UserError(
                    f"unknown task {spec!r}; choose from: {', '.join(task_names())} "
                    "(or name a task file: path/to/task.py:task)"
                )
            task = _checked(spec, entry.load())
        other = _loaded.get(task.name)
        if spec != task.name and ((other is not None and other is not task) or task.name in registered()):
            raise UserError(f"task {spec}: the name {task.name!r} is taken by another task; give yours another name")
        _loaded[spec] = task
        _loaded.setdefault(task.name, task)
        return task


def load_tasks(specs: list[str]) -> None:
    """Load tasks named in a run's manifest, so their names resolve when its traces are read."""
    for spec in specs:
        get_task(spec)


def load_object(spec: str, what: str = "task") -> object:
    """The object `FILE.py:NAME` or `module.path:NAME` names (a task, or a user's graph factory: `what`)."""
    with _lock:  # the parallel chains of a run ask at once: one import, which nobody sees half done
        return _load_object(spec, what)


def _load_object(spec: str, what: str) -> object:
    where, _, attribute = spec.rpartition(":")
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise UserError(f"{what} {spec}: no such file {where}")
        name = f"fcdpo_task_{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]}"
        if name in sys.modules:  # the same file named another way ("./task.py", "task.py"): one module
            return _attribute(spec, sys.modules[name], where, attribute, what)
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise UserError(f"{what} {spec}: {where} is not a Python file")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[name] = module  # dataclasses and pickling look modules up by name
        try:
            module_spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001 - any import-time failure of a user's file gets one line
            sys.modules.pop(name, None)
            raise UserError(f"{what} {spec}: importing {where} failed: {type(exc).__name__}: {exc}") from None
    else:
        try:
            module = importlib.import_module(where)
        except Exception as exc:  # noqa: BLE001
            raise UserError(f"{what} {spec}: importing {where} failed: {type(exc).__name__}: {exc}") from None
    return _attribute(spec, module, where, attribute, what)


def _attribute(spec: str, module: object, where: str, attribute: str, what: str) -> object:
    if not hasattr(module, attribute):
        raise UserError(f"{what} {spec}: {where} has no {attribute!r}")
    return getattr(module, attribute)


def _checked(spec: str, found: object) -> Task:
    """A Task from what a spec named: a Task, a Task class, or a function that returns one."""
    if isinstance(found, type) and issubclass(found, Task):
        found = found()
    elif callable(found) and not isinstance(found, Task):
        try:
            found = found()
        except UserError as exc:
            raise UserError(f"task {spec}: {exc}") from None
    if not isinstance(found, Task):
        raise UserError(
            f"task {spec}: expected a fcdpo Task (see fcdpo.tasks.define_task), got {type(found).__name__}"
        )
    if not found.functions:
        raise UserError(f"task {spec}: the task has no tools")
    return found
