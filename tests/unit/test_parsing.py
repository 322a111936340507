"""The call parser: a table of noisy and hostile outputs, and 'never raises' on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fcdpo.tools import ARITHMETIC, CONTROL, LOGIC
from fcdpo.tools.base import Signature
from fcdpo.tools.protocol import Call, CallError, parse_call

SIGS = {f.name: f.signature for f in [*ARITHMETIC, *CONTROL, *LOGIC]}

OK = [
    ("multiply(a=14, b=12)", "multiply", {"a": 14, "b": 12}),
    ("add(1, 2)", "add", {"a": 1, "b": 2}),
    ("```python\nadd(a=1, b=2)\n```", "add", {"a": 1, "b": 2}),
    ("```\nsubtract(a=5, b=3)\n```\nThat gives the rest.", "subtract", {"a": 5, "b": 3}),
    ("I will multiply first: multiply(a=3, b=4). Then add.", "multiply", {"a": 3, "b": 4}),
    ('<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>', "add", {"a": 1, "b": 2}),
    (
        '<tool_call>\n{"name": "divide", "arguments": "{\\"a\\": 8, \\"b\\": 2}"}\n</tool_call>',
        "divide",
        {"a": 8, "b": 2},
    ),
    ('```json\n{"name": "sqrt", "arguments": {"x": 9}}\n```', "sqrt", {"x": 9}),
    ('{"name": "power", "parameters": {"base": 2, "exponent": 3}}', "power", {"base": 2, "exponent": 3}),
    ("add(a=-3, b=4.5)", "add", {"a": -3, "b": 4.5}),
    ("multiply(a=3*4, b=2)", "multiply", {"a": 12, "b": 2}),
    ("final_answer(answer=-3*4)", "final_answer", {"answer": -12}),
    ("final_answer(answer=42)\nfinal_answer(answer=43)", "final_answer", {"answer": 42}),
    ("think(thought='it's the second step')", "think", {"thought": "it's the second step"}),
    ('think(thought="use multiply(a=2, b=3) next")', "think", {"thought": "use multiply(a=2, b=3) next"}),
    ("final_answer(answer=true)", "final_answer", {"answer": True}),
    ("fact(subject=Anne, attribute=big)", "fact", {"subject": "Anne", "attribute": "big"}),
    (
        'rule(conditions=["big", "not red"], conclusion="small")',
        "rule",
        {"conditions": ["big", "not red"], "conclusion": "small"},
    ),
    ("Action: round(x=3.14159, digits=2)", "round", {"x": 3.14159, "digits": 2}),
    ("add(a=1, b=2", "add", {"a": 1, "b": 2}),  # cut off before the closing parenthesis
    ("Final_answer(answer=false)", "final_answer", {"answer": False}),  # small models capitalize
    ("QUERY(subject='Anne', attribute='big')", "query", {"subject": "Anne", "attribute": "big"}),
    # native-format noise: several JSON calls in a row (the first counts), a call in the wrong tags
    (
        '{"name": "add", "arguments": {"a": 1, "b": 2}}, {"name": "sqrt", "arguments": {"x": 9}}',
        "add",
        {"a": 1, "b": 2},
    ),
    ('<tool_response> {"name": "sqrt", "arguments": {"x": 9}} </tool_response>', "sqrt", {"x": 9}),
    ('I will take the root: {"name": "sqrt", "arguments": {"x": 9}}', "sqrt", {"x": 9}),
]

ERRORS = [
    ("", "no function call found"),
    ("The answer is 42.", "no function call found"),
    ("foo(x=1)", "unknown function 'foo'"),
    ('__import__("os").system("rm -rf /")', "unknown function '__import__'"),
    ("eval('1+1')", "unknown function 'eval'"),
    ("add(a=multiply(a=2, b=3), b=1)", "nested calls"),
    ("add(a=1)", "missing argument 'b'"),
    ("add(a=1, b=2, c=3)", "unexpected argument 'c'"),
    ("add(1, 2, 3)", "takes 2 arguments"),
    ("add(a=1, a=2)", "twice"),
    ("add(a=1 b=2)", "not valid call syntax"),
    ("add(a=1e400, b=1)", "number too large"),
    ("add(a=10**100, b=1)", "plain values"),
    ("add(a=99999999999999999999, b=1)", "number too large"),
    ("add(a=x.y, b=1)", "plain values"),
    ("add(a=lambda: 1, b=1)", "plain values"),
    ("add(a=[i for i in range(9)], b=1)", "plain values"),
    ("add(**{'a': 1, 'b': 2})", "** arguments"),
    ("add(a=1/0, b=1)", "division by zero"),
    ('add(a="' + "x" * 3000 + '", b=1)', "longer than"),
    ("add(a=" + "(" * 3000 + "1" + ")" * 3000 + ", b=2)", ""),
    ('<tool_call>{"name": "add", "arguments": [1, 2]}</tool_call>', "must be an object"),
    ('<tool_call>{"name": "nope", "arguments": {}}</tool_call>', "unknown function 'nope'"),
    ("<tool_call>{not json</tool_call>", "could not read the JSON call"),
    ("add(a=(1, 2, 3) * 2, b=1)", "numbers only"),
    ("fact(subject=-'Anne', attribute='big')", "only numbers can be negated"),
    # a copy of the chat template's tool list is not a call
    (
        '<tools>\n{"type": "function", "function": {"name": "sqrt", "description": "Square root.", '
        '"parameters": {"properties": {"x": {"type": "number"}}}}}\n</tools>',
        "no function call found",
    ),
]


@pytest.mark.parametrize("text, name, args", OK)
def test_valid_calls_parse(text, name, args):
    assert parse_call(text, SIGS) == Call(name, args)


@pytest.mark.parametrize("text, fragment", ERRORS)
def test_bad_calls_give_a_message(text, fragment):
    result = parse_call(text, SIGS)
    assert isinstance(result, CallError), result
    assert fragment in result.message


def test_a_missing_call_is_hinted_in_the_callers_format():
    text_hint = parse_call("The answer is 42.", SIGS).message
    native_hint = parse_call("The answer is 42.", SIGS, native=True).message
    assert text_hint.endswith("(...)") and '"name"' not in text_hint
    assert '{"name": "' in native_hint and '"arguments": {...}}' in native_hint
    # every other message is the same in both formats
    assert parse_call("launch(x=1)", SIGS, native=True) == parse_call("launch(x=1)", SIGS)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    assert isinstance(parse_call(text, SIGS), (Call, CallError))


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(SIGS)), st.text(alphabet="()[]{}'\"=,.-+*/ab0123456789 \n", max_size=80))
def test_call_shaped_noise_never_raises(name, tail):
    assert isinstance(parse_call(f"{name}({tail}", SIGS), (Call, CallError))


def test_object_arguments_are_read_as_plain_dicts():
    sigs = {"book": Signature("book", ("room", "options"), ("room",))}
    assert parse_call("book(room='A', options={'nights': 2, 'tags': ['x']})", sigs) == Call(
        "book", {"room": "A", "options": {"nights": 2, "tags": ["x"]}}
    )
    assert isinstance(parse_call("book(room='A', options={1: 2})", sigs), CallError)
    assert isinstance(parse_call("book(room='A', options={'k': __import__('os')})", sigs), CallError)


def test_a_reply_stops_at_its_first_complete_call_whatever_the_letter_case():
    from fcdpo.tools.protocol import call_end

    names = {"final_answer", "add"}
    assert call_end("Final_answer(answer=1) and then more", names) == len("Final_answer(answer=1)")
    assert call_end("add(a=1, b=", names) is None  # not complete yet
    assert call_end("foo(x=1)", names) is None


def test_a_native_reply_stops_at_its_first_complete_json_call():
    from fcdpo.tools.protocol import call_end

    names = {"add", "sqrt"}
    first = '{"name": "add", "arguments": {"a": 1, "b": 2}}'
    assert call_end(f'{first}, {{"name": "sqrt"', names) == len(first)
    assert call_end(f"  {first}", names) == len(first) + 2
    assert call_end('{"name": "add", "arguments": {"a": 1', names) is None  # not complete yet
    tagged = f"<tool_call>\n{first}\n</tool_call>"
    assert call_end(f"{tagged}\n<tool_call>", names) == len(tagged)
    assert call_end('{"answer": 3}', names) is None  # JSON, but not a call


def test_a_call_starts_at_its_tag_its_json_object_or_its_name():
    from fcdpo.tools.protocol import call_start

    assert call_start('Let me add. <tool_call>{"name": "add"}', "add") == len("Let me add. ")
    assert call_start('So: {"name": "add", "arguments": {}}', "add") == len("So: ")
    assert call_start("First add(a=1, b=2)", "add") == len("First ")
    assert call_start("nothing here", "add") is None
