"""Strict answer readers behind the tasks' one grader: an answer states exactly one label or one number.

A hedge is wrong, never half right: "not true", "true or false", "12 or 13", "between 10 and 12"
state no single answer. Formatting is forgiven — case, surrounding quotes, markdown, a trailing
period, currency signs, thousands separators, a unit after the number — words around a label are not.
"""

from __future__ import annotations

import re

# A number as people write it: "$1,200", "-3.5", "12", "1e3", "3/4", "50%".
_NUMBER = re.compile(r"(?<![\w.])[-+]?\$?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?(?:\s*/\s*\d+)?")
# Words that turn one number into a hedge or its negation.
_HEDGE = re.compile(
    r"\b(or|not|between|about|approximately|approx|around|roughly|nearly|almost|maybe|either|"
    r"at least|at most|more than|less than|over|under)\b|[~≈±<>]",
    re.IGNORECASE,
)
_WRAPPING = " \t\n\"'`*_.,;:!?()[]{}"
MAX_ANSWER_CHARS = 200  # longer text is prose, not an answer


def read_label(text: object, labels: tuple[str, ...]) -> str | None:
    """The one label `text` is ('True.' → 'true', '**FALSE**' → 'false'); None for anything else.

    The whole answer, stripped of case, quotes, markdown and punctuation around it, must be a label:
    'not true', 'true or false', 'It is true' and 'no idea' are no label.
    """
    if text is None:
        return None
    word = str(text).strip()[:MAX_ANSWER_CHARS].strip(_WRAPPING).lower()
    return word if word in labels else None


def read_number(text: object) -> float | None:
    """The one number `text` states ('$1,200' → 1200, '12 apples' → 12, '3/4' → 0.75), else None.

    None when it states no number, two different numbers ('12 or 13', '3 * 4 = 12'), or hedges one
    ('about 12', 'not 12'). The same number twice ('12 (12 apples)') is one number.
    """
    if text is None:
        return None
    text = str(text).strip()
    if len(text) > MAX_ANSWER_CHARS or _HEDGE.search(text):
        return None
    values = {value for value in map(_value, _NUMBER.findall(text)) if value is not None}
    return values.pop() if len(values) == 1 else None


def _value(raw: str) -> float | None:
    """A regex match as a float; None for a match without digits or an x/0 fraction."""
    raw = raw.replace("$", "").replace(",", "").replace(" ", "")
    if not re.search(r"\d", raw):
        return None
    try:
        if "/" in raw:
            num, den = raw.split("/")
            return float(num) / float(den) if float(den) else None
        return float(raw)
    except (ValueError, OverflowError):
        return None
