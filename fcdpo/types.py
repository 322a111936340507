"""Shared records: a Problem to solve, one Step of a chain, and the Trace of a whole run.

The Trace is the one record that generation, export, training and evals exchange; it is
written as one JSON line per chain.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage, messages_from_dict, messages_to_dict


@dataclass
class Problem:
    """One problem: the JSONL schema users bring (`id`, `task`, `question`, `answer`).

    `meta` holds generator details (template, proof depth, world semantics) and is optional.
    """

    id: str
    task: str
    question: str
    answer: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Problem:
        """Inverse of `to_dict`; unknown keys are ignored. A structured answer (rows, a JSON object) is kept as
        JSON text; a top-level `context`, `template` or `group` (what a user's JSONL may carry) goes to `meta`.
        """
        answer = data.get("answer")
        if isinstance(answer, (list, dict, bool)):
            answer = json.dumps(answer)
        meta = dict(data.get("meta") or {})
        # Top-level fields a user's JSONL may carry: `context`, and the `template` / `group` a group split reads.
        for key in ("context", "template", "group"):
            if data.get(key) is not None:
                meta[key] = str(data[key])
        return cls(
            id=str(data["id"]),
            task=str(data["task"]),
            question=str(data["question"]),
            answer=None if answer is None else str(answer),
            meta=meta,
        )


@dataclass
class Step:
    """One agent step: what the model wrote, the call parsed from it, and its outcome.

    Exactly one of `result` and `error` is set. `call` is None when nothing parsed. `grounded` says
    whether a call that states a premise (a logic fact or rule) says what the problem says; None for
    calls that state nothing.
    """

    index: int
    text: str
    call: dict[str, Any] | None
    result: str | None = None
    error: str | None = None
    grounded: bool | None = None

    @property
    def ok(self) -> bool:
        """True when the call parsed and ran."""
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Step:
        """Inverse of `to_dict`."""
        return cls(**{k: data.get(k) for k in ("index", "text", "call", "result", "error", "grounded")})

    def observation(self) -> str:
        """What the model is shown after this step."""
        return f"Result: {self.result}" if self.ok else f"Error: {self.error}"


@dataclass
class Trace:
    """One run of the graph on one problem by one model."""

    problem: Problem
    model: str
    messages: list[BaseMessage]
    steps: list[Step]
    answer: str | None
    verdict: str
    status: str  # "finished" (final_answer called), "unfinished" (step limit) or "failed" (model error)
    sampling: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    sample: int = 0  # index among the chains generated for this problem
    error: str | None = None  # why a failed chain failed (server down, timeout, ...)

    @property
    def valid_call_rate(self) -> float:
        """Share of steps whose call parsed and ran."""
        return sum(s.ok for s in self.steps) / len(self.steps) if self.steps else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the JSONL line generation and evals write."""
        return {
            "id": self.problem.id,
            "task": self.problem.task,
            "question": self.problem.question,
            "truth": self.problem.answer,
            "problem": self.problem.to_dict(),
            "model": self.model,
            "answer": self.answer,
            "verdict": self.verdict,
            "status": self.status,
            "steps": [s.to_dict() for s in self.steps],
            "messages": messages_to_dict(self.messages),
            "sampling": self.sampling,
            "usage": self.usage,
            "seconds": self.seconds,
            "sample": self.sample,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trace:
        """Inverse of `to_dict`."""
        return cls(
            problem=Problem.from_dict(data["problem"]),
            model=data["model"],
            messages=messages_from_dict(data["messages"]),
            steps=[Step.from_dict(s) for s in data["steps"]],
            answer=data.get("answer"),
            verdict=data["verdict"],
            status=data["status"],
            sampling=data.get("sampling") or {},
            usage=data.get("usage") or {},
            seconds=data.get("seconds", 0.0),
            sample=data.get("sample", 0),
            error=data.get("error"),
        )

    def to_messages(self) -> list[BaseMessage]:
        """The chain as chat messages (system prompt, problem, calls and results)."""
        return list(self.messages)
