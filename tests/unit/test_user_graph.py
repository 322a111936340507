"""`--graph FILE.py:make_agent`: a user's own compiled graph (a stock `create_agent`), run as it is against a real
loopback OpenAI-compatible server whose scripted model speaks native tool calls, through generate, export and eval;
a graph that raises, hangs or loops is recorded, never lost.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.messages import AIMessage, SystemMessage, ToolMessage

from fcdpo.errors import UserError
from fcdpo.evals.run import EvalSettings, eval_configs, run_eval
from fcdpo.graphs.generate import GenerateConfig, RunOptions, run_generate
from fcdpo.graphs.traces_io import read_traces
from fcdpo.training.export import run_export
from tests.fake_openai import FakeOpenAI, native_adder, sum_problems

AGENT = Path(__file__).resolve().parents[1] / "fixtures" / "calculator_agent.py"


@pytest.fixture
def sums(tmp_path):
    path = tmp_path / "sums.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in sum_problems(3)))
    return str(path)


def generate(server, sums, out, graph="make_agent", samples=2, **options):
    config = GenerateConfig(
        model="openai:fake", tasks=["math"], problems=3, samples=samples, dataset=sums, graph=f"{AGENT}:{graph}"
    )
    run_generate(config, out, RunOptions(base_url=server.url, timeout=5, progress=False, **options))
    return read_traces(out / "traces.jsonl")[0]


def test_the_stock_agent_is_run_as_it_is_and_recorded_in_its_own_format(tmp_path, sums):
    with FakeOpenAI(native_adder) as server:
        traces = generate(server, sums, tmp_path / "t")
    assert len(traces) == 6 and {t.status for t in traces} == {"finished"}
    trace = next(t for t in traces if t.verdict == "correct")
    system, user, call, result, answer = trace.messages
    assert isinstance(system, SystemMessage) and system.content.startswith("You are a careful calculator")
    assert user.content == trace.problem.question and isinstance(result, ToolMessage)
    assert isinstance(call, AIMessage) and call.tool_calls[0]["name"] == "add"
    assert answer.content == trace.answer == f"The sum is {trace.problem.answer}."  # graded by the task
    assert [s.call["name"] for s in trace.steps] == ["add"] and trace.steps[0].result == str(
        float(trace.problem.answer)
    )
    assert [t["function"]["name"] for t in trace.sampling["tools"]] == ["add"]  # the graph's own schemas
    assert trace.sampling["prompt_turns"] == 2 and trace.sampling["model_calls"] == 2
    # Odd seeds answer one too high: the grader judges the graph's answer.
    assert {t.verdict for t in traces} == {"correct", "incorrect"}


def test_graph_chains_export_to_native_pairs_with_the_graphs_prompt_and_tools(tmp_path, sums):
    with FakeOpenAI(native_adder) as server:
        generate(server, sums, tmp_path / "t", samples=4)
    stats = run_export([tmp_path / "t"], tmp_path / "p", mode="chain")
    rows = [json.loads(line) for line in (tmp_path / "p" / "pairs.jsonl").read_text().splitlines()]
    assert stats["pairs"] == len(rows) > 0
    row = rows[0]
    assert [turn["role"] for turn in row["prompt"]] == ["system", "user"]
    assert row["prompt"][0]["content"].startswith("You are a careful calculator")
    assert row["chosen"][0]["tool_calls"][0]["function"]["name"] == "add"
    assert [t["function"]["name"] for t in json.loads(row["tools"])] == ["add"]
    assert row["chosen"][-1]["content"] != row["rejected"][-1]["content"]  # the right and the wrong sum


def test_eval_compares_models_inside_the_users_graph(tmp_path, sums):
    def two_models(body):  # `openai:plain` ignores the tools it is given and answers in prose
        return "I think it is 0." if body["model"] == "plain" else native_adder({**body, "seed": 0})

    settings = EvalSettings(problems=3, graph=f"{AGENT}:make_agent", concurrency=2)
    configs = eval_configs(["openai:fake", "openai:plain"], ["math"], settings, dataset=sums)
    with FakeOpenAI(two_models) as server:
        results = run_eval(configs, tmp_path / "e", RunOptions(base_url=server.url, timeout=5, progress=False))
    figures = {model: results["models"][model]["math"] for model in ("openai:fake", "openai:plain")}
    assert figures["openai:fake"]["accuracy"] == 1.0 and figures["openai:plain"]["accuracy"] == 0.0
    assert figures["openai:plain"]["mean_steps"] == 0  # it never called a tool: recorded, judged wrong


@pytest.mark.parametrize(
    "graph, status, error",
    [
        ("make_raising", "failed", "RuntimeError: the database is locked"),
        ("make_hanging", "failed", "timed out after 0.5 s"),
        ("make_looping", "unfinished", None),
    ],
)
def test_a_graph_that_raises_hangs_or_loops_is_recorded_not_lost(tmp_path, sums, graph, status, error):
    with FakeOpenAI(native_adder) as server:
        timeout = 0.5 if graph == "make_hanging" else 60
        traces = generate(server, sums, tmp_path / graph, graph=graph, samples=1, chain_timeout=timeout)
    assert len(traces) == 3 and {t.status for t in traces} == {status}
    assert {t.error for t in traces} == {error} and {t.verdict for t in traces} == {"incorrect"}
    if graph == "make_looping":
        assert len(traces[0].steps) >= 3 and all(s.call["name"] == "add" for s in traces[0].steps)


def test_a_graph_spec_that_names_nothing_callable_is_one_line(sums):
    with pytest.raises(UserError, match="has no 'make_agnet'"):
        GenerateConfig(model="openai:fake", tasks=["math"], dataset=sums, graph=f"{AGENT}:make_agnet")
    with pytest.raises(UserError, match="expected FILE.py:make_agent"):
        GenerateConfig(model="openai:fake", tasks=["math"], dataset=sums, graph=str(AGENT))
    with pytest.raises(UserError, match="runs chat models"):
        GenerateConfig(model="reference", tasks=["math"], dataset=sums, graph=f"{AGENT}:make_agent")


def test_a_later_side_call_to_the_model_is_not_taken_for_the_chain(tmp_path, sums):
    with FakeOpenAI(native_adder) as server:
        traces = generate(server, sums, tmp_path / "side", graph="make_with_side_call", samples=1)
    trace = traces[0]
    assert trace.sampling["model_calls"] == 3  # call, answer, title
    assert isinstance(trace.messages[0], SystemMessage) and len(trace.messages) == 5
    assert trace.answer == trace.messages[-1].content  # the agent's answer, not the title


def test_another_version_of_the_graph_or_of_the_program_in_the_models_seat_is_another_run(tmp_path, sums):
    """A run dir never mixes chains of two versions of the user's graph file, or of a `FILE.py:NAME` demonstrator."""
    graph, program = tmp_path / "agent.py", tmp_path / "gold.py"
    graph.write_text(AGENT.read_text())
    program.write_text("def demonstrate(problem):\n    return None\n")

    def fingerprint():
        return GenerateConfig(
            model=f"{program}:demonstrate", tasks=["math"], dataset=sums, graph=f"{graph}:make_agent"
        ).fingerprint

    first = fingerprint()
    program.write_text("def demonstrate(problem):\n    return None  # another version\n")
    second = fingerprint()
    graph.write_text(AGENT.read_text() + "\n# another version\n")
    assert len({first, second, fingerprint()}) == 3
    with pytest.raises(UserError, match="no such file"):
        GenerateConfig(model=f"{tmp_path / 'missing.py'}:demonstrate", tasks=["math"], dataset=sums)
