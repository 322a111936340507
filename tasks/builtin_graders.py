"""The graders a task can name: `exact`, `normalized_text`, `number`, `label`, `json`, `set`, `rows`.

A grader answers one question — does this final answer state the ground truth? — strictly: a
hedge, a second candidate or extra words make an answer wrong, never half right. Each also says
which ground truths it could ever accept (`truth_error`), so a dataset line no answer can match
is refused at load instead of silently scoring zero.

    grader = make_grader("number", tolerance=0.01)
    grader.check("$12.00", "12", problem)  # True
    grader.check("12 or 13", "12", problem)  # False
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fcdpo.errors import UserError
from fcdpo.tasks.graders import MAX_ANSWER_CHARS, read_label, read_number
from fcdpo.types import Problem

CheckFn = Callable[[str, str, Problem], bool]


@dataclass(frozen=True)
class Grader:
    """A named check `(predicted, truth, problem) -> bool` and the test a ground truth must pass."""

    name: str
    check_fn: CheckFn
    truth_check: Callable[[str], str | None] = lambda truth: None

    def check(self, predicted: str | None, truth: str, problem: Problem | None = None) -> bool:
        """The verdict; no answer is wrong. A user's grader that raises stops with one line naming it."""
        if predicted is None:
            return False
        try:
            return bool(self.check_fn(str(predicted), str(truth), problem))
        except Exception as exc:  # noqa: BLE001 - a user's callable may raise anything; say which and why
            raise UserError(
                f"grader {self.name} raised {type(exc).__name__}: {exc} (answer {str(predicted)[:40]!r})"
            ) from None

    def truth_error(self, truth: str) -> str | None:
        """Why no answer could ever match `truth` under this grader, or None."""
        return self.truth_check(str(truth))


def _normalized(text: str) -> str:
    """Case, surrounding quotes/markdown/punctuation and runs of spaces do not matter."""
    return re.sub(r"\s+", " ", text.strip()[:MAX_ANSWER_CHARS].strip(" \t\n\"'`*_.,;:!?").casefold())


def _number(tolerance: float) -> Grader:
    def check(predicted: str, truth: str, problem: Problem | None) -> bool:
        want, got = read_number(truth), read_number(predicted)
        return want is not None and got is not None and abs(got - want) <= tolerance * max(1.0, abs(want))

    return Grader(
        "number", check, lambda truth: None if read_number(truth) is not None else f"{truth!r} is not one number"
    )


def _label(labels: list[str]) -> Grader:
    if not labels:
        raise UserError("grader label needs labels=[...]")
    lowered = tuple(label.lower() for label in labels)

    def check(predicted: str, truth: str, problem: Problem | None) -> bool:
        want = read_label(truth, lowered)
        return want is not None and read_label(predicted, lowered) == want

    return Grader(
        "label",
        check,
        lambda truth: None if read_label(truth, lowered) else f"{truth!r} is not one of {', '.join(labels)}",
    )


def _parse_json(text: str) -> Any:
    """JSON, also inside a ```json fence; raises ValueError otherwise."""
    fenced = re.fullmatch(r"\s*```(?:json)?\s*(.*?)\s*```\s*", text, re.DOTALL)
    return json.loads(fenced.group(1) if fenced else text)


def _json_check(predicted: str, truth: str, problem: Problem | None) -> bool:
    try:
        return _parse_json(predicted) == _parse_json(truth)
    except ValueError:
        return False


def _json_truth(truth: str) -> str | None:
    try:
        _parse_json(truth)
    except ValueError:
        return f"{truth[:40]!r} is not JSON"
    return None


def _cell(value: Any) -> Any:
    """One value of a row, compared by meaning: 12, 12.0 and "12.00" are one number; text ignores case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return round(float(value), 6)
    text = _normalized(str(value))
    number = read_number(text) if re.fullmatch(r"[-+$\d.,\s%]+", text) else None
    return round(number, 6) if number is not None else text


def _items(text: str) -> list[Any] | None:
    """A list written as JSON or as text separated by commas, semicolons or lines; None when empty."""
    try:
        value = _parse_json(text)
    except ValueError:
        # A comma before three digits is a thousands separator ("1,200"), not a list separator.
        value = [part for part in re.split(r"[;\n]|,(?!\d{3}(?:\D|$))", text) if part.strip()]
    if not isinstance(value, list):
        value = [value]
    return value or None


def _set_check(predicted: str, truth: str, problem: Problem | None) -> bool:
    want, got = _items(truth), _items(predicted)
    return want is not None and got is not None and Counter(map(_cell, want)) == Counter(map(_cell, got))


def _rows(ordered: bool) -> Grader:
    def shape(text: str, columns: int | None) -> list[tuple[Any, ...]] | None:
        items = _items(text)
        if items is None:
            return None
        if all(isinstance(item, list) for item in items):
            return [tuple(map(_cell, item)) for item in items]
        if columns in (None, 1):  # one column may be written as plain values
            return [(_cell(item),) for item in items]
        return None

    def check(predicted: str, truth: str, problem: Problem | None) -> bool:
        want = shape(truth, None)
        if want is None:
            return False
        got = shape(predicted, len(want[0]) if want else None)
        if got is None:
            return False
        return got == want if ordered else Counter(got) == Counter(want)

    return Grader("rows", check, lambda truth: None if shape(truth, None) else f"{truth[:40]!r} is no rows")


def make_grader(spec: str | Callable[..., bool] | Grader, **options: Any) -> Grader:
    """A grader by name (with its options), or a user's callable `(predicted, truth, problem) -> bool`."""
    if isinstance(spec, Grader):
        return spec
    if callable(spec):
        return Grader(getattr(spec, "__name__", "custom"), spec)
    makers: dict[str, Callable[[], Grader]] = {
        "exact": lambda: Grader("exact", lambda p, t, _: p.strip() == t.strip()),
        "normalized_text": lambda: Grader("normalized_text", lambda p, t, _: _normalized(p) == _normalized(t)),
        "number": lambda: _number(float(options.get("tolerance", 1e-6))),
        "label": lambda: _label(list(options.get("labels", []))),
        "json": lambda: Grader("json", _json_check, _json_truth),
        "set": lambda: Grader("set", _set_check, lambda t: None if _items(t) else f"{t[:40]!r} is an empty set"),
        "rows": lambda: _rows(bool(options.get("ordered", False))),
    }
    if spec not in makers:
        raise UserError(f"unknown grader {spec!r}; choose from {', '.join(makers)} or pass a callable")
    return makers[spec]()
