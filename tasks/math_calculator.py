"""The math problems with one `calculate(expression=...)` function instead of one function per operation.

Same problems, split and grader as `math-new-templates`; only the tools differ, so the two protocols compare on
the same questions. A template's gold chain is its solution written as one formula (`(3 * 4.5) + (2 * 1.25)`),
computed by the calculator, then the answer.
"""

from __future__ import annotations

import json
import random

from fcdpo.tasks.base import Example
from fcdpo.tasks.math import EXAMPLE_TEMPLATES, MathNewTemplatesTask, solution_from_json
from fcdpo.tasks.math_templates import TEMPLATES, Ref
from fcdpo.tools.calculator import CALCULATOR, calculate
from fcdpo.tools.numbers import format_number
from fcdpo.types import Problem

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
