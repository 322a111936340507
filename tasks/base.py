"""What a task is: a problem source, its functions, few-shot chains, and the one grader.

Splits are decided by the question text itself (a hash), so `train` and `test` can never
share a question, and the same seed always gives the same problems. A task with `split_by`
(`"template"` or `"group"`) splits by that field of each problem instead and keeps whole groups
on one side: a new-template split, whose test questions come from templates never trained on.
"""

from __future__ import annotations

import hashlib
import math
import random
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fcdpo.errors import UserError
from fcdpo.tools import CONTROL, Function
from fcdpo.types import Problem, Step, Trace

SPLITS = ("train", "test")
TEST_SHARE = 5  # one question in five goes to test
GROUP_KEYS = ("template", "group")  # the fields a group split may read
TEST_GROUP_SHARE = 0.25  # a group split holds out a quarter of the groups (at least one) for test


def split_of(question: str) -> str:
    """The split a question belongs to, fixed by its text."""
    digest = hashlib.sha256(question.encode()).digest()
    return "test" if digest[0] % TEST_SHARE == 0 else "train"


def held_out_groups(groups: list[str] | set[str], keep: tuple[str, ...] = ()) -> frozenset[str]:
    """The groups a group split holds out: a quarter of them (rounded up, at least one), the first in the order of
    their names' hashes, never one of `keep` (e.g. the templates of the prompt's worked examples). Ranking, not a
    per-group coin, so the share is exact; a group's side depends only on its name and on which groups exist.
    """
    groups = set(groups)
    ranked = sorted(groups - set(keep), key=lambda group: hashlib.sha256(group.encode()).hexdigest())
    return frozenset(ranked[: max(1, math.ceil(len(groups) * TEST_GROUP_SHARE))]) if ranked else frozenset()


def group_of(problem: Problem, key: str) -> str:
    """The group `problem` belongs to under a split by `key`; a UserError naming the problem if it has none."""
    value = problem.meta.get(key)
    if value is None or str(value) == "":
        raise UserError(f"problem {problem.id or problem.question[:40]!r} has no {key!r} to split by")
    return str(value)


@dataclass(frozen=True)
class Example:
    """A worked chain for the prompt: the question and the calls that solve it, with results."""

    question: str
    calls: list[tuple[str, str]]  # (call text, result text)

    def render(self) -> str:
        """As it appears in the system prompt."""
        lines = [f"Problem: {self.question}"]
        for call, result in self.calls:
            lines += [call, f"Result: {result}"]
        return "\n".join(lines[:-1])  # final_answer's result is not shown


