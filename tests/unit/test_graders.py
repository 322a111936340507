"""The strict graders: an answer states exactly one label (logic) or one number (math); hedges are wrong."""

from __future__ import annotations

import pytest

from fcdpo.tasks import get_task

LOGIC_CASES = [
    # One label, however it is dressed: right.
    ("true", "true", True),
    ("True", "true", True),
    ("TRUE", "true", True),
    ("True.", "true", True),
    ("true!", "true", True),
    ('"true"', "true", True),
    ("'false'", "false", True),
    ("`false`", "false", True),
    ("**False**", "false", True),
    ("false.", "false", True),
    ("FALSE", "false", True),
    (" false \n", "false", True),
    ("(unknown)", "unknown", True),
    ("Unknown.", "unknown", True),
    ("[true]", "true", True),
    (True, "true", True),
    (False, "false", True),
    ("true", "True", True),
    ("false", "FALSE.", True),
    ("_unknown_", "unknown", True),
    # A label, but the wrong one.
    ("false", "true", False),
    ("true", "false", False),
    ("unknown", "true", False),
    ("true", "unknown", False),
    ("false", "unknown", False),
    ("unknown", "false", False),
    # Negations: never the label they contain.
    ("not true", "true", False),
    ("not true", "false", False),
    ("It is not false", "false", False),
    ("It is not false", "true", False),
    ("not false", "true", False),
    ("isn't true", "false", False),
    ("untrue", "false", False),
    ("true? no", "true", False),
    # Two labels or a hedge.
    ("true or false", "true", False),
    ("true or false", "false", False),
    ("true/false", "true", False),
    ("true, false", "false", False),
    ("either true or unknown", "unknown", False),
    ("true and false", "true", False),
    ("probably true", "true", False),
    ("likely false", "false", False),
    ("maybe unknown", "unknown", False),
    ("true (I think)", "true", False),
    ("mostly true", "true", False),
    # Other words around a label, or no label at all.
    ("It is true", "true", False),
    ("The statement is false.", "false", False),
    ("Answer: true", "true", False),
    ("The answer is unknown", "unknown", False),
    ("yes", "true", False),
    ("no", "false", False),
    ("no idea", "false", False),
    ("no idea", "unknown", False),
    ("I don't know", "unknown", False),
    ("", "false", False),
    ("   ", "false", False),
    (None, "false", False),
    ("round", "true", False),
    ("1", "true", False),
    ("0", "false", False),
    ("truee", "true", False),
    ("ture", "true", False),
    ("T", "true", False),
    ("F", "false", False),
    ("Anne is big", "true", False),
    ("true" * 3, "true", False),
    ("cannot be determined", "unknown", False),
    ("false" + " " * 300, "false", True),
]

MATH_CASES = [
    # One number, formatted as people write it: right.
    ("12", "12", True),
    ("12.0", "12", True),
    ("12.00", "12", True),
    ("$12", "12", True),
    ("$ 12", "12", True),
    ("$1,200", "1200", True),
    ("1,200", "1200", True),
    ("1200", "1,200", True),
    ("12 apples", "12", True),
    ("12 dollars.", "12", True),
    ("x = 12", "12", True),
    ("The answer is 12.", "12", True),
    ("**12**", "12", True),
    ("12 (12 apples)", "12", True),
    ("-5", "-5", True),
    ("3/4", "0.75", True),
    ("0.75", "3/4", True),
    ("1e3", "1000", True),
    ("12.004", "12", True),
    ("1323.0025", "1323.0025", True),
    ("50%", "50", True),
    ("42\n", "42", True),
    (42, "42", True),
    (12.5, "12.5", True),
    ("'7'", "7", True),
    ("7 km/h", "7", True),
    # One number, the wrong one.
    ("12.01", "12", False),
    ("-5", "5", False),
    ("13", "12", False),
    ("0", "12", False),
    ("1,201", "1200", False),
    ("120", "12", False),
    ("1.2", "12", False),
    # Two different numbers.
    ("12 or 13", "12", False),
    ("12 or 13", "13", False),
    ("between 10 and 12", "12", False),
    ("between 10 and 12", "10", False),
    ("10-12", "12", False),
    ("10 to 12", "12", False),
    ("1, 2", "2", False),
    ("3 * 4 = 12", "12", False),
    ("The total is 3 * 4 = 12", "12", False),
    ("12 apples, i.e. 3 boxes", "12", False),
    ("12 apples and 3 pears", "12", False),
    ("12/13", "12", False),
    ("2024-01-02", "2024", False),
    # One number, hedged or negated.
    ("about 12", "12", False),
    ("approximately 12", "12", False),
    ("around 12", "12", False),
    ("~12", "12", False),
    ("≈ 12", "12", False),
    ("12 ± 1", "12", False),
    ("not 12", "12", False),
    ("roughly 12", "12", False),
    ("at least 12", "12", False),
    ("more than 12", "12", False),
    ("less than 12", "12", False),
    ("<12", "12", False),
    ("maybe 12", "12", False),
    ("either 12", "12", False),
    ("nearly 12", "12", False),
    # No number.
    ("twelve", "12", False),
    ("", "12", False),
    (None, "12", False),
    ("unknown", "12", False),
    ("$", "12", False),
    ("12" + " apples" * 60, "12", False),
    ("1/0", "0", False),
    ("true", "1", False),
]


def test_enough_adversarial_cases():
    assert len(LOGIC_CASES) >= 60 and len(MATH_CASES) >= 60
    assert sum(not ok for *_, ok in LOGIC_CASES) >= 40 and sum(not ok for *_, ok in MATH_CASES) >= 40


@pytest.mark.parametrize("predicted, truth, ok", LOGIC_CASES)
def test_logic_grader(predicted, truth, ok):
    assert get_task("logic").check(predicted, truth) is ok


@pytest.mark.parametrize("predicted, truth, ok", MATH_CASES)
def test_math_grader(predicted, truth, ok):
    assert get_task("math").check(predicted, truth) is ok
