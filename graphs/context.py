"""Run-time settings of the solver graph; LangGraph Studio shows these fields.

`ChainSettings` are how one chain runs, whoever runs it: the graph's `Context` (Studio, `solve`),
`generate`'s and `eval`'s configs and a preset's sections all are one, so each setting has one
default, one check and one help text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Literal

from fcdpo.errors import UserError
from fcdpo.models import DEFAULT_MODEL
from fcdpo.tasks import get_task
from fcdpo.tasks.registry import registered

CALL_FORMATS = ("text", "native")
BASE_URL_HELP = "Server URL for openai: models (else OPENAI_BASE_URL)."


@dataclass(kw_only=True)
class ChainSettings:
    """How one chain runs: its step and token limits, call protocol and prompt, and the grounding check."""

    max_steps: int = field(
        default=20, metadata={"description": "Stop after this many calls; the chain is then recorded as unfinished."}
    )
    max_new_tokens: int = field(default=128, metadata={"description": "Token budget of one model reply (one step)."})
    call_format: Literal["text", "native"] = field(
        default="text",
        metadata={
            "description": "text: calls written as name(arg=value) (works with any model); "
            "native: the model's own tool calling (for students trained with it)."
        },
    )
    without_examples: bool = field(
        default=False,
        metadata={
            "description": "Leave the task's worked example chains out of the system prompt (each function keeps "
            "its one-line example): a tuned student no longer needs them, and shorter prompts train and answer "
            "faster."
        },
    )
    think_first: bool = field(
        default=False,
        metadata={
            "description": "Ask for one short sentence of reasoning before each call (what the step does, which "
            "numbers it uses): reading a word problem gets room in every reply, and it stays in the chain that "
            "training scores."
        },
    )
    check_grounding: bool = field(
        default=False,
        metadata={
            "description": "Refuse a stated fact or rule the problem does not say (an error step the model sees)."
        },
    )

    def __post_init__(self) -> None:
        if self.call_format not in CALL_FORMATS:
            raise UserError(f"call_format: must be one of {', '.join(CALL_FORMATS)}, got {self.call_format!r}")
        for name in ("max_steps", "max_new_tokens"):
            if getattr(self, name) < 1:
                raise UserError(f"{name}: must be at least 1, got {getattr(self, name)}")

    def chain_settings(self) -> dict[str, object]:
        """This object's chain settings, to pass on to another settings object (`Context(**x.chain_settings())`)."""
        return {spec.name: getattr(self, spec.name) for spec in fields(ChainSettings)}


@dataclass(kw_only=True)
class Context(ChainSettings):
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
            "description": f"Task whose functions and grader are used: {', '.join(registered())}, "
            "or your own (path/to/task.py:task, my_pkg.tasks:task)."
        },
    )
    temperature: float = field(default=0.0, metadata={"description": "Sampling temperature; 0 is greedy."})
    top_p: float = field(default=1.0, metadata={"description": "Nucleus sampling mass (with temperature > 0)."})
    seed: int | None = field(
        default=None, metadata={"description": "Sampling seed; the same seed repeats the same chain."}
    )
    base_url: str | None = field(default=None, metadata={"description": BASE_URL_HELP})

    def __post_init__(self) -> None:
        try:
            super().__post_init__()
        except UserError as exc:
            raise UserError(f"context.{exc}") from None
        try:
            get_task(self.task)
        except UserError as exc:
            raise UserError(f"context.task: {exc}") from None
        if self.temperature < 0:
            raise UserError(f"context.temperature: must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise UserError(f"context.top_p: must be in (0, 1], got {self.top_p}")
