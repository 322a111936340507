"""The stock SQL agent of examples/sql_stock_agent, and a served model that drives it as an agent with the labelled
question would (the example's gold demonstrations): list the tables, read the schema, check and run the gold query,
answer its result.
"""

from __future__ import annotations

import json
from pathlib import Path

from fcdpo.tasks import get_task
from fcdpo.tasks.registry import load_object

ROOT = Path(__file__).resolve().parents[1]
AGENT = ROOT / "examples" / "sql_stock_agent" / "agent.py"
TASK = f"{ROOT / 'examples' / 'sql_agent' / 'task.py'}:task_new_templates"
GOLD = ROOT / "examples" / "sql_stock_agent" / "gold.py"
gold_replies = load_object(f"{GOLD}:gold_replies", "model")


def gold_agent(body):
    """A FakeOpenAI reply: the next turn of the gold chain (examples' gold.py) (model `guesser`: a guess, no call)."""
    gold = {p.question: p for split in ("train", "test") for p in get_task(TASK).problems(split, 10_000)}
    problem = gold[next(m["content"] for m in body["messages"] if m["role"] == "user")]
    if body["model"] == "guesser":
        return "I do not know."
    reply = gold_replies(problem)[sum(m["role"] == "tool" for m in body["messages"])]
    if not reply.tool_calls:
        return reply.content
    call = reply.tool_calls[0]
    function = {"name": call["name"], "arguments": json.dumps(call["args"])}
    return {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": call["id"], "type": "function", "function": function}],
    }
