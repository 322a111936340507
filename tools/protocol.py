"""Parse one function call from model text — safely, and tolerant of the usual noise.

Model text is data, never code: calls are read with `ast.parse` and only constant values are
accepted (numbers, strings, lists; bounded +-*/ of numbers, since small models write `a=3*4`).
Accepted forms: `multiply(a=14, b=12)` anywhere in the text (code fences and prose around it
are ignored), Qwen-style `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`, and a
bare JSON object with `name` and `arguments`. Every failure is a `CallError` whose message
is fed back to the model; `parse_call` never raises.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fcdpo.tools.base import Signature
from fcdpo.tools.numbers import MAX_MAGNITUDE

MAX_TEXT = 20_000  # longer replies are only searched this far
MAX_STRING = 2_000
MAX_LIST = 50
MAX_DEPTH = 20

RESULT_PREFIX = "Result:"  # how a call's result is shown to the model: "Result: 168"

PROTOCOL_PROMPT = """You solve {kind} step by step by calling functions.
- {reply_rule}
- Use keyword arguments with plain values: numbers, or text in double quotes.
- After each call you see "{result} ..."; use it in your next call.
- When you know the answer, call final_answer(answer=...).{rules}

Functions:
{functions}

{examples}"""


def protocol_prompt(
    kind: str,
    functions: list[str],
    example: str,
    examples: str = "",
    think_first: bool = False,
    rules: Sequence[str] = (),
) -> str:
    """The system prompt of the text call protocol: how to call, one line per function, worked chains.

    `think_first`: each reply opens with one sentence of reasoning before its call (the parser reads the call
    wherever it is in the reply). `rules`: the task's own lines, after the protocol's.
    """
    if think_first:
        reply_rule = (
            "Reply with one short sentence saying what this step does and which numbers it uses, then exactly one "
            f"function call, for example: First I need the cost of the pens. {example}"
        )
    else:
        reply_rule = f"Reply with exactly one function call and nothing else, for example {example}"
    return PROTOCOL_PROMPT.format(
        kind=kind,
        reply_rule=reply_rule,
        rules=rule_lines(rules),
        result=RESULT_PREFIX,
        functions="\n".join(f"- {line}" for line in functions),
        examples=examples,
    )


def rule_lines(rules: Sequence[str]) -> str:
    """A task's rules as more lines of the prompt's list ("" for none: the prompt stays as it was)."""
    return "".join(f"\n- {rule}" for rule in rules)


_CALL_START = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\(")
_TOOL_CALL_TAG = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_TOOL_CALL_BLOCK = re.compile(r"<tool_call>.*?</tool_call>", re.DOTALL)
_JSON_CALL_START = re.compile(r'\{\s*"name"\s*:')
_JSON_DECODER = json.JSONDecoder()
_FENCE_LINE = re.compile(r"^\s*```[\w-]*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Call:
    """A parsed call: function name and keyword arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form recorded in a Step."""
        return {"name": self.name, "args": dict(self.args)}

    def render(self) -> str:
        """Canonical text form, `name(a=1, b="x")`."""
        return f"{self.name}({', '.join(f'{k}={_render_value(v)}' for k, v in self.args.items())})"


def _render_value(value: Any) -> str:
    """A value as the protocol writes it: text in double quotes (as the prompt asks), lists of those."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return f"[{', '.join(_render_value(v) for v in value)}]"
    return repr(value)


@dataclass(frozen=True)
class CallError:
    """Why no valid call could be read; the message is shown to the model."""

    message: str


class _Reject(Exception):
    """Internal: an argument that is not an acceptable literal."""


def parse_call(text: Any, signatures: Mapping[str, Signature], *, native: bool = False) -> Call | CallError:
    """The first call to a known function in `text`, or a CallError saying what is wrong.

    `native`: the model was shown tools in its chat template's format, so a missing call is pointed
    out with a JSON call as the example instead of the text protocol's `name(...)`.
    """
    try:
        return _parse(str(text)[:MAX_TEXT], signatures, native)
    except Exception as exc:  # the contract is "never raises": anything odd is a bad call
        return CallError(f"could not read a function call ({type(exc).__name__})")


def call_end(text: str, names: Collection[str]) -> int | None:
    """Where the first complete call ends in `text` (exclusive), if there is one yet: a call to one of
    `names`, a `<tool_call>...</tool_call>` block or a reply that opens with a JSON call object (chat
    templates' native formats), whichever ends first.
    """
    ends = []
    tagged = _TOOL_CALL_BLOCK.search(text)
    if tagged:
        ends.append(tagged.end())
    bare = text.lstrip()
    if bare.startswith("{"):
        try:
            obj, length = _first_json_object(bare)
        except (ValueError, RecursionError):
            pass  # not complete yet, or not JSON
        else:
            if isinstance(obj, dict) and "name" in obj:
                ends.append(len(text) - len(bare) + length)
    for match in _CALL_START.finditer(text):
        if resolve_name(match.group(1), names):
            end = _closing_paren(text, match.end() - 1)
            if end is not None:
                ends.append(end + 1)
            break
    return min(ends, default=None)


