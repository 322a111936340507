"""Arithmetic functions for word problems; every result is bounded and errors are messages."""

from __future__ import annotations

import math

from fcdpo.tools.base import Function, ToolError
from fcdpo.tools.numbers import check_bounds, to_number

MAX_EXPONENT = 64


def add(a: float, b: float) -> float:
    """A + b."""
    return check_bounds(to_number(a, "a") + to_number(b, "b"))


def subtract(a: float, b: float) -> float:
    """A - b."""
    return check_bounds(to_number(a, "a") - to_number(b, "b"))


def multiply(a: float, b: float) -> float:
    """A * b."""
    return check_bounds(to_number(a, "a") * to_number(b, "b"))


def divide(a: float, b: float) -> float:
    """A / b."""
    a, b = to_number(a, "a"), to_number(b, "b")
    if b == 0:
        raise ToolError("division by zero")
    return check_bounds(a / b)


def power(base: float, exponent: float) -> float:
    """Base ** exponent, with a bounded exponent."""
    base, exponent = to_number(base, "base"), to_number(exponent, "exponent")
    if abs(exponent) > MAX_EXPONENT:
        raise ToolError(f"exponent beyond the limit of {MAX_EXPONENT}")
    if base == 0 and exponent < 0:
        raise ToolError("division by zero")
    if base < 0 and not float(exponent).is_integer():
        raise ToolError("a negative base needs a whole exponent")
    # Bound the size before computing so huge integer powers are never materialised.
    if base not in (0, 1, -1) and exponent > 0 and exponent * math.log10(abs(base)) > 15:
        raise ToolError("result is too large (limit 1e+15)")
    return check_bounds(float(base) ** exponent)


def sqrt(x: float) -> float:
    """Square root of x."""
    x = to_number(x, "x")
    if x < 0:
        raise ToolError("square root of a negative number")
    return check_bounds(math.sqrt(x))


def modulo(a: float, b: float) -> float:
    """Remainder of a divided by b."""
    a, b = to_number(a, "a"), to_number(b, "b")
    if b == 0:
        raise ToolError("division by zero")
    return check_bounds(a % b)


def round_number(x: float, digits: int = 0) -> float:
    """X rounded to `digits` decimal places."""
    x, digits = to_number(x, "x"), to_number(digits, "digits")
    if not float(digits).is_integer() or not 0 <= digits <= 10:
        raise ToolError("digits must be a whole number from 0 to 10")
    return check_bounds(round(float(x), int(digits)))


def percent(value: float, percent: float) -> float:
    """`percent` percent of `value`."""
    return check_bounds(to_number(value, "value") * to_number(percent, "percent") / 100)


round_number.__name__ = "round"  # the model calls it `round`, as in Python

ARITHMETIC = [
    Function(add, "Add two numbers.", "add(a=12, b=30)"),
    Function(subtract, "Subtract b from a.", "subtract(a=50, b=8)"),
    Function(multiply, "Multiply two numbers.", "multiply(a=14, b=12)"),
    Function(divide, "Divide a by b.", "divide(a=84, b=4)"),
    Function(power, "Raise base to a power.", "power(base=2, exponent=10)"),
    Function(sqrt, "Square root of a number.", "sqrt(x=144)"),
    Function(modulo, "Remainder of a divided by b.", "modulo(a=17, b=5)"),
    Function(round_number, "Round x to a number of decimal digits.", "round(x=3.14159, digits=2)"),
    Function(percent, "Compute a percentage of a value.", "percent(value=80, percent=15)"),
]
