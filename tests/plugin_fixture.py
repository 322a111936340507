"""A user's task written to a temp dir, as a user would write it: two plain functions, one LangChain `@tool`
with a pydantic schema, a 6-line JSONL and the `number` grader. Unit and integration tests share it.
"""

from __future__ import annotations

import json
from pathlib import Path

TASK_FILE = '''
"""A user's own task: unit conversions."""
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from fcdpo.tasks import define_task


def to_meters(feet: float) -> float:
    """Convert feet to meters."""
    return round(feet * 0.3048, 4)


def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


class ScaleArgs(BaseModel):
    value: float = Field(description="the number to scale")
    factor: float = Field(description="what to multiply it by")


@tool(args_schema=ScaleArgs)
def scale(value: float, factor: float) -> float:
    """Multiply a number by a factor."""
    return value * factor


def gold(problem):
    return problem.meta.get("calls")


task = define_task(
    name="units",
    kind="unit conversion problems",
    tools=[to_meters, add, scale],
    grader="number",
    grader_options={"tolerance": 0.001},
    problems="problems.jsonl",
    reference=gold,
)
'''

PROBLEMS = [
    ("u1", "How many meters are 10 feet?", "3.048", ["to_meters(feet=10)", "final_answer(answer=3.048)"]),
    ("u2", "How many meters are 100 feet?", "30.48", ["to_meters(feet=100)", "final_answer(answer=30.48)"]),
    ("u3", "What is 3 times 7?", "21", ["scale(value=3, factor=7)", "final_answer(answer=21)"]),
    ("u4", "What is 2.5 plus 4?", "6.5", ["add(a=2.5, b=4)", "final_answer(answer=6.5)"]),
    ("u5", "What is 12 times 0.5?", "6", ["scale(value=12, factor=0.5)", "final_answer(answer=6)"]),
    ("u6", "How many meters are 5 feet?", "1.524", ["to_meters(feet=5)", "final_answer(answer=1.524)"]),
]


def write_plugin(base: Path) -> str:
    """Write the task file and its problems under `base`; returns the spec that names the task."""
    base.mkdir(parents=True, exist_ok=True)
    (base / "units_task.py").write_text(TASK_FILE)
    with (base / "problems.jsonl").open("w") as handle:
        for pid, question, answer, calls in PROBLEMS:
            row = {"id": pid, "task": "units", "question": question, "answer": answer, "meta": {"calls": calls}}
            handle.write(json.dumps(row) + "\n")
    return f"{base / 'units_task.py'}:task"