class Task(ABC):
    """A problem source with its functions, examples and grader."""

    name: str
    functions: list[Function]
    kind: str = "problems"  # what the problems are, for the prompt: "You solve {kind} step by step ..."
    rules: tuple[str, ...] = ()  # the task's own lines of the prompt's list ("Answer only what a query returned.")
    structured_answers = False  # may a dataset answer be a JSON list or object (rows, records)?
    cot_baseline = True  # can the model answer without the tools at all (a SQL agent without its database cannot)?
    labels: tuple[str, ...] = ()  # a fixed answer set, for readers that look for one in free text
    stream: str | None = None  # draw the problems of the task of this name (a variant asks the same questions)
    # Other tasks whose problem files this one answers as its own: the same kind of question under other tools
    # (`--task math-calculator` on a file of `math` lines). A variant (`stream`) reads its stream's files anyway.
    reads_files_of: tuple[str, ...] = ()
    grounded_by_construction = False  # are premises read from the problem by the tools themselves ("grounded": n/a)?
    split_by: str | None = None  # a GROUP_KEYS field: keep whole groups on one side (None: by question text)

    @abstractmethod
    def make_problem(self, rng: random.Random) -> Problem:
        """One random problem (id and split are assigned by `problems`)."""

    @abstractmethod
    def check(self, predicted: str | None, truth: str, problem: Problem | None = None) -> bool:
        """The one grader: does the predicted answer match the ground truth (of `problem`)?"""

    def truth_error(self, truth: str) -> str | None:
        """Why no answer could ever match `truth` (a dataset line is then refused at load), or None."""
        return None

    @abstractmethod
    def examples(self) -> list[Example]:
        """Worked chains injected into the prompt."""

    def answer_derived(self, trace: Trace) -> bool:
        """Did one of the task's functions (not think / final_answer), reading the problem's data, return the final
        answer?

        A right answer no function returned was stated, not derived: accuracy alone does not tell a
        guess from a derivation, and small models guess a lot. Compared with the task's own grader.
        """
        own = {function.name for function in self.functions}
        return trace.answer is not None and any(
            step.ok
            and step.call
            and step.call.get("name") in own
            and self.reads_data(step)
            and (stated := self.result_answer(step.result)) is not None
            and self.check(trace.answer, stated, trace.problem)
            for step in trace.steps
        )

    def reads_data(self, step: Step) -> bool:
        """Did this step's function read the problem's data (the default: yes)? A result that only echoes the
        call's own arguments (`SELECT 42`, a lookup that found nothing) derives nothing, whatever it says.
        """
        return True

    def result_answer(self, result: str) -> str | None:
        """The answer a function's result states, as the grader reads answers (the default: the result itself)."""
        return result

    def statement_grounded(self, problem: Problem, call: dict[str, Any]) -> bool | None:
        """Whether a call that states a premise (a logic `fact` or `rule`) says what the problem says;
        None for calls that state nothing (the default: arithmetic, queries, answers).
        """
        return None

    def premises_grounded(self, trace: Trace) -> bool:
        """Every premise the chain stated (a call that ran) is in the problem."""
        return all(
            self.statement_grounded(trace.problem, step.call) is not False
            for step in trace.steps
            if step.ok and step.call
        )

    def answer_grounded(self, trace: Trace) -> bool:
        """A grounded right answer's last two conditions: a function derived it, from premises the problem states.

        The grader's verdict is the first; callers check it (a chain without ground truth has none).
        """
        return self.answer_derived(trace) and self.premises_grounded(trace)

    def file_tasks(self) -> set[str]:
        """The task names a problem file's lines may carry to be read as this task."""
        return {self.name, *([self.stream] if self.stream else []), *self.reads_files_of}

    def split_of(self, question: str) -> str:
        """The split a question of this task belongs to (by its text, as `split_of`)."""
        return split_of(question)

    def groups(self) -> list[str]:
        """Every group of a group split (`split_by`): a task that splits by group names them all, so the
        held-out share is exact.
        """
        raise NotImplementedError(f"task {self.name} does not name its groups")

    def split_of_problem(self, problem: Problem) -> str:
        """The split `problem` belongs to: its group's under `split_by`, else its question text's."""
        if self.split_by is None:
            return self.split_of(problem.question)
        return "test" if group_of(problem, self.split_by) in self.held_out_groups() else "train"

    def held_out_groups(self) -> frozenset[str]:
        """The groups held out for test (empty when the task splits by question text)."""
        return held_out_groups(self.groups()) if self.split_by is not None else frozenset()

    def present(self, question: str) -> str:
        """The question as the model sees it (the default: as written)."""
        return question

    def reference_calls(self, problem: Problem) -> list[str] | None:
        """The calls of a gold chain for `problem` (the `reference` teacher's), or None when the task
        cannot solve it by itself (the default; e.g. a problem from a user's dataset).
        """
        return None

    def scripted_calls(self, problem: Problem) -> list[str] | None:
        """The calls of the task's scripted policy on `problem` (the `scripted` baseline): a fixed program that
        drives the tools from the question alone, never the answer; None when the task declares none (the default).
        """
        return None

    def all_functions(self) -> list[Function]:
        """The task's functions plus think / final_answer."""
        return [*self.functions, *CONTROL]

    def new_workspace(self, problem: Problem) -> Any:
        """Per-chain state the functions share (None when they are stateless)."""
        return None

    def save_workspace(self, workspace: Any) -> dict[str, Any] | None:
        """The workspace as a JSON-ready dict for the graph state."""
        return None

    def load_workspace(self, data: dict[str, Any] | None, problem: Problem) -> Any:
        """Inverse of `save_workspace`."""
        return None

    def iter_problems(self, split: str, seed: int = 0) -> Iterator[Problem]:
        """Endless deterministic stream of distinct problems of one split."""
        if split not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
        seen: set[str] = set()
        index = 0
        while True:
            problem = self.make_problem(random.Random(f"{self.stream or self.name}:{seed}:{index}"))
            index += 1
            if self.split_of_problem(problem) != split or problem.question in seen:
                continue
            seen.add(problem.question)
            problem.id = f"{self.name}-{split}-{seed}-{index - 1}"
            yield problem

    def problems(self, split: str, n: int, seed: int = 0) -> list[Problem]:
        """The first `n` problems of a split: `problems(s, 10)` is a prefix of `problems(s, 20)`."""
        stream = self.iter_problems(split, seed)
        return [next(stream) for _ in range(n)]
