"""Run the graph on one problem and turn the final state into a Trace."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage

from fcdpo.graphs.context import Context
from fcdpo.types import Problem, Step, Trace


def recursion_limit(context: Context) -> int:
    """LangGraph super-steps a chain of `max_steps` calls needs (two nodes a step, plus start/verify)."""
    return 2 * context.max_steps + 5


def to_trace(final: dict[str, Any], problem: Problem, context: Context, seconds: float) -> Trace:
    """A Trace from the graph's final state."""
    messages = list(final.get("messages", []))
    usage = {"input_tokens": 0, "output_tokens": 0}
    for message in messages:
        if isinstance(message, AIMessage) and message.usage_metadata:
            usage["input_tokens"] += message.usage_metadata.get("input_tokens", 0)
            usage["output_tokens"] += message.usage_metadata.get("output_tokens", 0)
    sampling = {k: v for k, v in asdict(context).items() if k in ("temperature", "top_p", "seed", "max_new_tokens", "max_steps", "call_format")}
    return Trace(
        problem=problem,
        model=context.model,
        messages=messages,
        steps=[Step.from_dict(s) for s in final.get("steps", [])],
        answer=final.get("final_answer"),
        verdict=final.get("verdict") or "unknown",
        status=final.get("status") or "unfinished",
        sampling=sampling,
        usage=usage,
        seconds=round(seconds, 3),
    )


def solve(problem: Problem, context: Context, graph=None, model: BaseChatModel | None = None) -> Trace:
    """Run the solver graph on one problem."""
    if graph is None:
        from fcdpo.graphs.graph import build_graph

        graph = build_graph(model)
    started = time.perf_counter()
    final = graph.invoke(
        {"question": problem.question, "answer": problem.answer, "problem_id": problem.id, "meta": problem.meta},
        context=context,
        config={"recursion_limit": recursion_limit(context), "run_name": f"solve {problem.task}"},
    )
    return to_trace(final, problem, context, time.perf_counter() - started)
