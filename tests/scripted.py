"""Scripted stand-ins for tests: a fake chat model, and a small pairs dir built with it by the real export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class ScriptedChatModel(BaseChatModel):
    """Replies with scripted messages in order, repeating the last one forever; records what it saw."""

    script: list[Any]
    seen: list[list[BaseMessage]] = []
    bound_tools: list[dict] | None = None

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        self.bound_tools = list(tools)
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.seen.append(list(messages))
        reply = self.script[min(len(self.seen) - 1, len(self.script) - 1)]
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=reply)
        message = message.model_copy(
            update={"usage_metadata": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}}
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def scripted_model(*replies) -> ScriptedChatModel:
    """`scripted_model("add(a=1, b=2)", "final_answer(answer=3)")`."""
    return ScriptedChatModel(script=list(replies), seen=[])


def small_pairs(base: Path, mode: str = "chain") -> Path:
    """A PAIRS dir (4 pairs) from scripted chains on one math problem, built by the real export."""
    from fcdpo.graphs import Context, solve
    from fcdpo.graphs.traces_io import TraceWriter
    from fcdpo.training.export import run_export
    from fcdpo.types import Problem

    problem = Problem("p1", "math", "A pen costs $3. How much do 4 pens cost?", "12")
    chains = [
        ("multiply(a=3, b=4)", "final_answer(answer=12)"),
        ("think(thought='times')", "multiply(a=3, b=4)", "final_answer(answer=12)"),
        ("add(a=3, b=4)", "final_answer(answer=7)"),
        ("multiply(a=3, b=4)", "final_answer(answer=13)"),
    ]
    runs = base / "traces"
    if not runs.exists():
        runs.mkdir(parents=True)
        with TraceWriter(runs / "traces.jsonl") as writer:
            for replies in chains:
                writer.write(solve(problem, Context(task="math"), model=scripted_model(*replies)))
    out = base / f"pairs-{mode}"
    run_export([runs], out, mode=mode, max_pairs_per_problem=None)
    return out
