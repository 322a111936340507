"""Message conversion for the local chat model (no weights needed)."""

from __future__ import annotations

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from fcdpo.models.local_chat import to_chat_dicts, with_tools_described
from fcdpo.tools import ARITHMETIC

TOOLS = [f.json_schema() for f in ARITHMETIC[:2]]


def test_history_becomes_role_dicts_with_calls_and_results():
    chat = to_chat_dicts(
        [
            SystemMessage("sys"),
            HumanMessage("q"),
            AIMessage(content="", tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "c1"}]),
            ToolMessage("3", tool_call_id="c1"),
            AIMessage(content=[{"type": "text", "text": "done"}]),
        ]
    )
    assert [m["role"] for m in chat] == ["system", "user", "assistant", "tool", "assistant"]
    assert chat[2]["tool_calls"] == [
        {"type": "function", "id": "c1", "function": {"name": "add", "arguments": {"a": 1, "b": 2}}}
    ]
    assert chat[3] == {"role": "tool", "content": "3", "tool_call_id": "c1"}
    assert chat[4]["content"] == "done"


def test_tools_join_the_existing_system_turn():
    chat = with_tools_described([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "q"}], TOOLS)
    assert [m["role"] for m in chat] == ["system", "user"]
    assert chat[0]["content"].startswith("Be brief.") and "add(a, b): Add two numbers." in chat[0]["content"]
    alone = with_tools_described([{"role": "user", "content": "q"}], TOOLS)
    assert [m["role"] for m in alone] == ["system", "user"] and "subtract(a, b)" in alone[0]["content"]
