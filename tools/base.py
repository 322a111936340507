"""What a callable function is: code plus the signature, description and example the prompt injects.

A tool never raises on bad input from the model: `Function.run` turns every mistake into a
`ToolError` whose message the model sees as the step's result.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Functions that want per-chain state (the logic engine's rule base) take a parameter with
# this name; the executor fills it in and it is hidden from the model.
WORKSPACE_PARAM = "workspace"


class ToolError(Exception):
    """A bad call (wrong argument, out of bounds); its message is fed back to the model."""


@dataclass(frozen=True)
class Signature:
    """Parameter names of a function, in order, and which of them are required."""

    name: str
    params: tuple[str, ...]
    required: tuple[str, ...]

    @classmethod
    def from_json_schema(cls, tool: dict[str, Any]) -> Signature:
        """From an OpenAI-style tool schema (`{"type": "function", "function": {...}}`)."""
        fn = tool.get("function", tool)
        props = fn.get("parameters", {}).get("properties", {})
        return cls(fn["name"], tuple(props), tuple(fn.get("parameters", {}).get("required", [])))


@dataclass(frozen=True)
class Function:
    """A function the model may call: implementation, one-line description and example call."""

    fn: Callable[..., Any]
    description: str
    example: str

    @property
    def name(self) -> str:
        """The name the model calls it by."""
        return self.fn.__name__

    @property
    def _params(self) -> list[inspect.Parameter]:
        return [p for p in inspect.signature(self.fn).parameters.values() if p.name != WORKSPACE_PARAM]

    @property
    def signature(self) -> Signature:
        """Names and required parameters, as the parser checks them."""
        params = self._params
        return Signature(
            self.name,
            tuple(p.name for p in params),
            tuple(p.name for p in params if p.default is inspect.Parameter.empty),
        )

    def render(self) -> str:
        """The prompt line: `name(a: float, b: float) -> description. Example: ...`."""
        parts = []
        for p in self._params:
            ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "")
            text = f"{p.name}: {ann}" if ann else p.name
            if p.default is not inspect.Parameter.empty:
                text += f" = {p.default!r}"
            parts.append(text)
        return f"{self.name}({', '.join(parts)}): {self.description} Example: {self.example}"

    def json_schema(self, with_example: bool = True) -> dict[str, Any]:
        """OpenAI-style tool schema, for native tool calling and chat templates; the description ends with the
        example call in the text protocol's syntax unless `with_example` is False.
        """
        types = {"float": "number", "int": "integer", "str": "string", "bool": "boolean", "list": "array"}
        props = {}
        for p in self._params:
            ann = p.annotation if isinstance(p.annotation, str) else getattr(p.annotation, "__name__", "str")
            base = ann.split("[")[0].split("|")[0].strip()
            props[p.name] = {"type": types.get(base, "string")}
            if base == "list":
                props[p.name]["items"] = {"type": "string"}
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": f"{self.description} Example: {self.example}" if with_example else self.description,
                "parameters": {"type": "object", "properties": props, "required": list(self.signature.required)},
            },
        }

    def run(self, args: dict[str, Any], workspace: Any = None) -> Any:
        """Call the function; any failure becomes a `ToolError` with a message for the model."""
        kwargs = dict(args)
        if WORKSPACE_PARAM in inspect.signature(self.fn).parameters:
            kwargs[WORKSPACE_PARAM] = workspace
        try:
            return self.fn(**kwargs)
        except ToolError:
            raise
        except (TypeError, ValueError, ArithmeticError, OverflowError) as exc:
            raise ToolError(f"{self.name}: {exc}") from None
