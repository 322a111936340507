"""Run the graph on one problem and turn the final state into a Trace."""

from __future__ import annotations

import sys
import time
from dataclasses import asdict
from functools import lru_cache
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
    sampling = {
        k: v
        for k, v in asdict(context).items()
        if k in ("temperature", "top_p", "seed", "max_new_tokens", "max_steps", "call_format")
    }
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
    """Run the solver graph on one problem.

    With LangSmith tracing on (`LANGSMITH_TRACING=true`), the chain is one root run named for
    the task, with the problem id, task, model spec, verdict and step count as metadata, and
    the verdict is sent as feedback `correct` (1/0) so right and wrong chains can be filtered.
    Off by default: then nothing is sent.
    """
    from langsmith import trace as langsmith_trace

    if graph is None:
        from fcdpo.graphs.graph import build_graph

        graph = build_graph(model)
    started = time.perf_counter()
    inputs = {"question": problem.question, "answer": problem.answer, "problem_id": problem.id, "meta": problem.meta}
    metadata = {"problem_id": problem.id, "task": problem.task, "model": context.model}
    with langsmith_trace(
        f"solve {problem.task}",
        run_type="chain",
        inputs={"question": problem.question, "answer": problem.answer},
        metadata=metadata,
        tags=["fcdpo", problem.task],
    ) as run:
        final = graph.invoke(
            inputs, context=context, config={"recursion_limit": recursion_limit(context), "run_name": "solver"}
        )
        trace = to_trace(final, problem, context, time.perf_counter() - started)
        run.metadata.update(verdict=trace.verdict, steps=len(trace.steps), status=trace.status)
        run.end(outputs={"answer": trace.answer, "verdict": trace.verdict, "steps": len(trace.steps)})
    send_verdict(run.id, trace.verdict)
    return trace


def send_verdict(run_id, verdict: str) -> None:
    """The verdict as LangSmith feedback `correct` (1/0), when tracing is on and there is a verdict."""
    from langsmith import utils as langsmith_utils

    if verdict not in ("correct", "incorrect") or not langsmith_utils.tracing_is_enabled():
        return
    try:
        _langsmith_client().create_feedback(run_id, key="correct", score=float(verdict == "correct"))
    except Exception as exc:  # an unreachable tracing endpoint must never fail a chain
        print(f"fcdpo: warning: LangSmith feedback not sent ({type(exc).__name__})", file=sys.stderr)


@lru_cache(maxsize=1)
def _langsmith_client():
    from langsmith import Client

    return Client()
