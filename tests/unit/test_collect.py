"""`fcdpo.training.collect`: a stock LangChain agent's runs, scripted, become Traces that `export` pairs."""

from __future__ import annotations

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from fcdpo.errors import UserError
from fcdpo.training.collect import record, trace_from_messages, write_traces
from fcdpo.training.export import load_pairs, run_export

QUESTION = "A pen costs $3. How much do 4 pens cost?"


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


def call(name, args, id_="c1"):
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": id_}])


def run(scripted, *replies, **kwargs):
    agent = create_agent(scripted(*replies), tools=[multiply])
    return record(agent, {"messages": [("user", QUESTION)]}, task="math", tools=[multiply], **kwargs)


def test_a_stock_agents_run_becomes_a_trace_in_the_text_protocol(scripted):
    trace = run(scripted, call("multiply", {"a": 3, "b": 4}), AIMessage("12"), answer="12")
    assert trace.verdict == "correct" and trace.status == "finished" and trace.answer == "12"
    assert [(s.call["name"], s.result) for s in trace.steps] == [("multiply", "12.0"), ("final_answer", "12")]
    system, *turns = trace.messages
    assert "- multiply(a: number, b: number): Multiply two numbers." in system.content
    assert "- final_answer(answer: str)" in system.content  # the app has none: the protocol's own
    assert [(type(m).__name__, m.content) for m in turns] == [
        ("HumanMessage", QUESTION),
        ("AIMessage", "multiply(a=3, b=4)"),
        ("HumanMessage", "Result: 12.0"),
        ("AIMessage", 'final_answer(answer="12")'),  # its prose answer, as the served student says it
    ]


def test_the_grader_judges_and_a_given_verdict_wins(scripted):
    assert run(scripted, AIMessage("13"), answer="12").verdict == "incorrect"
    assert run(scripted, AIMessage("It is 12 or 13"), answer="12").verdict == "incorrect"  # strict grader
    assert run(scripted, AIMessage("13")).verdict == "unknown"
    assert run(scripted, AIMessage("13"), verdict="correct").verdict == "correct"


def test_a_failed_tool_call_is_an_error_step(scripted):
    messages = [
        HumanMessage(QUESTION),
        call("multiply", {"a": 3}),
        ToolMessage("Error: b is missing", tool_call_id="c1", status="error"),
        AIMessage("12"),
    ]
    trace = trace_from_messages(messages, "math", answer="12", tools=[multiply])
    assert trace.steps[0].error == "Error: b is missing" and trace.steps[0].result is None
    assert trace.valid_call_rate == 0.5


def test_collected_right_and_wrong_runs_export_as_pairs(scripted, tmp_path):
    right = run(scripted, call("multiply", {"a": 3, "b": 4}), AIMessage("12"), answer="12")
    wrong = run(scripted, call("multiply", {"a": 3, "b": 3}), AIMessage("9"), answer="12")
    write_traces([right, wrong], tmp_path / "collected")
    run_export([tmp_path / "collected"], tmp_path / "pairs", mode="chain", max_pairs_per_problem=None)
    (pair,) = load_pairs(tmp_path / "pairs" / "pairs.jsonl")
    assert [t["content"] for t in pair["chosen"] if t["role"] == "assistant"] == [
        "multiply(a=3, b=4)",
        'final_answer(answer="12")',
    ]
    assert [t["content"] for t in pair["rejected"] if t["role"] == "assistant"][0] == "multiply(a=3, b=3)"
    assert pair["prompt"][1]["content"] == QUESTION


@pytest.mark.parametrize(("kwargs", "needle"), [({"verdict": "maybe"}, "verdict must be"), ({}, "no user question")])
def test_bad_input_is_a_one_line_error(kwargs, needle):
    messages = [AIMessage("12")] if "verdict" not in kwargs else [HumanMessage("q"), AIMessage("12")]
    with pytest.raises(UserError, match=needle):
        trace_from_messages(messages, "math", **kwargs)
