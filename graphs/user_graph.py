"""Your own compiled LangGraph graph, run as it is on fcdpo's problems: `--graph FILE.py:make_agent`.

`make_agent(model)` takes a LangChain chat model (any spec fcdpo loads: a teacher, `BASE`, `BASE+ADAPTER`, an
`openai:` URL) and returns a compiled graph whose state has `messages` — a `langchain.agents.create_agent`, a
`StateGraph` of your own. fcdpo runs it once per problem with the question as the user message and records a
Trace: what the model saw and said at its longest call (your system prompt, your tool schemas, its native
`tool_calls` and the tool results: the conversation training scores), one step per tool call, the answer (the
graph's last AI message, or what a `final_answer` tool returned), and the task's grader's verdict.

A graph that raises or runs past its time is a failed chain with the error, and one that hits the step limit
an unfinished one: recorded, never lost. A timed-out run's thread cannot be stopped from outside; it finishes
in the background and its result is dropped. With LangSmith tracing on, each run is a root run carrying the
problem id, task and model as metadata, and the verdict as feedback `correct`, as fcdpo's own graph does.
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path
from typing import Any

from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langgraph.errors import GraphRecursionError

from fcdpo.errors import UserError
from fcdpo.graphs.run import send_verdict
from fcdpo.models.local_chat import message_text
from fcdpo.tasks import get_task
from fcdpo.tasks.registry import load_object
from fcdpo.tools.control import FINAL_ANSWER
from fcdpo.tools.protocol import Call
from fcdpo.types import Problem, Step, Trace

GRAPH_HELP = (
    "FILE.py:make_agent (or module:make_agent): your compiled graph, run as it is; make_agent(model) returns it "
    "(state with `messages`); the task gives the problems and the grader"
)


def load_graph_factory(spec: str) -> Callable[[BaseChatModel], Any]:
    """The `make_agent` function a `--graph` spec names; a one-line UserError when it is not callable."""
    if ":" not in spec:
        raise UserError(f"--graph {spec}: expected FILE.py:make_agent or module:make_agent")
    found = load_object(spec, "graph")
    if not callable(found):
        raise UserError(f"graph {spec}: expected a function make_agent(model) -> compiled graph")
    return found


def graph_source_hash(spec: str) -> str:
    """sha256 of the graph's source file: chains of another version of the graph are another experiment."""
    found = load_graph_factory(spec)
    if spec.rpartition(":")[0].endswith(".py"):
        return source_file_hash(spec)
    return hashlib.sha256(inspect.getsource(sys.modules[found.__module__]).encode()).hexdigest()[:16]


def source_file_hash(spec: str) -> str:
    """sha256 of the file a `FILE.py:NAME` spec names (a graph, a program in the model's seat): another version of
    it writes other chains.
    """
    where = Path(spec.rpartition(":")[0])
    if not where.is_file():
        raise UserError(f"{spec}: no such file {where}")
    return hashlib.sha256(where.read_bytes()).hexdigest()[:16]


class ModelCalls(BaseCallbackHandler):
    """Records every chat-model call inside the graph: the messages and tool schemas it saw, and its reply."""

    def __init__(self) -> None:
        self.started: dict[Any, dict[str, Any]] = {}
        self.finished: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def on_chat_model_start(self, serialized, messages, *, run_id, invocation_params=None, **kwargs) -> None:
        """Keep the call's input and the tools bound to it (`bind_tools` puts them in the invocation params)."""
        with self.lock:
            self.started[run_id] = {"input": list(messages[0]), "tools": (invocation_params or {}).get("tools")}

    def on_llm_end(self, response, *, run_id, **kwargs) -> None:
        """Keep the reply beside its input."""
        with self.lock:
            call = self.started.pop(run_id, None)
            if call is not None and response.generations and response.generations[0]:
                self.finished.append({**call, "output": response.generations[0][0].message})


def steps_from_messages(messages: Sequence[BaseMessage]) -> tuple[list[Step], str | None]:
    """One step per tool call (its result or error from the matching tool message), and the answer: what a
    `final_answer` tool returned, else the last AI message that calls no tool.
    """
    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}
    steps: list[Step] = []
    answer = None
    for message in messages:
        if not isinstance(message, AIMessage):
            continue
        if not message.tool_calls:
            answer = message_text(message.content).strip() or None
            continue
        for call in message.tool_calls:
            parsed = Call(call["name"], dict(call["args"]))
            step = Step(index=len(steps), text=parsed.render(), call=parsed.to_dict())
            result = results.get(call.get("id"))
            if result is None or result.status == "error":
                step.error = message_text(result.content) if result is not None else "no result"
            else:
                step.result = message_text(result.content)
                if call["name"] == FINAL_ANSWER:
                    answer = step.result
            steps.append(step)
    return steps, answer


def run_user_graph(
    make_agent: Callable[[BaseChatModel], Any],
    model: BaseChatModel,
    problem: Problem,
    *,
    spec: str,
    max_steps: int,
    timeout: float,
    sampling: dict[str, Any] | None = None,
) -> Trace:
    """Run the user's graph once on `problem` with `model`; the chain as a Trace, whatever happened."""
    calls = ModelCalls()
    started = time.perf_counter()
    status, error, final = "finished", None, None
    run_id = uuid.uuid4()  # the root run's id in LangSmith (when tracing is on), for the verdict's feedback
    config = {
        "callbacks": [calls],
        "recursion_limit": 2 * max_steps + 1,
        "run_name": f"graph {problem.task}",
        "run_id": run_id,
        "metadata": {"problem_id": problem.id, "task": problem.task, "model": spec},
    }
    pool = ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(lambda: make_agent(model).invoke({"messages": [("user", problem.question)]}, config))
        final = future.result(timeout=timeout)
    except FutureTimeout:
        status, error = "failed", f"timed out after {timeout:g} s"
    except GraphRecursionError:
        status = "unfinished"  # the step limit: a chain of the model's own making, judged like one
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - the user's graph may raise anything; it is one failed chain
        status, error = "failed", f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        pool.shutdown(wait=False)
    seconds = time.perf_counter() - started
    # The chain is the model's longest conversation: in a ReAct loop its last call, not a side call (a query
    # checker asking the model again) that happened later.
    with calls.lock:  # a timed-out graph may still be calling its model
        finished = list(calls.finished)
    last = max(reversed(finished), key=lambda call: len(call["input"]), default=None)
    messages = [*last["input"], last["output"]] if last else []
    state = final.get("messages") if isinstance(final, dict) else None
    steps, answer = steps_from_messages(list(state) if state else messages)
    if status == "finished" and answer is None:
        status = "unfinished"  # the graph ended without an answer
    task = get_task(problem.task)
    right = status == "finished" and problem.answer is not None and task.check(answer, problem.answer, problem)
    usage = {"input_tokens": 0, "output_tokens": 0}
    for call in finished:
        for key in usage:
            usage[key] += (call["output"].usage_metadata or {}).get(key, 0)
    verdict = "correct" if right else "incorrect" if problem.answer is not None else "unknown"
    send_verdict(run_id, verdict)
    return Trace(
        problem=problem,
        model=spec,
        messages=messages,
        steps=steps,
        answer=answer,
        verdict=verdict,
        status=status,
        sampling={
            **(sampling or {}),
            "call_format": "native",
            "source": "graph",
            "tools": last["tools"] if last else None,
            # The prompt: what opens the conversation before the model's first turn.
            "prompt_turns": next((i for i, m in enumerate(messages) if isinstance(m, AIMessage)), 0),
            "model_calls": len(finished),
        },
        usage=usage,
        seconds=round(seconds, 3),
        error=error,
    )
