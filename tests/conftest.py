"""Shared test helpers: a scripted fake chat model for graph tests."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult


class ScriptedChatModel(BaseChatModel):
    """Replies with scripted messages in order, repeating the last one forever; records what it saw."""

    script: list[Any]
    seen: list[list[BaseMessage]] = []
    bound_tools: list[dict] | None = None

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools, **kwargs):
        self.bound_tools = list(tools)
        return self

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.seen.append(list(messages))
        reply = self.script[min(len(self.seen) - 1, len(self.script) - 1)]
        message = reply if isinstance(reply, AIMessage) else AIMessage(content=reply)
        message = message.model_copy(update={"usage_metadata": {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}})
        return ChatResult(generations=[ChatGeneration(message=message)])


@pytest.fixture
def scripted():
    """Factory: `scripted("add(a=1, b=2)", "final_answer(answer=3)")`."""

    def make(*replies):
        return ScriptedChatModel(script=list(replies), seen=[])

    return make
