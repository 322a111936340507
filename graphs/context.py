"""Run-time settings of the solver graph; LangGraph Studio shows these fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from fcdpo.errors import UserError
from fcdpo.models import DEFAULT_MODEL
from fcdpo.tasks import get_task

CALL_FORMATS = ("text", "native")
WITHOUT_EXAMPLES_HELP = (
    "Leave the task's worked example chains out of the system prompt (each function keeps its one-line example): "
    "a tuned student no longer needs them, and shorter prompts train and answer faster."
)


@dataclass(kw_only=True)
class Context:
    """Which model solves which task, and how."""

    model: str = field(
        default=DEFAULT_MODEL,
        metadata={
            "description": "Model spec: a packaged name, hf:PATH, openai:MODEL, "
            "or SPEC+ADAPTER_DIR for a tuned student; NAME@llamacpp decodes with llama.cpp (fast on CPU)."
        },
    )
    task: str = field(
        default="math",
        metadata={
            "description": "Task whose functions and grader are used: math, logic, logic-cite, logic-lookup, "
            "or your own (path/to/task.py:task, my_pkg.tasks:task)."
        },
    )
    max_steps: int = field(
        default=20, metadata={"description": "Stop after this many calls; the chain is then recorded as unfinished."}
    )
    temperature: float = field(default=0.0, metadata={"description": "Sampling temperature; 0 is greedy."})
    top_p: float = field(default=1.0, metadata={"description": "Nucleus sampling mass (with temperature > 0)."})
    seed: int | None = field(
        default=None, metadata={"description": "Sampling seed; the same seed repeats the same chain."}
    )
    max_new_tokens: int = field(default=128, metadata={"description": "Token budget of one model reply (one step)."})
    call_format: Literal["text", "native"] = field(
        default="text",
        metadata={
            "description": "text: calls written as name(arg=value) (works with any model); "
            "native: the model's own tool calling."
        },
    )
    without_examples: bool = field(default=False, metadata={"description": WITHOUT_EXAMPLES_HELP})
    base_url: str | None = field(
        default=None, metadata={"description": "Server URL for openai: models (else OPENAI_BASE_URL)."}
    )
    check_grounding: bool = field(
        default=False,
        metadata={
            "description": "Refuse a stated fact or rule the problem does not say (an error step the model sees)."
        },
    )

    def __post_init__(self) -> None:
        try:
            get_task(self.task)
        except UserError as exc:
            raise UserError(f"context.task: {exc}") from None
        if self.call_format not in CALL_FORMATS:
            raise UserError(f"context.call_format: must be one of {', '.join(CALL_FORMATS)}, got {self.call_format!r}")
        if self.max_steps < 1:
            raise UserError(f"context.max_steps: must be at least 1, got {self.max_steps}")
        if self.temperature < 0:
            raise UserError(f"context.temperature: must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise UserError(f"context.top_p: must be in (0, 1], got {self.top_p}")
        if self.max_new_tokens < 1:
            raise UserError(f"context.max_new_tokens: must be at least 1, got {self.max_new_tokens}")
