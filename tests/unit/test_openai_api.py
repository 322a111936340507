"""The OpenAI-compatible app behind `fcdpo serve`, with a scripted model: tool calls over real HTTP
through ChatOpenAI (plain and streamed), the text protocol the model is shown, OpenAI-style errors,
concurrent requests, the API key.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import uvicorn
from fastapi.testclient import TestClient
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from fcdpo.models.openai_api import create_app
from tests.servers import free_port


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


@tool
def lookup(name: str) -> str:
    """Look a name up in the phone book.

    Example: lookup(name="Ada")
    """
    return "555-0100"


class Served:
    """An app on a real port in a thread, for as long as the `with` lasts."""

    def __init__(self, app):
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="error"))
        self.url = f"http://127.0.0.1:{self.server.config.port}/v1"

    def __enter__(self):
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


def chat(url: str, **kwargs) -> ChatOpenAI:
    return ChatOpenAI(base_url=url, api_key="none", model="student", max_retries=0, temperature=0, **kwargs)


def test_tools_come_back_as_tool_calls_and_the_model_sees_the_text_protocol(scripted):
    model = scripted("I will multiply.\nmultiply(a=3, b=4)\nResult: 12")
    with Served(create_app(model, "student")) as served:
        reply = (
            chat(served.url)
            .bind_tools([multiply, lookup])
            .invoke([SystemMessage("You are a careful clerk."), HumanMessage("What is 3 times 4?")])
        )
    assert reply.content == ""
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("multiply", {"a": 3, "b": 4})]
    system, user = model.seen[0]
    assert system.content.startswith("You are a careful clerk.\n\nYou solve the user's request step by step")
    assert "- multiply(a: number, b: number): Multiply two numbers. Example: multiply(a=1.5, b=1.5)" in system.content
    # A tool whose description carries its own example keeps it and is not given a second one.
    lookup_line = '- lookup(name: string): Look a name up in the phone book. Example: lookup(name="Ada")\n'
    assert lookup_line in system.content
    # The protocol's own think / final_answer, which the app lacks, are offered as in training.
    assert system.content.endswith(
        "- final_answer(answer: str): Give the final answer and stop. Example: final_answer(answer=42)"
    )
    assert "for example multiply(a=1.5, b=1.5)" in system.content
    assert user.content == "What is 3 times 4?"


def test_history_is_rendered_as_the_student_saw_it_in_training_and_an_answer_is_content(scripted):
    model = scripted("The product is 12.")
    history = [
        HumanMessage("What is 3 times 4?"),
        AIMessage("", tool_calls=[{"name": "multiply", "args": {"a": 3, "b": 4}, "id": "call_1"}]),
        ToolMessage("12.0", tool_call_id="call_1"),
        AIMessage("", tool_calls=[{"name": "lookup", "args": {"name": "Ada"}, "id": "call_2"}]),
        ToolMessage("Error: no such name", tool_call_id="call_2"),
    ]
    with Served(create_app(model, "student")) as served:
        reply = chat(served.url).bind_tools([multiply, lookup]).invoke(history)
    assert reply.content == "The product is 12." and reply.tool_calls == []
    assert reply.response_metadata["finish_reason"] == "stop"
    seen = [(type(m).__name__, m.content) for m in model.seen[0][1:]]
    assert seen == [
        ("HumanMessage", "What is 3 times 4?"),
        ("AIMessage", "multiply(a=3, b=4)"),
        ("HumanMessage", "Result: 12.0"),
        ("AIMessage", 'lookup(name="Ada")'),
        ("HumanMessage", "Error: no such name"),
    ]


def test_think_is_answered_by_the_server_and_final_answer_becomes_the_answer(scripted):
    model = scripted('think(thought="3 pens at 4 each")', "final_answer(answer=12)")
    with Served(create_app(model, "student")) as served:
        reply = chat(served.url).bind_tools([multiply]).invoke("What is 3 times 4?")
    assert reply.content == "12" and reply.tool_calls == []
    assert [m.content for m in model.seen[1][-2:]] == ['think(thought="3 pens at 4 each")', "Result: noted"]
    assert reply.usage_metadata["output_tokens"] == 10  # both model calls counted


def test_endless_thinking_ends_as_content_after_the_bounded_thoughts(scripted):
    model = scripted('think(thought="hmm")')
    with Served(create_app(model, "student")) as served:
        reply = chat(served.url).bind_tools([multiply]).invoke("What is 3 times 4?")
    assert reply.content == 'think(thought="hmm")' and reply.tool_calls == []
    assert len(model.seen) == 5  # the first ask and MAX_THOUGHTS answered thoughts


def test_an_app_with_its_own_final_answer_gets_it_as_a_tool_call(scripted):
    @tool
    def final_answer(answer: str) -> str:
        """Report the answer."""
        return answer

    with Served(create_app(scripted("final_answer(answer=12)"), "student")) as served:
        reply = chat(served.url).bind_tools([multiply, final_answer]).invoke("What is 3 times 4?")
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("final_answer", {"answer": 12})]


def test_streamed_replies_carry_the_same_tool_calls_and_content(scripted):
    with Served(create_app(scripted('lookup(name="Bo")'), "student")) as served:
        chunks = list(chat(served.url, streaming=True).bind_tools([lookup]).stream("Bo's number?"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("lookup", {"name": "Bo"})]

    with Served(create_app(scripted("Hello there."), "student")) as served:
        text = "".join(str(c.content) for c in chat(served.url, streaming=True).stream("Hi"))
    assert text == "Hello there."


def test_requests_without_tools_are_plain_chat(scripted):
    model = scripted("Four.")
    with Served(create_app(model, "student")) as served:
        reply = chat(served.url).invoke([SystemMessage("Be brief."), HumanMessage("2+2?")])
    assert reply.content == "Four."
    assert [(type(m).__name__, m.content) for m in model.seen[0]] == [
        ("SystemMessage", "Be brief."),
        ("HumanMessage", "2+2?"),
    ]


def test_native_format_hands_the_tools_to_the_model(scripted):
    call = AIMessage("", tool_calls=[{"name": "lookup", "args": {"name": "Cy"}, "id": "c1"}])
    model = scripted(call)
    with Served(create_app(model, "student", call_format="native")) as served:
        reply = chat(served.url).bind_tools([lookup]).invoke("Cy's number?")
    assert model.bound_tools[0]["function"]["name"] == "lookup"
    assert [(c["name"], c["args"]) for c in reply.tool_calls] == [("lookup", {"name": "Cy"})]


def test_eight_concurrent_requests_are_all_answered(scripted):
    with Served(create_app(scripted("multiply(a=2, b=5)"), "student")) as served:
        llm = chat(served.url).bind_tools([multiply])
        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(lambda i: llm.invoke(f"question {i}"), range(8)))
    assert all(r.tool_calls[0]["args"] == {"a": 2, "b": 5} for r in replies)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"messages": []}, "messages"),
        ({"model": "student"}, "messages"),
        ({"messages": [{"role": "wizard", "content": "hi"}]}, "unknown role"),
        (
            {
                "messages": [
                    {"role": "user", "content": "hi"},
                    {
                        "role": "assistant",
                        "tool_calls": [{"id": "1", "type": "function", "function": {"name": "rm", "arguments": "{}"}}],
                    },
                ],
                "tools": [{"type": "function", "function": {"name": "multiply"}}],
            },
            "not among the tools",
        ),
        (
            {
                "messages": [
                    {
                        "role": "assistant",
                        "tool_calls": [
                            {"id": "1", "type": "function", "function": {"name": "multiply", "arguments": "{a: 1"}}
                        ],
                    }
                ],
                "tools": [{"type": "function", "function": {"name": "multiply"}}],
            },
            "not valid JSON",
        ),
        ({"messages": [{"role": "user", "content": "hi"}], "tools": [{"type": "retrieval"}]}, "tools[0]"),
        ({"messages": [{"role": "user", "content": "hi"}], "temperature": 7}, "temperature"),
    ],
)
def test_malformed_requests_get_openai_style_400s(scripted, body, needle):
    client = TestClient(create_app(scripted("x"), "student"))
    response = client.post("/v1/chat/completions", json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and needle in error["message"]


def test_a_body_that_is_not_json_is_a_400(scripted):
    client = TestClient(create_app(scripted("x"), "student"))
    response = client.post("/v1/chat/completions", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]["type"] == "invalid_request_error"


def test_api_key_guards_v1_and_models_lists_the_served_name(scripted):
    client = TestClient(create_app(scripted("x"), "my-student", api_key="s3cret"))
    assert client.get("/v1/models").status_code == 401
    assert client.get("/health").status_code == 200
    listed = client.get("/v1/models", headers={"Authorization": "Bearer s3cret"}).json()
    assert [m["id"] for m in listed["data"]] == ["my-student"]
    ok = client.post(
        "/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": "Bearer s3cret"},
    )
    assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"] == "x"


def prebuilt_agent():
    """examples/prebuilt_agent.py, imported from its file."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "prebuilt_agent.py"
    spec = importlib.util.spec_from_file_location("prebuilt_agent", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_stock_react_agent_runs_the_served_model_calls_to_a_final_answer(scripted):
    model = scripted("multiply(a=3, b=4)", "final_answer(answer=12)")
    with Served(create_app(model, "student")) as served:
        outcome = prebuilt_agent().run_agent("A pen costs $3. How much do 4 pens cost?", served.url, task="math")
    assert outcome["finished"] and outcome["answer"] == "12"
    tool_results = [m.content for m in outcome["messages"] if isinstance(m, ToolMessage)]
    assert tool_results == ["12", "12"]
    assert model.seen[1][-1].content == "Result: 12"  # the result reached the model as in training


def test_the_stock_agent_keeps_a_per_problem_workspace_and_reports_bad_calls(scripted):
    model = scripted(
        'fact(subject="the cat", attribute="big")',
        'query(subject="the cat", attribute="big")',
        'rule(conditions=[], conclusion="big")',
        'final_answer(answer="true")',
    )
    with Served(create_app(model, "student")) as served:
        outcome = prebuilt_agent().run_agent("The cat is big. Is the cat big?", served.url, task="logic")
    results = [m.content for m in outcome["messages"] if isinstance(m, ToolMessage)]
    assert results[1] == "true"  # query saw the fact stated one step before
    assert results[2].startswith("Error:")  # a bad call is the model's to fix, not a crash
    assert outcome["finished"] and outcome["answer"] == "true"


def test_the_stock_agent_reports_a_chain_that_never_answers(scripted):
    with Served(create_app(scripted("multiply(a=1, b=1)"), "student")) as served:
        outcome = prebuilt_agent().run_agent("1 times 1?", served.url, task="math", max_steps=3)
    assert outcome["answer"] is None and not outcome["finished"]
    assert sum(isinstance(m, ToolMessage) for m in outcome["messages"]) == 3  # the calls it made are kept


def test_the_stock_agent_runs_a_plug_in_tasks_tools(scripted):
    model = scripted("run_query(sql=\"SELECT COUNT(*) FROM customers WHERE city = 'Lyon'\")", "final_answer(answer=5)")
    with Served(create_app(model, "student")) as served:
        outcome = prebuilt_agent().run_agent(
            "How many customers live in Lyon?", served.url, task="examples/sql_agent/task.py:task"
        )
    results = [m.content for m in outcome["messages"] if isinstance(m, ToolMessage)]
    assert results[0] == "columns: COUNT(*); rows: [[5]]"  # the user's tool ran against the real database
    assert outcome["finished"] and outcome["answer"] == "5"
