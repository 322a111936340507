"""Arithmetic tools: right answers, and every bad input is a ToolError, never another exception."""

from __future__ import annotations

import pytest

from fcdpo.tools import ARITHMETIC, ToolError

FN = {f.name: f for f in ARITHMETIC}


@pytest.mark.parametrize(
    "name, args, expected",
    [
        ("add", {"a": 2, "b": 3}, 5),
        ("subtract", {"a": 2, "b": 3.5}, -1.5),
        ("multiply", {"a": "1,200", "b": 2}, 2400),
        ("divide", {"a": 7, "b": 2}, 3.5),
        ("divide", {"a": 8, "b": 2}, 4),
        ("power", {"base": 2, "exponent": 10}, 1024),
        ("power", {"base": 4, "exponent": 0.5}, 2),
        ("sqrt", {"x": 144}, 12),
        ("modulo", {"a": 17, "b": 5}, 2),
        ("round", {"x": 3.14159, "digits": 2}, 3.14),
        ("percent", {"value": 80, "percent": 15}, 12),
        ("add", {"a": "$5", "b": "2.5"}, 7.5),
    ],
)
def test_results(name, args, expected):
    assert FN[name].run(args) == pytest.approx(expected)


def test_integral_results_are_ints():
    assert isinstance(FN["divide"].run({"a": 8, "b": 2}), int)


@pytest.mark.parametrize(
    "name, args, message",
    [
        ("divide", {"a": 1, "b": 0}, "division by zero"),
        ("modulo", {"a": 1, "b": 0}, "division by zero"),
        ("power", {"base": 2, "exponent": 1000}, "exponent beyond"),
        ("power", {"base": 10, "exponent": 16}, "too large"),
        ("power", {"base": 0, "exponent": -1}, "division by zero"),
        ("power", {"base": -8, "exponent": 0.5}, "whole exponent"),
        ("multiply", {"a": 1e10, "b": 1e10}, "too large"),
        ("add", {"a": 1e16, "b": 1}, "too large"),
        ("sqrt", {"x": -1}, "negative"),
        ("add", {"a": "twelve", "b": 1}, "must be a number"),
        ("add", {"a": True, "b": 1}, "must be a number"),
        ("add", {"a": [1], "b": 1}, "must be a number"),
        ("add", {"a": None, "b": 1}, "must be a number"),
        ("round", {"x": 1.5, "digits": 50}, "digits"),
        ("add", {"a": float("nan"), "b": 1}, "finite"),
        ("add", {"a": 1}, "add:"),  # missing argument, as a native tool call could send it
    ],
)
def test_errors_are_tool_errors(name, args, message):
    with pytest.raises(ToolError, match=message):
        FN[name].run(args)


def test_every_function_has_description_and_example_that_names_it():
    for fn in ARITHMETIC:
        assert fn.description and fn.example.startswith(f"{fn.name}(")
        assert fn.render().startswith(f"{fn.name}(")
        assert fn.json_schema()["function"]["name"] == fn.name
