"""The stock SQL agent of examples/sql_stock_agent, and a model that drives it as an agent with the labelled
question would: list the tables, read the schema, check and run the gold query, answer its result.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from fcdpo.tasks import get_task

ROOT = Path(__file__).resolve().parents[1]
AGENT = ROOT / "examples" / "sql_stock_agent" / "agent.py"
TASK = f"{ROOT / 'examples' / 'sql_agent' / 'task.py'}:task_new_templates"


def gold_agent(body):
    """A FakeOpenAI reply: one tool call at a time towards the gold answer (model `guesser`: a guess, no call)."""
    gold = {p.question: p for split in ("train", "test") for p in get_task(TASK).problems(split, 10_000)}
    problem = gold[next(m["content"] for m in body["messages"] if m["role"] == "user")]
    sql = problem.meta["sql"]
    done = sum(m["role"] == "tool" for m in body["messages"])
    if body["model"] == "guesser" or done == 4:
        return "I do not know." if body["model"] == "guesser" else problem.answer
    tables = ", ".join(sorted(set(re.findall(r"\b(customers|orders|order_items|products)\b", sql))))
    name, args = [
        ("sql_db_list_tables", {"tool_input": ""}),
        ("sql_db_schema", {"table_names": tables}),
        ("sql_db_query_checker", {"query": sql}),
        ("sql_db_query", {"query": sql}),
    ][done]
    call = {"id": f"call_{done}", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}
    return {"role": "assistant", "content": "", "tool_calls": [call]}
