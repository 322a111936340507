"""The solver graph's state: the problem, the conversation, the steps and the outcome."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Annotated, Any

from langchain_core.messages import AnyMessage
from langgraph.graph import add_messages


@dataclass
class InputState:
    """What a caller (or a Studio user) gives: a question, and the ground truth when known."""

    question: str = ""
    answer: str | None = None
    problem_id: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutputState:
    """What a run returns."""

    final_answer: str | None = None
    verdict: str | None = None
    status: str = "running"
    steps: Annotated[list[dict[str, Any]], operator.add] = field(default_factory=list)
    messages: Annotated[list[AnyMessage], add_messages] = field(default_factory=list)


@dataclass
class State(InputState, OutputState):
    """Everything the nodes read and write."""

    workspace: dict[str, Any] | None = None  # per-chain tool state (the logic rule base)
    errors: int = 0  # steps whose call did not parse or failed
