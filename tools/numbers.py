"""Bounded numbers: coercion of model-supplied arguments and the magnitude limit every tool shares."""

from __future__ import annotations

import math
import re

from fcdpo.tools.base import ToolError

# Anything larger is far outside word-problem territory and would only be a runaway computation.
MAX_MAGNITUDE = 1e15

_NUMERIC_TEXT = re.compile(r"^\s*[-+]?\$?\s*[\d,]*\.?\d+(e[-+]?\d+)?\s*%?\s*$", re.IGNORECASE)


def to_number(value: object, name: str = "value") -> float | int:
    """A model argument as a bounded int or float; numeric strings like "1,200" are accepted."""
    if isinstance(value, bool):
        raise ToolError(f"{name} must be a number, got {value!r}")
    if isinstance(value, str):
        if len(value) > 40 or not _NUMERIC_TEXT.match(value):
            raise ToolError(f"{name} must be a number, got {value[:40]!r}")
        value = float(value.replace(",", "").replace("$", "").replace("%", "").strip())
    if not isinstance(value, (int, float)):
        raise ToolError(f"{name} must be a number, got {type(value).__name__}")
    return check_bounds(value, name)


def check_bounds(value: float | int, name: str = "result") -> float | int:
    """Reject NaN, infinities and magnitudes beyond MAX_MAGNITUDE; integral floats become ints."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolError(f"{name} is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise ToolError(f"{name} is too large (limit {MAX_MAGNITUDE:.0e})")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def format_number(value: float | int) -> str:
    """Short text for a number: integers plain, floats to 10 significant digits."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.10g}"
