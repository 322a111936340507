"""The solver graph: start → reason → act → (reason … | verify).

`langgraph.json` serves the module-level `graph` as `solver`; apps call `build_graph()`,
optionally with their own chat model in place of the context's model spec.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, StateGraph
from langgraph.types import RetryPolicy

from fcdpo.graphs.context import Context
from fcdpo.graphs.nodes import act, after_act, make_reason, start, verify
from fcdpo.graphs.state import InputState, OutputState, State


def build_graph(model: BaseChatModel | None = None, name: str = "solver", retry: RetryPolicy | None = None):
    """Compile the solver graph; `model` overrides the context's model spec when given.

    A failing model call (server error, timeout) is retried by `retry` on the `reason` node alone, so it costs
    that one step, not the chain so far; by default LangGraph's policy (3 attempts, connection and 5xx errors).
    """
    builder = StateGraph(State, input_schema=InputState, output_schema=OutputState, context_schema=Context)
    builder.add_node("start", start)
    builder.add_node("reason", make_reason(model), retry_policy=retry or RetryPolicy())
    builder.add_node("act", act)
    builder.add_node("verify", verify)
    builder.add_edge(START, "start")
    builder.add_edge("start", "reason")
    builder.add_edge("reason", "act")
    builder.add_conditional_edges("act", after_act, ["reason", "verify"])
    builder.add_edge("verify", END)
    return builder.compile(name=name)


graph = build_graph()