def call_start(text: str, name: str) -> int | None:
    """Where the first call to `name` begins in `text` (a `<tool_call>` tag, a JSON object or `name(`), if any."""
    pattern = rf"<tool_call>|{_JSON_CALL_START.pattern}|(?<![\w.]){re.escape(name)}\s*\("
    match = re.search(pattern, text, re.IGNORECASE)
    return match.start() if match else None


def resolve_name(name: str, names: Collection[str]) -> str | None:
    """The function `name` means: itself, or the one function it names in other letter case
    (small models write `Final_answer(...)`); None when it names no function.
    """
    if name in names:
        return name
    matches = [known for known in names if known.lower() == name.lower()]
    return matches[0] if len(matches) == 1 else None


def check_args(name: str, args: Mapping[str, Any], signatures: Mapping[str, Signature]) -> Call | CallError:
    """Validate a call's function name and argument names against the signatures."""
    sig = signatures.get(name)
    if sig is None:
        return CallError(f"unknown function '{name}'; available: {', '.join(signatures)}")
    unexpected = [k for k in args if k not in sig.params]
    if unexpected:
        return CallError(f"{name}() got an unexpected argument '{unexpected[0]}'; it takes {_show(sig)}")
    missing = [k for k in sig.required if k not in args]
    if missing:
        return CallError(f"{name}() is missing argument '{missing[0]}'; it takes {_show(sig)}")
    return Call(name, dict(args))


def _show(sig: Signature) -> str:
    return f"({', '.join(sig.params)})"


def _parse(text: str, signatures: Mapping[str, Signature], native: bool) -> Call | CallError:
    json_call = _parse_json_call(text, signatures)
    if json_call is not None:
        return json_call
    text = _FENCE_LINE.sub("", text)
    unknown = None
    for match in _CALL_START.finditer(text):
        name = resolve_name(match.group(1), signatures)
        if name is None:
            unknown = unknown or match.group(1)
            continue
        end = _closing_paren(text, match.end() - 1)
        if end is None:  # unbalanced (a stray quote, or the reply was cut off): up to the last ")"
            last = text.rfind(")", match.end())
            source = text[match.start() : last + 1] if last >= 0 else text[match.start() :].rstrip() + ")"
        else:
            source = text[match.start() : end + 1]
        return _parse_source(name, source, signatures)
    embedded = _embedded_json_call(text, signatures)
    if embedded is not None:
        return embedded
    if unknown:
        return CallError(f"unknown function '{unknown}'; available: {', '.join(signatures)}")
    example = next(iter(signatures), "final_answer")
    if native:
        return CallError(
            f'no tool call found; reply with exactly one call such as {{"name": "{example}", "arguments": {{...}}}}'
        )
    return CallError(f"no function call found; reply with exactly one call such as {example}(...)")


def _parse_json_call(text: str, signatures: Mapping[str, Signature]) -> Call | CallError | None:
    """A call written as JSON (`<tool_call>` tags, a fenced block or a bare object), if any."""
    tagged = _TOOL_CALL_TAG.search(text)
    candidate = tagged.group(1) if tagged else _FENCE_LINE.sub("", text).strip()
    if not candidate.startswith("{"):
        return None
    try:
        obj = _first_json_object(candidate)[0]  # the first call: small models write several in a row
    except (ValueError, RecursionError):
        return CallError("could not read the JSON call") if tagged else None
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return CallError('a JSON call needs "name" and "arguments"') if tagged else None
    return _json_object_call(obj, signatures)


def _json_object_call(obj: dict[str, Any], signatures: Mapping[str, Signature]) -> Call | CallError:
    """The call a JSON object with a string "name" makes: its "arguments" (or "parameters"), checked."""
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except ValueError:
            return CallError("the call's arguments are not valid JSON")
    if not isinstance(args, dict):
        return CallError("the call's arguments must be an object")
    try:
        args = {str(k): _check_value(v) for k, v in args.items()}
    except _Reject as exc:
        return CallError(str(exc))
    return check_args(obj["name"], args, signatures)


def _embedded_json_call(text: str, signatures: Mapping[str, Signature]) -> Call | CallError | None:
    """A JSON call inside other text or tags (small models write `<tool_response>{"name": ...}</tool_response>`).

    Only an object with "name" and "arguments" and no "description" counts: a copy of the tool list
    (`{"name": ..., "description": ..., "parameters": ...}`) is not a call.
    """
    for match in _JSON_CALL_START.finditer(text):
        try:
            obj = _first_json_object(text[match.start() :])[0]
        except (ValueError, RecursionError):
            continue
        if (
            isinstance(obj, dict)
            and isinstance(obj.get("name"), str)
            and "arguments" in obj
            and "description" not in obj
        ):
            return _json_object_call(obj, signatures)
    return None


