"""Control functions: `think` records a reasoning step (the paper's Reasoning), `final_answer` ends the chain."""

from __future__ import annotations

from fcdpo.tools.base import Function, ToolError

FINAL_ANSWER = "final_answer"
MAX_TEXT = 2000


def think(thought: str) -> str:
    """Record a thought; it has no effect beyond the transcript."""
    if not str(thought).strip():
        raise ToolError("thought is empty")
    return "noted"


def final_answer(answer: str) -> str:
    """End the chain with this answer."""
    text = str(answer).strip()
    if not text:
        raise ToolError("answer is empty")
    return text[:MAX_TEXT]


CONTROL = [
    Function(
        think, "Write down a short reasoning step or plan.", 'think(thought="First find the cost of the apples.")'
    ),
    Function(final_answer, "Give the final answer and stop.", "final_answer(answer=42)"),
]
