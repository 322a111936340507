"""A trace as text a person reads: each call, its result or error, the answer and the verdict."""

from __future__ import annotations

import textwrap

from fcdpo.types import Trace

MAX_SHOWN = 300


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def show_trace(trace: Trace) -> str:
    """Readable multi-line rendering of one chain."""
    problem = trace.problem
    lines = [f"── {problem.id} ({problem.task}) · {trace.model}"]
    for paragraph in problem.question.splitlines():
        lines.append(textwrap.fill(paragraph, width=100, initial_indent="  ", subsequent_indent="  "))
    for step in trace.steps:
        if step.call is not None:
            args = ", ".join(f"{k}={v!r}" for k, v in step.call["args"].items())
            shown = f"{step.call['name']}({args})"
        else:
            shown = _clip(step.text) or "(empty reply)"
        outcome = f"→ {_clip(step.result)}" if step.error is None else f"✗ {_clip(step.error)}"
        lines.append(f"  {step.index + 1:>2}. {shown}  {outcome}")
    truth = f"   truth: {problem.answer}" if problem.answer is not None else ""
    lines.append(
        f"  answer: {trace.answer}{truth}   verdict: {trace.verdict}"
        f"   ({trace.status}, {len(trace.steps)} steps, {trace.usage.get('output_tokens', 0)} tokens, "
        f"{trace.seconds:.1f} s)"
    )
    return "\n".join(lines)