def _first_json_object(text: str) -> tuple[Any, int]:
    """The JSON value `text` starts with and how many characters it takes; ValueError when there is none."""
    return _JSON_DECODER.raw_decode(text)


def _closing_paren(text: str, open_index: int) -> int | None:
    """Index of the parenthesis closing the one at `open_index`, skipping quoted strings."""
    depth, quote, escaped = 0, None, False
    for i in range(open_index, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return None


def _parse_source(name: str, source: str, signatures: Mapping[str, Signature]) -> Call | CallError:
    sig = signatures[name]
    try:
        node = ast.parse(source.strip(), mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        if len(sig.params) == 1:
            # One text argument (think, final_answer): an apostrophe inside single quotes is
            # the usual culprit, and the argument is just text, so take it raw.
            return check_args(name, {sig.params[0]: _raw_argument(source, sig.params[0])}, signatures)
        return CallError(
            f"{name}(...) is not valid call syntax; write it like {name}({', '.join(f'{p}=...' for p in sig.params)})"
        )
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return CallError(f"write a plain call such as {name}(...)")
    if len(node.args) > len(sig.params):
        return CallError(f"{name}() takes {len(sig.params)} arguments {_show(sig)}, got {len(node.args)}")
    try:
        args = {sig.params[i]: _literal(arg, 0) for i, arg in enumerate(node.args)}
        for kw in node.keywords:
            if kw.arg is None:
                return CallError("** arguments are not supported")
            if kw.arg in args:
                return CallError(f"{name}() got argument '{kw.arg}' twice")
            args[kw.arg] = _literal(kw.value, 0)
    except _Reject as exc:
        return CallError(f"{name}(): {exc}")
    return check_args(name, args, signatures)


def _raw_argument(source: str, param: str) -> str:
    inner = source[source.index("(") + 1 :].rstrip()
    inner = inner[:-1] if inner.endswith(")") else inner
    inner = re.sub(rf"^\s*{re.escape(param)}\s*=\s*", "", inner).strip()
    if len(inner) >= 2 and inner[0] in "\"'" and inner[-1] == inner[0]:
        inner = inner[1:-1]
    return inner[:MAX_STRING]


_BINOPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b}


def _literal(node: ast.AST, depth: int) -> Any:
    """The value of a constant-only expression; anything else is rejected."""
    if depth > MAX_DEPTH:
        raise _Reject("argument is nested too deeply")
    if isinstance(node, ast.Constant):
        return _check_value(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand, depth + 1)
        if not _is_number(value):
            raise _Reject("only numbers can be negated")
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        left, right = _literal(node.left, depth + 1), _literal(node.right, depth + 1)
        if not (_is_number(left) and _is_number(right)):
            raise _Reject("arithmetic in an argument works on numbers only")
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise _Reject("division by zero in an argument")
            return _check_value(left / right)
        return _check_value(_BINOPS[type(node.op)](left, right))
    if isinstance(node, (ast.List, ast.Tuple)):
        if len(node.elts) > MAX_LIST:
            raise _Reject(f"lists are limited to {MAX_LIST} items")
        return [_literal(e, depth + 1) for e in node.elts]
    if isinstance(node, ast.Dict):  # object parameters (BFCL has them): text keys, plain values
        if len(node.keys) > MAX_LIST:
            raise _Reject(f"objects are limited to {MAX_LIST} keys")
        if not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in node.keys):
            raise _Reject("object keys must be quoted text")
        return {k.value: _literal(v, depth + 1) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.Name):
        # A bare word (`subject=Anne`, `answer=true`) is read as text; it is never looked up.
        return {"true": True, "false": False, "none": None}.get(node.id.lower(), node.id)
    if isinstance(node, ast.Call):
        raise _Reject("nested calls are not supported; make one call per step and use its result next")
    raise _Reject("arguments must be plain values such as numbers or quoted text")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_value(value: Any) -> Any:
    if _is_number(value):
        if value != value or abs(value) > MAX_MAGNITUDE:  # NaN or too large
            raise _Reject(f"number too large (limit {MAX_MAGNITUDE:.0e})")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise _Reject(f"text argument longer than {MAX_STRING} characters")
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list):
        if len(value) > MAX_LIST:
            raise _Reject(f"lists are limited to {MAX_LIST} items")
        return [_check_value(v) for v in value]
    if isinstance(value, dict):
        if len(value) > MAX_LIST or not all(isinstance(k, str) for k in value):
            raise _Reject(f"objects need text keys and at most {MAX_LIST} of them")
        return {k: _check_value(v) for k, v in value.items()}
    raise _Reject("arguments must be plain values such as numbers or quoted text")
