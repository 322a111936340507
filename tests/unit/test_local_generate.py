"""The local chat model's reply handling: stop strings cut the text, the first complete call ends decoding,
and where the chat template renders tool calls the call text leaves the content.

The weights are replaced by a scripted engine that emits a fixed reply token by token through the tiny model's
real tokenizer and asks `should_stop` after each token, as the batcher and llama.cpp do.
"""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from fcdpo.models.local_chat import LocalChatModel
from tests.tiny_model import make_tiny_model


@tool
def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(make_tiny_model(tmp_path_factory.mktemp("tiny")).removeprefix("hf:"))


class ScriptedEngine:
    """Emits `reply`'s tokens one at a time until `should_stop` says so or the budget ends."""

    def __init__(self, tokenizer, reply: str, renders_tools: bool = False):
        self.tokenizer, self.renders_tools = tokenizer, renders_tools
        self.reply = tokenizer.encode(reply)
        self.emitted = 0

    def complete(self, prompt, max_new_tokens, temperature, top_p, seed, reuse_prefix, should_stop):
        tokens: list[int] = []
        for token in self.reply[:max_new_tokens]:
            tokens.append(token)
            if should_stop is not None and should_stop(tokens):
                break
        self.emitted = len(tokens)
        return tokens, "stop" if len(tokens) < len(self.reply) else "length"


def reply(monkeypatch, tokenizer, text: str, renders_tools: bool = False, tools=(), **options):
    engine = ScriptedEngine(tokenizer, text, renders_tools)
    monkeypatch.setattr(LocalChatModel, "_engine", lambda self: engine)
    model = LocalChatModel(model_path="unused", max_new_tokens=200)
    runnable = model.bind_tools(list(tools)) if tools else model
    return runnable.invoke([HumanMessage("What is 1 + 2?")], **options), engine


def test_a_stop_string_cuts_the_reply_and_ends_decoding(monkeypatch, tokenizer):
    message, engine = reply(
        monkeypatch, tokenizer, "It is 3.\nQuestion: what is 4 + 5? It is 9.", stop=["\nQuestion:"]
    )
    assert message.content == "It is 3."
    assert engine.emitted < len(engine.reply)  # decoding ended at the stop string, not at the budget


def test_the_first_complete_call_ends_decoding_and_becomes_a_tool_call(monkeypatch, tokenizer):
    text = "add(a=1, b=2) and then multiply(a=3, b=4) forever"
    message, engine = reply(monkeypatch, tokenizer, text, tools=[add, multiply], stop_after_call=["add", "multiply"])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("add", {"a": 1, "b": 2})]
    assert message.content == "add(a=1, b=2)"  # the text protocol keeps the call in the content
    assert tokenizer.decode(engine.reply[: engine.emitted]).strip() == "add(a=1, b=2)"


def test_without_stop_after_call_the_whole_reply_is_decoded(monkeypatch, tokenizer):
    message, engine = reply(monkeypatch, tokenizer, "add(a=1, b=2) then more", tools=[add])
    assert engine.emitted == len(engine.reply) and message.content == "add(a=1, b=2) then more"
    assert message.tool_calls[0]["name"] == "add"  # the parser still reads the first call


@pytest.mark.parametrize(
    "text, content",
    [
        ("I add them first. add(a=1, b=2)", "I add them first."),  # prose before the call stays
        ("<tool_call>\nadd(a=1, b=2)", ""),  # a tag alone is markup, not prose
        ("```python\nadd(a=1, b=2)", ""),
    ],
)
def test_where_the_template_renders_calls_the_call_text_leaves_the_content(monkeypatch, tokenizer, text, content):
    message, _ = reply(monkeypatch, tokenizer, text, renders_tools=True, tools=[add], stop_after_call=["add"])
    assert message.content == content and message.tool_calls[0]["args"] == {"a": 1, "b": 2}
