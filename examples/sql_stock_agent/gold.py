"""Gold demonstrations in the stock agent's own tools: the teacher of examples/sql_stock_agent/pipeline.yaml.

A dataset whose examples carry a reference query (a LangSmith dataset, say) holds a better teacher than any model
this machine runs: the chain an agent writes when it knows the query. `demonstrate(problem)` is that chain as a
chat model that fcdpo puts in the agent's seat (`teacher: examples/sql_stock_agent/gold.py:demonstrate`): list the
tables, read the schema of the tables the reference query reads, check the query, run it, answer with the labelled
answer — one tool call per turn, through the agent's own prompt, tools and loop. Like agent.py, it imports nothing
of fcdpo.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

sys.path.insert(0, str(Path(__file__).resolve().parent))
from agent import list_tables  # noqa: E402 - the agent's own tool names the tables


class Demonstration(GenericFakeChatModel):
    """Replies from a script; binding tools keeps their schemas in the call, where the recorded chain reads them."""

    def bind_tools(self, tools, **kwargs):
        """The script already holds the calls; the schemas only travel with each call."""
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools])


def gold_replies(problem) -> list[AIMessage]:
    """The agent's replies in the gold chain of `problem` (its `sql` and `answer` labels), one per turn."""
    sql = problem.meta["sql"]
    tables = [name for name in list_tables.invoke("").split(", ") if re.search(rf"\b{re.escape(name)}\b", sql)]
    calls = [
        ("sql_db_list_tables", {"tool_input": ""}),
        ("sql_db_schema", {"table_names": ", ".join(tables)}),
        ("sql_db_query_checker", {"query": sql}),
        ("sql_db_query", {"query": sql}),
    ]
    replies = [AIMessage("", tool_calls=[{"name": n, "args": a, "id": f"call_{i}"}]) for i, (n, a) in enumerate(calls)]
    return [*replies, AIMessage(problem.answer)]


def demonstrate(problem) -> Demonstration:
    """The gold chain of `problem` as a chat model for the stock agent."""
    return Demonstration(messages=iter(gold_replies(problem)))
