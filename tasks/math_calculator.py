"""The math problems with one `calculate(expression=...)` function instead of one function per operation.

`math-calculator`: the same problems, split and grader as `math-new-templates`; only the tools differ, so the two
protocols compare on the same questions. `math-reading-calculator`: the `math` and the reading templates together
(66 shapes), on a split that holds out the test templates of both `math-new-templates` and `math-reading`, for
training a student to read word problems. A template's gold chain is its solution written as one formula
(`(3 * 4.5) + (2 * 1.25)`), computed by the calculator, then the answer. Both answer files of `math` lines.
"""

from __future__ import annotations

import ast
import json
import random

from fcdpo.tasks.base import Example
from fcdpo.tasks.math import EXAMPLE_TEMPLATES, MathNewTemplatesTask, MathReadingTask, solution_from_json
from fcdpo.tasks.math_reading_templates import READING_TEMPLATES
from fcdpo.tasks.math_templates import TEMPLATES, Ref
from fcdpo.tools.base import ToolError
from fcdpo.tools.calculator import CALCULATOR, calculate, parse_expression
from fcdpo.tools.numbers import format_number
from fcdpo.types import Problem, Step

_SAME_STORY = {"fence_cost": "fencing"}  # reading template → the math template with the same story and formula
_OPERATORS = {"add": "+", "subtract": "-", "multiply": "*", "divide": "/", "modulo": "%"}


def formula(solution) -> str:
    """A template's solution (operations on numbers and earlier results) as one parenthesized expression."""
    parts: list[str] = []
    for name, args in solution:
        shown = [parts[a.step] if isinstance(a, Ref) else format_number(a) for a in args]
        if name in _OPERATORS:
            parts.append(f"({shown[0]} {_OPERATORS[name]} {shown[1]})")
        elif name == "percent":
            parts.append(f"({shown[0]} * {shown[1]} / 100)")
        elif name == "sqrt":
            parts.append(f"({shown[0]} ** 0.5)")
        else:
            raise ValueError(f"no operator for {name}")
    return parts[-1][1:-1]  # every part is parenthesized; the whole formula needs no outer pair


def calculation(solution) -> tuple[str, str]:
    """A template's solution as one `calculate` call, and the value the calculator returns for it."""
    expression = formula(solution)
    return f"calculate(expression={json.dumps(expression)})", format_number(calculate(expression))


class MathCalculatorTask(MathNewTemplatesTask):
    """Word problems on the new-template split, solved with `calculate(expression=...)`."""

    name = "math-calculator"
    functions = [CALCULATOR]

    def reads_data(self, step: Step) -> bool:
        """A calculation derives its result only when it computes something: `calculate(expression="60")` returns
        the number the model wrote, so an answer it "returned" was stated, not derived.
        """
        expression = ((step.call or {}).get("args") or {}).get("expression")
        if not isinstance(expression, str):
            return False
        try:
            return any(isinstance(node, ast.BinOp) for node in ast.walk(parse_expression(expression)))
        except ToolError:
            return False

    def reference_calls(self, problem: Problem) -> list[str] | None:
        """The template's solution as one calculation, then its value as the answer; None for outside problems."""
        if "solution" not in problem.meta:
            return None
        call, value = calculation(solution_from_json(problem.meta["solution"]))
        return [call, f"final_answer(answer={value})"]

    def examples(self) -> list[Example]:
        """The prompt's two worked chains, each one calculation."""
        chosen = []
        for template, seed in zip(EXAMPLE_TEMPLATES, (1, 2), strict=True):
            generated = TEMPLATES[template](random.Random(f"example:{seed}"))
            call, value = calculation(generated.solution)
            chosen.append(Example(generated.question, [(call, value), (f"final_answer(answer={value})", "")]))
        return chosen


class MathReadingCalculatorTask(MathCalculatorTask):
    """Word problems of the `math` and the reading templates, solved with `calculate`, on a new-template split that
    holds out the test templates of `math-new-templates` and of `math-reading` (so a student trained here is
    measured on either task's test split without having seen a test template).
    """

    name = "math-reading-calculator"
    stream = None  # its own questions
    reads_files_of = ("math",)  # a word problem file for the math task is read with the calculator
    templates = {**TEMPLATES, **READING_TEMPLATES}  # `simple_interest` of both: the reading one, the same shape

    def held_out_groups(self) -> frozenset[str]:
        """The held-out templates of both families, and a train template of one family that tells the same story
        as a held-out one of the other (`fencing` is `fence_cost` in fewer words), so no test story was trained on.
        """
        held_out = MathNewTemplatesTask().held_out_groups() | MathReadingTask().held_out_groups()
        return held_out | {twin for name, twin in _SAME_STORY.items() if name in held_out}
