"""`calculate(expression)`: arithmetic formulas read as data (AST, numbers and operators only), bounded."""

from __future__ import annotations

import pytest

from fcdpo.tools.base import ToolError
from fcdpo.tools.calculator import CALCULATOR, calculate


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("(10*10)+(5*6)", 130),
        ("2 + 3 * 4", 14),
        ("-(4 - 10) / 4", 1.5),
        ("7 % 3 + 2 ** 10", 1025),
        ("$1,200 * 3", 3600),
        ("12 × 3 ÷ 4", 9),
        ("0.1 + 0.2", 0.30000000000000004),
        (42, 42),  # a model that already did the arithmetic passes the number
    ],
)
def test_calculates(expression, value):
    assert calculate(expression) == value


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').system('ls')", "only numbers"),
        ("x + 1", "only numbers"),
        ("'a' * 3", "only numbers"),
        ("[1, 2][0]", "only numbers"),
        ("1 < 2", "only numbers"),
        ("1 / 0", "division by zero"),
        ("10 ** 20", "too large"),
        ("9 ** 9 ** 9", "exponent beyond"),
        ("1e300 * 10", "too large"),
        ("2 +", "cannot read"),
        ("+".join(["1"] * 200), "longer than"),
        ("+".join(["1"] * 60), "more than 100 parts"),
    ],
)
def test_refuses_what_is_not_bounded_arithmetic(expression, message):
    with pytest.raises(ToolError, match=message):
        calculate(expression)


def test_a_bad_expression_is_a_message_for_the_model():
    with pytest.raises(ToolError, match="cannot read 'import os'"):
        CALCULATOR.run({"expression": "import os"})
    assert CALCULATOR.signature.params == ("expression",) and CALCULATOR.run({"expression": "6*7"}) == 42
