"""Pairs as the student's own chat template shows them: native tool calls where it renders them, the call text
protocol where it does not.

A template that drops `tools=` and `tool_calls` (SmolLM2's) is prompted by the local chat model with the tools
described in the system turn, and the model answers in call text (models/local_chat.py). Pairs recorded in the
native format (a user's graph, `--call-format native`, a teacher behind an API) are rewritten the same way before
training, so the student learns the prompt it will see, in words it can say: the schemas move into the system turn,
and a tool-call turn without text gets its calls as call text.
"""

from __future__ import annotations

import json
from typing import Any

from fcdpo.models.loading import renders_tool_calls, renders_tools
from fcdpo.models.local_chat import with_tools_described
from fcdpo.tools.protocol import Call

SIDES = ("prompt", "chosen", "rejected")


def in_student_format(dataset, tokenizer):
    """The pairs as `tokenizer`'s template can show them (unchanged where it renders tools and tool calls)."""
    describe, spell = not renders_tools(tokenizer), not renders_tool_calls(tokenizer)
    if not (describe or spell):
        return dataset

    def rewrite(row: dict[str, Any]) -> dict[str, Any]:
        tools = json.loads(row["tools"]) if row.get("tools") else []
        out = {side: spelled(row[side]) if spell else row[side] for side in SIDES}
        if describe and tools:
            out.update(prompt=with_tools_described(out["prompt"], tools), tools="[]")
        return out

    return dataset.map(rewrite)


def spelled(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Assistant turns whose calls are only in `tool_calls`, with the calls written as call text."""
    return [
        {**turn, "content": "\n".join(_text(call) for call in turn["tool_calls"])}
        if turn.get("tool_calls") and not turn.get("content")
        else turn
        for turn in turns
    ]


def _text(call: dict[str, Any]) -> str:
    function = call.get("function", call)
    arguments = function.get("arguments", function.get("args")) or {}
    return Call(function["name"], json.loads(arguments) if isinstance(arguments, str) else arguments).render()
