"""`calculate(expression="(10*10)+(5*6)")`: one call for a whole formula, instead of one call per operation.

A word problem's arithmetic is often one formula; small models lose track of results carried across many
single-operation calls. The expression is model text, so it is data, never code: `ast.parse` reads it and only
numbers, parentheses and + - * / % ** are evaluated, through the arithmetic tools' own bounds (every intermediate
within 1e15, a bounded exponent, no division by zero), with at most `MAX_NODES` nodes.
"""

from __future__ import annotations

import ast
import re

from fcdpo.tools.arithmetic import divide, modulo, power
from fcdpo.tools.base import Function, ToolError
from fcdpo.tools.numbers import check_bounds, to_number

MAX_CHARS = 300
MAX_NODES = 100

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")  # 1,200 → 1200 (a tuple is not a number)
_BINARY = {
    ast.Add: lambda a, b: check_bounds(a + b),
    ast.Sub: lambda a, b: check_bounds(a - b),
    ast.Mult: lambda a, b: check_bounds(a * b),
    ast.Div: divide,
    ast.Mod: modulo,
    ast.Pow: power,
}


def calculate(expression: str) -> float:
    """The value of an arithmetic expression of numbers, parentheses and + - * / % **."""
    if not isinstance(expression, str):
        return to_number(expression, "expression")  # a model that already did the arithmetic passes a number
    return _value(parse_expression(expression).body)


def parse_expression(expression: str) -> ast.Expression:
    """The syntax tree of an expression as `calculate` reads it (`$`, `×`, `÷` and thousands commas allowed), within
    its size bounds; a ToolError says why it cannot be read. Nothing is evaluated.
    """
    text = _THOUSANDS.sub("", expression.replace("$", "").replace("×", "*").replace("÷", "/")).strip()
    if len(text) > MAX_CHARS:
        raise ToolError(f"expression is longer than {MAX_CHARS} characters; split it into steps")
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError):
        raise ToolError(f"cannot read {expression[:60]!r}: use numbers, parentheses and + - * / % **") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ToolError(f"expression has more than {MAX_NODES} parts; split it into steps")
    return tree


def _value(node: ast.AST) -> float | int:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return to_number(node.value, "a number")
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _value(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_value(node.left), _value(node.right))
    raise ToolError(f"only numbers and + - * / % ** can be calculated, not {ast.unparse(node)[:40]!r}")


CALCULATOR = Function(calculate, "Evaluate an arithmetic expression.", 'calculate(expression="(10*10)+(5*6)")')
