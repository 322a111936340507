"""Problems written by others (tests/fixtures/external.jsonl): closed-world rule bases with
negated rules and plain word problems are solvable through the tools and graded by the one grader.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fcdpo.graphs import Context, solve
from fcdpo.tasks import get_task
from fcdpo.tasks.dataset import load_dataset

PROBLEMS = {p.id: p for p in load_dataset(Path(__file__).resolve().parents[1] / "fixtures" / "external.jsonl")}

CHAINS = {
    "ext-logic-1": [
        'fact(subject="the bear", attribute="big")',
        'fact(subject="the cat", attribute="not round")',
        'rule(conditions=["not big"], conclusion="small")',
        'rule(conditions=["big"], conclusion="rough")',
        'rule(conditions=["rough", "not round"], conclusion="kind")',
        'query(subject="the cat", attribute="small")',
        "final_answer(answer=true)",
    ],
    "ext-logic-2": [
        'fact(subject="Anne", attribute="quiet")',
        'fact(subject="Gary", attribute="not quiet")',
        'rule(conditions=["not quiet"], conclusion="loud")',
        'rule(conditions=["loud"], conclusion="tired")',
        'rule(conditions=["quiet", "not tired"], conclusion="calm")',
        'query(subject="Anne", attribute="tired")',
        "final_answer(answer=false)",
    ],
    "ext-math-1": ["multiply(a=4, b=12)", "subtract(a=48, b=15)", "final_answer(answer=33)"],
    "ext-math-2": [
        "divide(a=18, b=2)",
        "multiply(a=2, b=18)",
        "multiply(a=3, b=9)",
        "add(a=36, b=27)",
        "final_answer(answer=63)",
    ],
}


@pytest.mark.parametrize("problem_id", list(CHAINS))
def test_external_problem_is_solved_through_the_tools(problem_id, scripted):
    problem = PROBLEMS[problem_id]
    trace = solve(problem, Context(task=problem.task, max_steps=10), model=scripted(*CHAINS[problem_id]))
    assert all(step.ok for step in trace.steps), [step.error for step in trace.steps]
    if problem.task == "logic":
        assert trace.steps[-2].result == problem.answer  # the engine itself derived the answer
        # every fact and rule the chain stated is a sentence of a rule base written elsewhere
        assert [s.grounded for s in trace.steps if s.call["name"] in ("fact", "rule")] == [True] * (
            len(trace.steps) - 2
        )
    assert trace.verdict == "correct"
    assert get_task(problem.task).answer_grounded(trace)
