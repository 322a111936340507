"""Traces from any LangGraph agent: its final message history, judged, as fcdpo Traces for `export`.

Users already run agents (a `create_agent`, their own `StateGraph`) whose histories hold the calls
a student should learn: AI messages with `tool_calls`, then `tool` results. `record` runs such a
graph on one question and turns what it did into a Trace; `trace_from_messages` does the same for
a history you already have. The chain is stored the way a text-protocol student sees it when
served with `--task` (`fcdpo.models.openai_api.as_text_protocol`: the tools as protocol lines after
the task's worked chains, calls as call text, results as `Result: ...`), and an agent that ends in
plain content is read as `final_answer(answer=...)`, which is what the server turns back into
content — so what the student is trained on and what it is asked when served are one conversation.

The verdict is the task's grader on the answer (given the truth), or one you give.

    from fcdpo.training.collect import record, write_traces
    traces = [record(agent, {"messages": [("user", q)]}, task="math", answer=a) for q, a in rows]
    write_traces(traces, "runs/collected")      # then: fcdpo export runs/collected --out runs/pairs
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.utils.function_calling import convert_to_openai_tool

from fcdpo.errors import UserError
from fcdpo.graphs.prompts import worked_examples
from fcdpo.graphs.traces_io import TRACES, TraceWriter
from fcdpo.graphs.user_graph import steps_from_messages
from fcdpo.models.local_chat import message_text
from fcdpo.models.openai_api import Protocol, as_text_protocol
from fcdpo.tasks import get_task
from fcdpo.tools.control import FINAL_ANSWER
from fcdpo.tools.protocol import Call
from fcdpo.types import Problem, Step, Trace

VERDICTS = ("correct", "incorrect", "unknown")


def trace_from_messages(
    messages: Sequence[BaseMessage],
    task: str,
    *,
    answer: str | None = None,
    verdict: str | None = None,
    tools: Sequence[Any] | None = None,
    model: str = "collected",
    problem_id: str | None = None,
) -> Trace:
    """A Trace from an agent's message history; `answer` is the truth (graded by the task's grader),
    `verdict` overrides the grader, `tools` are the agent's (default: the task's functions).
    """
    if verdict is not None and verdict not in VERDICTS:
        raise UserError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    chosen = get_task(task)
    question = next((message_text(m.content) for m in messages if isinstance(m, HumanMessage)), None)
    if not question:
        raise UserError("the agent's messages have no user question")
    schemas = (
        [convert_to_openai_tool(t) for t in tools] if tools else [f.json_schema() for f in chosen.all_functions()]
    )
    by_name = {s["function"]["name"]: s["function"] for s in schemas}
    steps, predicted = steps_from_messages(messages)
    history = list(messages)
    last = history[-1]
    if isinstance(last, ToolMessage) and steps and steps[-1].call["name"] == FINAL_ANSWER:
        history.pop()  # the chain ends at the call, as in fcdpo's graph
    elif isinstance(last, AIMessage) and not last.tool_calls and predicted is not None:
        # The agent answered in prose: the served student says that as final_answer (see the module doc).
        call = Call(FINAL_ANSWER, {"answer": predicted})
        history[-1] = AIMessage("", tool_calls=[{**call.to_dict(), "id": "final"}])
        steps.append(Step(index=len(steps), text=call.render(), call=call.to_dict(), result=predicted))
    problem = Problem(
        id=problem_id or hashlib.sha256(question.encode()).hexdigest()[:12],
        task=task,
        question=question,
        answer=answer,
    )
    if verdict is None and answer is not None:
        verdict = "correct" if predicted is not None and chosen.check(predicted, answer, problem) else "incorrect"
    return Trace(
        problem=problem,
        model=model,
        messages=as_text_protocol(history, by_name, Protocol(chosen.kind, worked_examples(chosen))),
        steps=steps,
        answer=predicted,
        verdict=verdict or "unknown",
        status="finished" if predicted is not None else "unfinished",
        sampling={"call_format": "text", "source": "collect"},
    )


def record(graph, inputs: dict[str, Any], config: dict[str, Any] | None = None, **kwargs: Any) -> Trace:
    """Run a compiled graph whose state has `messages` once and return its chain as a Trace.

    `kwargs` are `trace_from_messages`'s (`task`, `answer`, `verdict`, `tools`, `model`, `problem_id`).
    """
    final = graph.invoke(inputs, config)
    return trace_from_messages(final["messages"], **kwargs)


def write_traces(traces: Sequence[Trace], out: str | Path) -> Path:
    """Append traces to OUT/traces.jsonl, the file `fcdpo export OUT` reads."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with TraceWriter(out / TRACES) as writer:
        for trace in traces:
            writer.write(trace)
    return out / TRACES
