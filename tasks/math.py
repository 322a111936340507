"""The math task: generated multi-step word problems, arithmetic functions, a numeric grader."""

from __future__ import annotations

import math
import random

from fcdpo.tasks.base import Example, Task, held_out_groups
from fcdpo.tasks.graders import read_number
from fcdpo.tasks.math_reading_templates import READING_TEMPLATES
from fcdpo.tasks.math_templates import TEMPLATES, Ref, answer_text
from fcdpo.tools import ARITHMETIC
from fcdpo.tools.numbers import format_number
from fcdpo.types import Problem

ABS_TOLERANCE = 5e-3  # half a cent
EXAMPLE_TEMPLATES = ("shopping", "discount")  # the prompt's two worked chains
REL_TOLERANCE = 1e-6


def solve_steps(solution, functions) -> tuple[list[tuple[str, str]], float | int]:
    """Run a template's solution through the real tools: the (call, result) texts and the final value."""
    by_name = {f.name: f for f in functions}
    results: list = []
    calls: list[tuple[str, str]] = []
    for name, positional in solution:
        fn = by_name[name]
        values = [results[a.step] if isinstance(a, Ref) else a for a in positional]
        args = dict(zip(fn.signature.params, values, strict=False))
        value = fn.run(args)
        results.append(value)
        shown = ", ".join(f"{k}={format_number(v)}" for k, v in args.items())
        calls.append((f"{name}({shown})", format_number(value)))
    return calls, results[-1]


def solution_json(solution) -> list:
    """A template's solution as JSON: `[name, [argument or {"step": i}, ...]]` per call."""
    return [[name, [{"step": a.step} if isinstance(a, Ref) else a for a in args]] for name, args in solution]


def solution_from_json(rows) -> list[tuple[str, tuple]]:
    """The inverse of `solution_json`."""
    return [(name, tuple(Ref(a["step"]) if isinstance(a, dict) else a for a in args)) for name, args in rows]


class MathTask(Task):
    """Arithmetic word problems, 2 to 6 operations each."""

    name = "math"
    functions = ARITHMETIC
    kind = "math word problems"
    templates = TEMPLATES

    def make_problem(self, rng: random.Random) -> Problem:
        """One problem from a random template."""
        template = rng.choice(sorted(self.templates))
        generated = self.templates[template](rng)
        return Problem(
            id="",
            task=self.name,
            question=generated.question,
            answer=answer_text(generated.answer),
            meta={"template": template, "ops": len(generated.solution), "solution": solution_json(generated.solution)},
        )

    def check(self, predicted: str | None, truth: str, problem: Problem | None = None) -> bool:
        """The answer states one number, equal to the truth within half a cent (or a relative 1e-6)."""
        got, want = read_number(predicted), read_number(truth)
        if got is None or want is None:
            return False
        return math.isclose(got, want, rel_tol=REL_TOLERANCE, abs_tol=ABS_TOLERANCE)

    def truth_error(self, truth: str) -> str | None:
        """A math answer must be one number."""
        return None if read_number(truth) is not None else f"math answer {truth!r} is not one number"

    def reference_calls(self, problem: Problem) -> list[str] | None:
        """A generated problem's gold chain (its template's operations, then the answer); None for others."""
        if "solution" not in problem.meta:
            return None
        calls, value = solve_steps(solution_from_json(problem.meta["solution"]), self.functions)
        return [call for call, _ in calls] + [f"final_answer(answer={format_number(value)})"]

    def examples(self) -> list[Example]:
        """Two worked chains from fixed templates, solved by the real tools."""
        chosen = []
        for template, seed in zip(EXAMPLE_TEMPLATES, (1, 2), strict=True):
            generated = TEMPLATES[template](random.Random(f"example:{seed}"))
            calls, value = solve_steps(generated.solution, self.functions)
            chosen.append(Example(generated.question, [*calls, (f"final_answer(answer={format_number(value)})", "")]))
        # One example opens with a plan, as the paper's chains do, so the model sees `think` used.
        chosen[0].calls.insert(0, ('think(thought="Find the cost of each kind of item, then add them.")', "noted"))
        return chosen


class MathNewTemplatesTask(MathTask):
    """The math problems on a new-template split: a quarter of the templates are held out whole, so every test
    question comes from a template never trained on (the `math` task splits the same questions by text).
    """

    name = "math-new-templates"
    stream = "math"
    split_by = "template"

    def groups(self) -> list[str]:
        """Every template."""
        return sorted(self.templates)

    def held_out_groups(self) -> frozenset[str]:
        """A quarter of the templates, never those of the prompt's worked examples (a test question's template
        shown solved in the prompt would not be new).
        """
        return held_out_groups(self.groups(), keep=EXAMPLE_TEMPLATES)


class MathReadingTask(MathNewTemplatesTask):
    """Word problems that must be read (several sentences, implied quantities, relations in words, distractors,
    units), on a new-template split; the same functions, prompt and grader as `math`, so a student trained on them
    answers any math word problem file as `--task math`.
    """

    name = "math-reading"
    stream = None  # its own questions
    templates = READING_TEMPLATES
