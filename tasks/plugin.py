"""A task from parts a user already has: tools, questions, a grader — `define_task`.

    # my_task.py
    from fcdpo.tasks import define_task

    def add(a: float, b: float) -> float:
        \"\"\"Add two numbers.\"\"\"
        return a + b

    task = define_task(name="adding", tools=[add], grader="number", problems="questions.jsonl")

Then `fcdpo solve --task my_task.py:task --sample 3`, and the same `--task` for generate, eval
and pipeline presets. Paths are relative to the file that calls `define_task`. docs/own-agent.md
has the whole walk-through.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fcdpo.errors import UserError
from fcdpo.tasks.base import GROUP_KEYS, SPLITS, Example, Task, group_of, held_out_groups, split_of
from fcdpo.tasks.builtin_graders import Grader, make_grader
from fcdpo.tools.plugin import MAX_OUTPUT, TIMEOUT_S, as_function
from fcdpo.types import Problem, Step


class PluginTask(Task):
    """A task assembled by `define_task`; see there."""

    structured_answers = True  # rows or records as answers: the task's grader judges them

    def __init__(
        self,
        name: str,
        functions: list,
        grader: Grader,
        problem_files: dict[str, list[Path]],
        generator: Callable[[random.Random], Problem | dict[str, Any]] | None,
        examples: list[Example] | Path,
        reference: Callable[[Problem], list[str] | None] | None,
        workspace: Callable[[Problem], dict[str, Any]] | None,
        kind: str | None,
        cot_baseline: bool = True,
        result_answer: Callable[[str], str | None] | None = None,
        split_by: str | None = None,
        reads_data: Callable[[dict[str, Any]], bool] | None = None,
        scripted: Callable[[Problem], list[str] | None] | None = None,
        stream: str | None = None,
        rules: tuple[str, ...] = (),
    ):
        self.name = name
        self.rules = rules
        self.stream = stream
        self._scripted = scripted
        self.split_by = split_by
        self._reads_data = reads_data
        self._result_answer = result_answer
        self.functions = functions
        self.grader = grader
        self.kind = kind or f"{name} problems"
        self.cot_baseline = cot_baseline
        self._files = problem_files
        self._generator = generator
        self._examples = examples
        self._reference = reference
        self._workspace = workspace
        self._by_split: dict[str, list[Problem]] | None = None

    def check(self, predicted: str | None, truth: str, problem: Problem | None = None) -> bool:
        """The task's grader."""
        return self.grader.check(predicted, truth, problem)

    def truth_error(self, truth: str) -> str | None:
        """Why the grader could never accept `truth`, or None."""
        return self.grader.truth_error(truth)

    def examples(self) -> list[Example]:
        """Hand-written examples, or those `fcdpo examples pick` wrote into the examples file."""
        if isinstance(self._examples, list):
            return self._examples
        return read_examples(self._examples) if self._examples.is_file() else []

    @property
    def examples_file(self) -> Path | None:
        """Where `fcdpo examples pick` writes (None when the examples are written in code)."""
        return self._examples if isinstance(self._examples, Path) else None

    def make_problem(self, rng: random.Random) -> Problem:
        """One generated problem (only with a `generator`)."""
        made = self._generator(rng)
        problem = made if isinstance(made, Problem) else Problem.from_dict({"id": "", "task": self.name, **made})
        problem.task = self.name
        return problem

    def iter_problems(self, split: str, seed: int = 0) -> Iterator[Problem]:
        """The split's problems from the files (in file order), then generated ones if there is a generator."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
        yield from self._file_problems()[split]
        if self._generator is not None:
            yield from super().iter_problems(split, seed)

    def problems(self, split: str, n: int, seed: int = 0) -> list[Problem]:
        """Up to `n` problems of a split (fewer when the files hold fewer and nothing generates more).

        Fewer than a file split holds are a seeded sample spread over all of it, in file order: files
        are often written template by template, and their first `n` lines would cover a few templates.
        """
        from_files = self._file_problems()[split] if split in SPLITS else []
        if n < len(from_files):
            picked = sorted(random.Random(f"{self.name}:{split}:{seed}").sample(range(len(from_files)), n))
            return [from_files[i] for i in picked]
        stream = self.iter_problems(split, seed)
        return [problem for _, problem in zip(range(n), stream, strict=False)]

    def reads_data(self, step: Step) -> bool:
        """The user's `reads_data(call)`, when the task has one; else yes."""
        return self._reads_data is None or step.call is None or bool(self._reads_data(step.call))

    def result_answer(self, result: str) -> str | None:
        """The answer a tool result states, read by the task's own `result_answer` when it has one."""
        return self._result_answer(result) if self._result_answer else result

    def _file_problems(self) -> dict[str, list[Problem]]:
        if self._by_split is None:
            from fcdpo.tasks.dataset import load_dataset  # dataset validates answers through get_task

            loaded = [
                (split, problem)
                for split, paths in self._files.items()
                for path in paths
                for problem in load_dataset(path, task=self)
            ]
            held_out = frozenset()
            if self.split_by is not None:
                held_out = held_out_groups({group_of(problem, self.split_by) for _, problem in loaded})
            by_split: dict[str, list[Problem]] = {split: [] for split in SPLITS}
            for split, problem in loaded:
                # One file for both splits: the group decides (split_by), else the question text, as for
                # generated problems.
                if split not in SPLITS:
                    if self.split_by is not None:
                        split = "test" if group_of(problem, self.split_by) in held_out else "train"
                    else:
                        split = split_of(problem.question)
                by_split[split].append(problem)
            self._by_split = by_split
        return self._by_split

    def groups(self) -> list[str]:
        """The groups of a group split: every `split_by` value of the problem files."""
        return sorted({group_of(p, self.split_by) for split in SPLITS for p in self._file_problems()[split]})

    def split_of_problem(self, problem: Problem) -> str:
        """The split a file put `problem` in (its group's, under `split_by`); any other problem's by its text."""
        return self.split_of(problem.question)

    def split_of(self, question: str) -> str:
        """A question of a `train` or `test` file (or of a group a group split put there) is in that split; any
        other, by its text.
        """
        for split in SPLITS:
            if any(problem.question == question for problem in self._file_problems()[split]):
                return split
        return split_of(question)

    def reference_calls(self, problem: Problem) -> list[str] | None:
        """The user's reference solver's calls, if the task has one."""
        return self._reference(problem) if self._reference else None

    def scripted_calls(self, problem: Problem) -> list[str] | None:
        """The user's scripted policy's calls, if the task has one."""
        return self._scripted(problem) if self._scripted else None

    def new_workspace(self, problem: Problem) -> Any:
        """The user's per-chain state (a JSON-ready dict), if the task keeps one."""
        return self._workspace(problem) if self._workspace else None

    def save_workspace(self, workspace: Any) -> dict[str, Any] | None:
        """The workspace as the graph state keeps it."""
        return workspace

    def load_workspace(self, data: dict[str, Any] | None, problem: Problem) -> Any:
        """A copy, so a step's change lands in the state only through the node's update."""
        return json.loads(json.dumps(data)) if data is not None else None


