"""Where a word-problem chain with `calculate` goes right or wrong: one table per traces file.

    python -m fcdpo.evals.math_chains runs/math-calculator-gsm/eval/traces/*/traces.jsonl

Accuracy says how often; the chains say which step fails. Every chain lands in one class:

- right, derived: the answer is the result of a calculation (`calculate` with an operator in it);
- right, stated: right, but no calculation returned it (a guess, or arithmetic done in the model's head);
- unfinished: no `final_answer` within the step budget;
- no calculation: answered without computing anything;
- carrying: calculated, then answered a number no calculation returned (a result copied wrong, a step skipped);
- a number not in the problem: answered a calculation that used a quantity neither the question, an earlier
  result nor a unit constant supplies (an invented or misread number);
- wrong formula: answered a calculation built only from the question's numbers, wrongly (which quantities to
  combine, or which operation: reading).
"""

from __future__ import annotations

import argparse
import ast
import math
import re
import sys
from collections import Counter
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.graphs.traces_io import read_traces
from fcdpo.tasks.graders import read_number
from fcdpo.tasks.math_calculator import MathCalculatorTask
from fcdpo.tools.base import ToolError
from fcdpo.tools.calculator import parse_expression
from fcdpo.types import Trace

_CALCULATOR_TASK = MathCalculatorTask()

CLASSES = (
    "right, derived",
    "right, stated",
    "unfinished",
    "no calculation",
    "carrying",
    "a number not in the problem",
    "wrong formula",
)
# Numbers a formula may use that a question says in words or implies by its units.
_WORDS: dict[str, tuple[float, ...]] = {
    **{
        word: (n,)
        for n, word in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)
    },
    **{"half": (0.5, 2), "twice": (2,), "double": (2,), "triple": (3,), "dozen": (12,), "quarter": (0.25, 4)},
}
UNIT_CONSTANTS = frozenset({1, 2, 7, 12, 24, 52, 60, 100, 365, 1000})
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def question_numbers(question: str) -> set[float]:
    """The numbers a question states, in digits or words; a percentage also as a fraction, a rise and a cut."""
    numbers: set[float] = set()
    for match in _NUMBER.finditer(question):
        value = float(match.group().replace(",", ""))
        numbers.add(value)
        if question[match.end() : match.end() + 1] == "%" or question[match.end() :].startswith(" percent"):
            numbers.update({value / 100, 1 + value / 100, 1 - value / 100})  # a share, a rise, a cut
    for word in re.findall(r"[a-z]+", question.lower()):
        numbers.update(_WORDS.get(word, ()))
    if "and a half" in question:
        numbers.add(1.5)
    return numbers


def formula_numbers(expression: str) -> list[float] | None:
    """The number literals of a calculation, or None when it does not parse."""
    try:
        tree = parse_expression(expression)
    except ToolError:
        return None
    return [float(node.value) for node in ast.walk(tree) if isinstance(node, ast.Constant)]


def classify(trace: Trace) -> str:
    """The class of one chain (see the module docstring)."""
    computed = [  # every calculation that computed something (the task's own `reads_data`)
        step
        for step in trace.steps
        if step.ok and step.call and step.call["name"] == "calculate" and _CALCULATOR_TASK.reads_data(step)
    ]
    # Which calculation the answer is, judged as the grader judges an answer.
    answered = [i for i, step in enumerate(computed) if _CALCULATOR_TASK.check(trace.answer, step.result)]
    if trace.verdict == "correct":
        return "right, derived" if answered else "right, stated"
    if trace.answer is None:
        return "unfinished"
    if not computed:
        return "no calculation"
    if not answered:
        return "carrying"
    earlier = {read_number(step.result) for step in computed[: answered[0]]} - {None}
    known = question_numbers(trace.problem.question) | UNIT_CONSTANTS | earlier
    numbers = formula_numbers(computed[answered[0]].call["args"]["expression"]) or []
    if any(not any(math.isclose(n, k, rel_tol=1e-6, abs_tol=1e-6) for k in known) for n in numbers):
        return "a number not in the problem"
    return "wrong formula"


def main(argv: list[str] | None = None) -> int:
    """Print the classes of every traces file's chains (and, with --examples, chains of each wrong class)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+", type=Path, help="traces.jsonl files (a generate or eval run's)")
    parser.add_argument("--examples", type=int, default=0, metavar="N", help="also N chains of each wrong class")
    args = parser.parse_args(argv)
    for path in args.traces:
        try:
            traces, _ = read_traces(path)
        except UserError as error:
            parser.error(str(error))
        labels = [classify(trace) for trace in traces]
        classes = Counter(labels)
        print(f"== {path} ({traces[0].model if traces else 'empty'})")
        for name in CLASSES:
            print(f"  {name:30} {classes[name]}/{len(traces)}")
        for name in CLASSES[2:] if args.examples else ():
            for trace in [t for t, label in zip(traces, labels, strict=True) if label == name][: args.examples]:
                calls = " → ".join(f"{step.text.strip()[:120]} = {step.result or step.error}" for step in trace.steps)
                print(f"  [{name}] {trace.problem.question}\n      truth {trace.problem.answer}: {calls}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
