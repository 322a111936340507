"""The solver graph with a scripted fake chat model: verdicts, recovery, step limit, native calls."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from fcdpo.graphs import Context, build_graph, solve
from fcdpo.types import Problem, Trace

MATH = Problem("p1", "math", "Maya buys 3 pens at $4 each and a $5 book. How much does she spend?", "17")
LOGIC = Problem(
    "p2",
    "logic",
    'Anne is big. If someone is big then they are red.\nIs the statement "Anne is red" true or false?',
    "true",
)


def run(model, problem=MATH, **context):
    return solve(problem, Context(task=problem.task, **context), model=model)


def test_correct_chain(scripted):
    model = scripted("multiply(a=3, b=4)", "```python\nadd(a=12, b=5)\n```", "final_answer(answer=17)")
    trace = run(model)
    assert trace.verdict == "correct" and trace.status == "finished" and trace.answer == "17"
    assert [s.result for s in trace.steps] == ["12", "17", "17"]
    assert trace.valid_call_rate == 1.0
    # The model saw the system prompt with the functions, the problem, then each result.
    first, third = model.seen[0], model.seen[2]
    assert isinstance(first[0], SystemMessage) and "multiply(a: float, b: float)" in first[0].content
    assert isinstance(first[1], HumanMessage) and MATH.question in first[1].content
    assert [m.content for m in third[3::2]] == ["Result: 12", "Result: 17"]
    assert trace.usage == {"input_tokens": 30, "output_tokens": 15}


def test_wrong_answer_is_incorrect(scripted):
    trace = run(scripted("final_answer(answer=16)"))
    assert trace.verdict == "incorrect" and trace.status == "finished"


def test_garbage_then_recovery(scripted):
    model = scripted("I think the answer is 17.", "launch(x=1)", "add(a=12, b=5)", "final_answer(answer='$17')")
    trace = run(model)
    assert trace.verdict == "correct"
    assert [s.error is None for s in trace.steps] == [False, False, True, True]
    assert "no function call found" in trace.steps[0].error
    assert "unknown function 'launch'" in trace.steps[1].error
    assert model.seen[1][-1].content.startswith("Error: no function call found")
    assert trace.valid_call_rate == 0.5


def test_three_replies_in_a_row_without_a_call_end_the_chain(scripted):
    """Told the format after each, a model that writes no call three times running ends unfinished; two in a row
    and then a call goes on.
    """
    silent = run(scripted("The answer is 17.", "Let me think.", "I believe 17.", "final_answer(answer=17)"))
    assert silent.status == "unfinished" and len(silent.steps) == 3 and silent.verdict == "incorrect"
    model = scripted("So.", "launch(x=1)", "add(a=12, b=5)", "Hmm.", "Well.", "final_answer(answer=17)")
    assert run(model).verdict == "correct"


def test_tool_errors_are_fed_back(scripted):
    model = scripted("divide(a=1, b=0)", "final_answer(answer=17)")
    trace = run(model)
    assert trace.steps[0].error == "division by zero"
    assert model.seen[1][-1].content == "Error: division by zero"


def test_endless_calls_stop_at_max_steps(scripted):
    trace = run(scripted("add(a=1, b=2)"), max_steps=4)
    assert trace.status == "unfinished" and trace.verdict == "incorrect" and trace.answer is None
    assert len(trace.steps) == 4
    assert "already made this exact call" in trace.steps[1].result


def test_no_ground_truth_gives_unknown(scripted):
    problem = Problem("q", "math", "What is 2 + 2?")
    trace = run(scripted("add(a=2, b=2)", "final_answer(answer=4)"), problem)
    assert trace.verdict == "unknown" and trace.answer == "4"


def test_logic_chain_keeps_the_rule_base_between_steps(scripted):
    model = scripted(
        'fact(subject="Anne", attribute="big")',
        'rule(conditions=["big"], conclusion="red")',
        'query(subject="Anne", attribute="red")',
        "final_answer(answer=true)",
    )
    trace = run(model, LOGIC)
    assert trace.steps[2].result == "true"
    assert trace.verdict == "correct"


def test_native_tool_calls(scripted):
    calls = [
        AIMessage(content="", tool_calls=[{"name": "add", "args": {"a": 12, "b": 5}, "id": "c1"}]),
        AIMessage(content="", tool_calls=[{"name": "final_answer", "args": {"answer": "17"}, "id": "c2"}]),
    ]
    model = scripted(*calls)
    trace = run(model, call_format="native")
    assert trace.verdict == "correct"
    assert {t["function"]["name"] for t in model.bound_tools} >= {"add", "final_answer"}
    feedback = model.seen[1][-1]
    assert isinstance(feedback, ToolMessage) and feedback.tool_call_id == "c1" and feedback.content == "Result: 17"
    # The tools come through the chat template, without the text protocol's example calls, and the system
    # prompt shows no second call syntax: its worked chains call as JSON objects.
    assert all("Example:" not in t["function"]["description"] for t in model.bound_tools)
    system = model.seen[0][0].content
    assert "Reply with exactly one function call" not in system and "Functions:" not in system
    assert '{"name": "multiply", "arguments": {"a": ' in system and "Result: " in system
    assert "multiply(a=" not in system


def test_native_reply_without_a_call_is_shown_a_json_call(scripted):
    # The text protocol's `name(...)` hint would contradict the native prompt's JSON calls.
    model = scripted(
        "<tools></tools>",
        AIMessage(content="", tool_calls=[{"name": "final_answer", "args": {"answer": "17"}, "id": "c1"}]),
    )
    trace = run(model, call_format="native")
    assert trace.verdict == "correct"
    hint = model.seen[1][-1].content
    assert hint.startswith("Error: no tool call found") and '{"name": "' in hint and "(...)" not in hint


@pytest.mark.parametrize("task", ["math", "logic", "logic-cite", "examples/sql_agent/task.py:task"])
def test_native_worked_examples_are_the_text_examples_as_json_calls(task):
    from fcdpo.graphs.prompts import worked_examples
    from fcdpo.tasks import get_task
    from fcdpo.tools.protocol import parse_call

    loaded = get_task(task)
    signatures = {f.name: f.signature for f in loaded.all_functions()}
    native = [json.loads(line) for line in worked_examples(loaded, "native").splitlines() if line.startswith("{")]
    text_calls = [parse_call(call, signatures) for example in loaded.examples() for call, _ in example.calls]
    assert [(c["name"], c["arguments"]) for c in native] == [(c.name, c.args) for c in text_calls]


@pytest.mark.parametrize("call_format", ["text", "native"])
def test_without_examples_the_prompt_keeps_the_functions_and_drops_the_worked_chains(scripted, call_format):
    reply = '{"name": "final_answer", "arguments": {"answer": 17}}' if call_format == "native" else "final_answer(17)"
    prompts = []
    for without in (False, True):
        model = scripted(reply)
        trace = run(model, call_format=call_format, without_examples=without)
        assert trace.verdict == "correct"
        prompts.append(model.seen[0][0].content)
    full, bare = prompts
    assert "Example 1:" in full and "Example 1:" not in bare
    assert full.startswith(bare) and len(bare) < len(full)
    if call_format == "text":  # each function's line, with its own one-call example, stays
        assert "multiply(a: float, b: float)" in bare and "Example: multiply(" in bare


def test_trace_round_trips_through_json(scripted):
    trace = run(scripted("add(a=12, b=5)", "final_answer(answer=17)"))
    data = json.loads(json.dumps(trace.to_dict()))
    again = Trace.from_dict(data)
    assert again.to_dict() == trace.to_dict()
    assert [type(m) for m in again.to_messages()] == [SystemMessage, HumanMessage, AIMessage, HumanMessage, AIMessage]
    assert {"question", "answer", "verdict", "steps", "messages"} <= data.keys()
    assert data["steps"][0] == {
        "index": 0,
        "text": "add(a=12, b=5)",
        "call": {"name": "add", "args": {"a": 12, "b": 5}},
        "result": "17",
        "error": None,
        "grounded": None,
    }


def test_graph_streams_node_updates(scripted):
    graph = build_graph(scripted("final_answer(answer=17)"))
    nodes = [
        next(iter(chunk))
        for chunk in graph.stream(
            {"question": MATH.question, "answer": "17"}, context=Context(), stream_mode="updates"
        )
    ]
    assert nodes == ["start", "reason", "act", "verify"]


@pytest.mark.parametrize("call_format", ["text", "native"])
def test_think_first_asks_for_a_sentence_before_each_call_and_keeps_it_in_the_chain(scripted, call_format):
    """`think_first`: the prompt asks for one sentence of reasoning before the call; the call is still read, and
    the sentence stays in the conversation that training scores.
    """
    if call_format == "text":
        replies = ("She buys 3 pens at $4, so first the pens. multiply(a=3, b=4)", "final_answer(answer=17)")
    else:
        replies = ('The pens first. {"name": "multiply", "arguments": {"a": 3, "b": 4}}', "final_answer(answer=12)")
    model = scripted(*replies)
    trace = run(model, think_first=True, call_format=call_format)
    plain = scripted(*replies)
    run(plain, call_format=call_format)
    asked, default = model.seen[0][0].content, plain.seen[0][0].content
    assert "one short sentence" in asked and "one short sentence" not in default
    assert asked.replace(asked.split("\n")[1], "") == default.replace(default.split("\n")[1], "")  # only that rule
    assert trace.steps[0].call == {"name": "multiply", "args": {"a": 3, "b": 4}} and trace.steps[0].result == "12"
    assert trace.messages[2].content.startswith(replies[0].split(" ")[0])
