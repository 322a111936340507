"""The `reference` teacher and the `scripted` baseline: a task's own program in the model's seat.

A chain is only as good as its teacher, and a small teacher mostly guesses on logic. For a
generated problem the task knows a gold chain (logic: state the facts and rules the question
depends on, query the engine, answer; math: its template's operations, then the answer), so
`reference` writes what a perfect teacher would, through the same graph, tools and verify node:
chosen chains when no strong teacher is at hand, and an upper bound on what teacher chains can
teach a student. A chat model sees only
messages, so one scripted model (langchain-core's GenericFakeChatModel) is made per problem. In the
native call format its replies carry the calls as `tool_calls` with empty content, the shape a
chat template renders and a native-format student writes, so its chains export to native pairs.

`scripted` is the task's fixed policy (`Task.scripted_calls`): it reads only the question, never the
answer or the generator's metadata, so it runs on any problem, outside sets included. It is the
baseline that exposes a trivial policy: a student that does no better than twenty lines of script
has learned to drive the tools, not to reason.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from fcdpo.errors import UserError
from fcdpo.models.specs import SOLVERS
from fcdpo.tasks import get_task
from fcdpo.tasks.registry import load_object
from fcdpo.tools.base import Signature
from fcdpo.tools.protocol import Call, parse_call
from fcdpo.types import Problem


class _ScriptedToolCaller(GenericFakeChatModel):
    """GenericFakeChatModel that accepts `bind_tools`: its script already holds the calls."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> _ScriptedToolCaller:
        return self


def _native_reply(call_text: str, signatures: dict[str, Signature], index: int) -> AIMessage:
    parsed = parse_call(call_text, signatures)
    if not isinstance(parsed, Call):  # the task's own gold chain must read back: a bug, not a user mistake
        raise ValueError(f"reference call {call_text!r} does not parse: {parsed.message}")
    return AIMessage("", tool_calls=[{"name": parsed.name, "args": parsed.args, "id": f"call_{index}"}])


def solver_model(spec: str, problem: Problem, call_format: str = "text") -> BaseChatModel:
    """A chat model that replies with the calls of `problem`'s gold chain (`reference`) or of the task's scripted
    policy (`scripted`), one per turn, in `call_format`; or the one your `FILE.py:NAME` returns for `problem`.
    """
    if spec not in SOLVERS:  # FILE.py:NAME, the user's own program
        model = load_object(spec, "model")(problem)
        if not isinstance(model, BaseChatModel):
            raise UserError(
                f"model spec {spec!r}: expected a chat model for problem {problem.id}, got {type(model).__name__}"
            )
        return model
    task = get_task(problem.task)
    calls = task.reference_calls(problem) if spec == "reference" else task.scripted_calls(problem)
    if calls is None:
        what = "solve problem " + problem.id if spec == "reference" else f"run a scripted policy on {problem.id}"
        raise UserError(f"model spec {spec!r}: the {problem.task} task cannot {what} by itself; use a model")
    if call_format == "native":
        signatures = {f.name: f.signature for f in task.all_functions()}
        return _ScriptedToolCaller(messages=iter([_native_reply(c, signatures, i) for i, c in enumerate(calls)]))
    return GenericFakeChatModel(messages=iter([AIMessage(call) for call in calls]))
