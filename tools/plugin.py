"""A user's tool as a function the agent can call: LangChain tools and plain typed Python functions.

Signature, description and the parameter types shown in the prompt come from langchain-core's own
machinery (`StructuredTool.from_function`, `convert_to_openai_tool`), so a tool that works in the
user's LangChain app shows the model the same schema here. What the agent adds around a user's
code is what an agent loop must not lack: an exception becomes an error result the model sees
(never a crashed chain), a call that hangs times out, and a huge result is cut with a note.

    function = as_function(run_query, example='run_query(sql="SELECT count(*) FROM orders")')
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool, create_schema_from_function
from langchain_core.utils.function_calling import convert_to_openai_tool

from fcdpo.errors import UserError
from fcdpo.tools.base import WORKSPACE_PARAM, Function, Signature, ToolError

TIMEOUT_S = 10.0
MAX_OUTPUT = 2000
_PLACEHOLDERS = {"string": '"..."', "integer": "1", "number": "1.5", "boolean": "true", "array": '["..."]'}


class ToolFunction:
    """A LangChain tool with the interface of `Function`: name, signature, render, json_schema, run."""

    def __init__(
        self,
        tool: BaseTool,
        description: str | None = None,
        example: str | None = None,
        timeout: float = TIMEOUT_S,
        max_output: int = MAX_OUTPUT,
        workspace_fn: Callable[..., Any] | None = None,
    ):
        self.tool = tool
        self.description = (description or tool.description or "").strip()
        if not self.description:
            raise UserError(f"tool {tool.name!r} has no description: give it a docstring or description=")
        self._parameters = convert_to_openai_tool(tool)["function"].get("parameters", {})
        self.example = example or self._example()
        self.timeout = timeout
        self.max_output = max_output
        self._workspace_fn = workspace_fn  # a plain function that takes the per-chain `workspace`

    @property
    def name(self) -> str:
        """The name the model calls it by."""
        return self.tool.name

    @property
    def signature(self) -> Signature:
        """Names and required parameters, as the parser checks them."""
        return Signature.from_json_schema({"name": self.name, "parameters": self._parameters})

    def _example(self) -> str:
        return placeholder_call(self.name, self._parameters)

    def render(self) -> str:
        """The prompt line: `name(a: string, b: integer = 3): description Example: ...`."""
        return schema_line(self.name, self._parameters, f"{self.description} Example: {self.example}")

    def json_schema(self, with_example: bool = True) -> dict[str, Any]:
        """OpenAI-style tool schema (langchain-core's), with the example in the description unless `with_example`
        is False.
        """
        schema = convert_to_openai_tool(self.tool)
        schema["function"]["description"] = (
            f"{self.description} Example: {self.example}" if with_example else self.description
        )
        return schema

    def run(self, args: dict[str, Any], workspace: Any = None) -> Any:
        """Call the tool in a worker thread; an exception, a timeout or a bad argument is a `ToolError`."""
        outcome: dict[str, Any] = {}

        def call() -> None:
            try:
                outcome["value"] = self._call(args, workspace)
            except BaseException as exc:  # noqa: BLE001 - a user's tool may raise anything; the model is told
                outcome["error"] = exc

        # A daemon thread: a tool that never returns cannot hold the chain (or the process) hostage.
        worker = threading.Thread(target=call, daemon=True, name=f"tool-{self.name}")
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            raise ToolError(f"{self.name}: timed out after {self.timeout:g} s")
        if "error" in outcome:
            exc = outcome["error"]
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ToolError(message if isinstance(exc, ToolError) else f"{self.name}: {message}")
        return self._bounded(outcome.get("value"))

    def _call(self, args: dict[str, Any], workspace: Any) -> Any:
        if self._workspace_fn is not None:
            checked = self.tool.args_schema.model_validate(args)
            return self._workspace_fn(**dict(checked), **{WORKSPACE_PARAM: workspace})
        if getattr(self.tool, "func", None) is None and getattr(self.tool, "coroutine", None) is not None:
            return asyncio.run(self.tool.ainvoke(args))  # an async-only tool; this thread has no event loop
        return self.tool.invoke(args)

    def _bounded(self, value: Any) -> Any:
        """Numbers pass; text longer than `max_output` characters is cut, with a note saying so."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        text = value if isinstance(value, str) else str(getattr(value, "content", value))
        if len(text) > self.max_output:
            return f"{text[: self.max_output]}... (cut: {len(text) - self.max_output} more characters)"
        return text


def as_function(
    tool: Any,
    description: str | None = None,
    example: str | None = None,
    timeout: float = TIMEOUT_S,
    max_output: int = MAX_OUTPUT,
) -> Function | ToolFunction:
    """What the agent calls for `tool`: a LangChain tool (`@tool`, `StructuredTool`, a `BaseTool`
    subclass) or a plain typed function with a docstring (which may take the per-chain `workspace`).
    """
    if isinstance(tool, (Function, ToolFunction)):
        return tool
    options = {"description": description, "example": example, "timeout": timeout, "max_output": max_output}
    if isinstance(tool, BaseTool):
        return ToolFunction(tool, **options)
    if inspect.isfunction(tool) or inspect.ismethod(tool):
        name = tool.__name__
        if not (description or inspect.getdoc(tool)):
            raise UserError(f"tool {name!r} has no description: give it a docstring or description=")
        takes_workspace = WORKSPACE_PARAM in inspect.signature(tool).parameters
        schema = create_schema_from_function(name, tool, filter_args=[WORKSPACE_PARAM])
        kind = "coroutine" if inspect.iscoroutinefunction(tool) else "func"
        wrapped = StructuredTool.from_function(
            **{kind: tool}, name=name, description=description or inspect.getdoc(tool), args_schema=schema
        )
        return ToolFunction(wrapped, **options, workspace_fn=tool if takes_workspace else None)
    raise UserError(f"{tool!r} is not a tool: pass a LangChain tool or a typed function with a docstring")


def placeholder_call(name: str, parameters: dict[str, Any]) -> str:
    """`name(p="...")` with a placeholder of the right type for each required parameter of a JSON schema."""
    properties = parameters.get("properties", {})
    args = [
        f"{p}={_PLACEHOLDERS.get(properties.get(p, {}).get('type'), '...')}" for p in parameters.get("required", [])
    ]
    return f"{name}({', '.join(args)})"


def schema_line(name: str, parameters: dict[str, Any], description: str) -> str:
    """A function's prompt line from its JSON schema: `name(a: string, b: integer = 3): description`."""
    parts = []
    for param, schema in parameters.get("properties", {}).items():
        text = f"{param}: {schema.get('type', 'any')}"
        if "default" in schema:
            text += f" = {schema['default']!r}"
        parts.append(text)
    return f"{name}({', '.join(parts)}): {description}"
