"""The task file the trial ran (the SQL agent's task named `sql`, with the two rules of
examples/sql_agent/task.py's ANSWER_FROM_QUERIES): its prompt is byte-identical to `task_answer_from_queries`'s, and
named `sql` it samples the same 40 training questions as the plain task, so the two runs compare question by question.
"""

from pathlib import Path

from fcdpo.tasks import define_task
from fcdpo.tasks.registry import load_object

SQL = Path(__file__).resolve().parents[3] / "examples" / "sql_agent"
AGENT = load_object(f"{SQL / 'task.py'}:AGENT")
RULES = load_object(f"{SQL / 'task.py'}:ANSWER_FROM_QUERIES")
task = define_task(
    name="sql",
    rules=RULES,
    **{**AGENT, "problems": SQL / "questions.jsonl", "examples": SQL / "examples.json"},
)