def define_task(
    name: str,
    tools: list[Any],
    grader: str | Callable[[str, str, Problem], bool] = "exact",
    *,
    grader_options: dict[str, Any] | None = None,
    problems: str | Path | None = None,
    train: str | Path | list[str | Path] | None = None,
    test: str | Path | list[str | Path] | None = None,
    generator: Callable[[random.Random], Problem | dict[str, Any]] | None = None,
    examples: list[Example] | str | Path | None = None,
    reference: Callable[[Problem], list[str] | None] | None = None,
    workspace: Callable[[Problem], dict[str, Any]] | None = None,
    kind: str | None = None,
    rules: list[str] | None = None,
    cot_baseline: bool = True,
    tool_examples: dict[str, str] | None = None,
    result_answer: Callable[[str], str | None] | None = None,
    split_by: str | None = None,
    reads_data: Callable[[dict[str, Any]], bool] | None = None,
    scripted: Callable[[Problem], list[str] | None] | None = None,
    stream: str | None = None,
    timeout: float = TIMEOUT_S,
    max_output: int = MAX_OUTPUT,
) -> PluginTask:
    """A task from your own tools, questions and grader.

    - `tools`: LangChain tools (`@tool`, `StructuredTool`, `BaseTool` subclasses) or typed functions with a
      docstring; a plain function may take `workspace` (the per-chain dict `workspace(problem)` makes).
      `tool_examples` overrides the example call shown for a tool (`{"run_query": 'run_query(sql="...")'}`).
    - `grader`: `exact`, `normalized_text`, `number` (`grader_options={"tolerance": 0.01}`), `label`
      (`{"labels": [...]}`), `json`, `set`, `rows` (`{"ordered": True}`), or `(predicted, truth, problem) -> bool`.
    - `problems`: one JSONL file, split into train/test by question text; or `train` / `test` files; and/or
      `generator(rng)` returning a Problem or a dict with `question`, `answer` (and `context`, `meta`).
    - `split_by="template"` (or `"group"`): split `problems` by that field of each line (top level or in `meta`)
      instead, holding out a quarter of the groups (at least one) whole for test: a new-template split.
    - `stream`: the task name the problem files' lines carry when this task is a variant of another (the same
      questions split another way); its problems are then this task's.
    - `examples`: `Example`s, or a JSON file of them (what `fcdpo examples pick` writes).
    - `reference(problem)`: gold calls for a problem, for the `reference` teacher (optional).
    - `scripted(problem)`: the calls of a fixed policy that reads only the question (e.g. the gold query of the
      nearest training question), the `scripted` baseline a tuned student should beat (optional).
    - `kind`: what the problems are, for the prompt ("questions about a shop's database").
    - `rules`: lines the prompt adds to its list of how to work, one sentence each ("Answer only with a value a
      query returned."): what your agent's own prompt tells its model, said to the teacher and the student alike.
    - `cot_baseline=False`: the problems cannot be answered without the tools (`eval --baseline cot` skips them).
    - `result_answer(result)`: the answer a tool's result states, as the grader reads answers (e.g. the one
      value of a query's rows), so a right answer a tool returned counts as derived; default: the result.
    - `reads_data(call)`: whether a call (`{"name", "args"}`) read the problem's data, so that its result can
      derive an answer (e.g. a query that reads a table; `SELECT 42` does not); default: every call does.
    Each tool call times out after `timeout` s and its result is cut at `max_output` characters.
    """
    base = _caller_dir()
    if not name or not isinstance(name, str) or ":" in name:
        raise UserError(f"define_task: name must be a short name without ':', got {name!r}")
    if not tools:
        raise UserError(f"task {name}: no tools")
    shown = tool_examples or {}
    functions = []
    for tool in tools:
        tool_name = getattr(tool, "name", None) or getattr(tool, "__name__", "")
        functions.append(as_function(tool, example=shown.get(tool_name), timeout=timeout, max_output=max_output))
    names = [f.name for f in functions]
    rules = tuple(rules or ())
    if not all(isinstance(rule, str) and rule.strip() and "\n" not in rule for rule in rules):
        raise UserError(f"task {name}: rules must be one-line sentences, got {list(rules)!r}")
    if len(set(names)) != len(names) or {"think", "final_answer"} & set(names):
        raise UserError(f"task {name}: tool names must be distinct and not think/final_answer, got {names}")
    files: dict[str, list[Path]] = {}
    for split, given in (("any", problems), ("train", train), ("test", test)):
        paths = given if isinstance(given, list) else [given] if given is not None else []
        files[split] = [_path(base, p, name) for p in paths]
    if not any(files.values()) and generator is None:
        raise UserError(f"task {name}: give problems=, train=/test= files or a generator")
    if split_by is not None and (split_by not in GROUP_KEYS or generator is not None):
        raise UserError(
            f"task {name}: split_by must be one of {', '.join(GROUP_KEYS)}, with problem files and no generator "
            f"(a generator's groups are not known in advance), got {split_by!r}"
        )
    return PluginTask(
        name=name,
        functions=functions,
        grader=make_grader(grader, **(grader_options or {})),
        problem_files=files,
        generator=generator,
        examples=examples if isinstance(examples, list) else _path(base, examples or "examples.json", name, False),
        reference=reference,
        workspace=workspace,
        kind=kind,
        rules=rules,
        cot_baseline=cot_baseline,
        result_answer=result_answer,
        split_by=split_by,
        reads_data=reads_data,
        scripted=scripted,
        stream=stream,
    )


def read_examples(path: Path) -> list[Example]:
    """Examples from a JSON file: `[{"question": ..., "calls": [[call, result], ...]}, ...]`."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        return [Example(row["question"], [(call, result) for call, result in row["calls"]]) for row in rows]
    except (ValueError, KeyError, TypeError) as exc:
        raise UserError(f"{path}: not an examples file ({type(exc).__name__}: {exc})") from None


def write_examples(path: Path, examples: list[Example]) -> None:
    """Write examples where `read_examples` reads them."""
    rows = [{"question": ex.question, "calls": [list(pair) for pair in ex.calls]} for ex in examples]
    path.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _caller_dir() -> Path:
    """The directory of the file that called `define_task` (relative paths are resolved there)."""
    frame = sys._getframe(2)
    return Path(frame.f_globals.get("__file__", ".")).resolve().parent


def _path(base: Path, given: str | Path, task: str, must_exist: bool = True) -> Path:
    path = Path(given)
    path = path if path.is_absolute() else base / path
    if must_exist and not path.is_file():
        raise UserError(f"task {task}: no such file {path}")
    return path
