"""The solver graph: start → reason → act → (reason … | verify).

`langgraph.json` serves the module-level `graph` as `solver`; apps call `build_graph()`,
optionally with their own chat model in place of the context's model spec.
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel
from langgraph.graph import END, START, StateGraph

from fcdpo.graphs.context import Context
from fcdpo.graphs.nodes import act, after_act, make_reason, start, verify
from fcdpo.graphs.state import InputState, OutputState, State


def build_graph(model: BaseChatModel | None = None, name: str = "solver"):
    """Compile the solver graph; `model` overrides the context's model spec when given."""
    builder = StateGraph(State, input_schema=InputState, output_schema=OutputState, context_schema=Context)
    builder.add_node("start", start)
    builder.add_node("reason", make_reason(model))
    builder.add_node("act", act)
    builder.add_node("verify", verify)
    builder.add_edge(START, "start")
    builder.add_edge("start", "reason")
    builder.add_edge("reason", "act")
    builder.add_conditional_edges("act", after_act, ["reason", "verify"])
    builder.add_edge("verify", END)
    return builder.compile(name=name)


graph = build_graph()
