"""The stock SQL agent of examples/sql_stock_agent: written without fcdpo, run as it is by `--graph` on the SQL
task's problems, judged by the task's grader. The model behind it is a scripted server that works like an agent
with the labelled question: list the tables, read the schema, check and run the gold query, answer its result.
"""

from __future__ import annotations

import ast
import json

from fcdpo.graphs.generate import GenerateConfig, RunOptions, run_generate
from fcdpo.graphs.traces_io import read_traces
from fcdpo.tasks.registry import load_object
from fcdpo.training.pairs import PairSettings, make_pairs
from tests.fake_openai import FakeOpenAI
from tests.stock_agents import AGENT, GOLD, TASK, gold_agent


def test_the_stock_agent_imports_nothing_of_fcdpo():
    tree = ast.parse(AGENT.read_text())
    imported = [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert imported and not [name for name in imported if name and name.split(".")[0] == "fcdpo"]


def test_the_stock_agent_runs_as_it_is_and_the_task_grades_it(tmp_path):
    config = {"tasks": [TASK], "problems": 4, "samples": 1, "max_steps": 10, "graph": f"{AGENT}:make_agent"}
    with FakeOpenAI(gold_agent) as server:
        options = RunOptions(base_url=server.url, timeout=10, progress=False)
        run_generate(GenerateConfig(model="openai:gold", **config), tmp_path / "gold", options)
        run_generate(GenerateConfig(model="openai:guesser", **config), tmp_path / "guess", options)
    gold, guessed = (read_traces(tmp_path / name / "traces.jsonl")[0] for name in ("gold", "guess"))
    assert [t.verdict for t in gold] == ["correct"] * 4 and [t.verdict for t in guessed] == ["incorrect"] * 4
    trace = gold[0]
    assert [s.call["name"] for s in trace.steps] == [
        "sql_db_list_tables", "sql_db_schema", "sql_db_query_checker", "sql_db_query"]  # fmt: skip
    assert trace.steps[1].result.startswith("CREATE TABLE") and trace.steps[3].result.startswith("[(")
    assert trace.messages[0].content.startswith("You are an agent designed to interact with a SQL database.")
    assert {t["function"]["name"] for t in trace.sampling["tools"]} == {
        "sql_db_list_tables", "sql_db_schema", "sql_db_query_checker", "sql_db_query"}  # fmt: skip
    assert guessed[0].steps == [] and guessed[0].status == "finished"  # answered without a query: judged wrong


def test_gold_demonstrations_as_the_teacher_through_a_program_spec(tmp_path):
    """`--model FILE.py:NAME` puts the user's program in the agent's seat: the gold chains it writes are right,
    carry the agent's tool schemas (as a model's chains do) and export as chosen against the guesser's rejected.
    """
    config = {"tasks": [TASK], "problems": 3, "samples": 1, "max_steps": 10, "graph": f"{AGENT}:make_agent"}
    run_generate(GenerateConfig(model=f"{GOLD}:demonstrate", **config), tmp_path / "gold", RunOptions(progress=False))
    with FakeOpenAI(gold_agent) as server:
        options = RunOptions(base_url=server.url, timeout=10, progress=False)
        run_generate(GenerateConfig(model="openai:guesser", **config), tmp_path / "guess", options)
    gold = read_traces(tmp_path / "gold" / "traces.jsonl")[0]
    assert [t.verdict for t in gold] == ["correct"] * 3
    assert [s.call["name"] for s in gold[0].steps][-1] == "sql_db_query" and gold[0].sampling["prompt_turns"] == 2
    assert {t["function"]["name"] for t in gold[0].sampling["tools"]} >= {"sql_db_query", "sql_db_schema"}
    guessed = read_traces(tmp_path / "guess" / "traces.jsonl")[0]
    pairs = make_pairs(gold, PairSettings(), rejected_traces=guessed).pairs
    assert len(pairs) == 3
    assert sorted(p["chosen"][-1]["content"] for p in pairs) == sorted(t.answer for t in gold)
    assert all(p["rejected"][-1]["content"] == "I do not know." for p in pairs)


def test_chain_reading_tells_a_derived_answer_from_a_call_written_as_text(tmp_path):
    """read_chains.py reads what the model did from the messages: the gold chain followed the agent's prompt and
    answered what its query returned; a reply holding a call the agent cannot run called no tool.
    """
    summary = load_object(f"{AGENT.parent / 'read_chains.py'}:summary", "script")
    config = {"tasks": [TASK], "problems": 2, "samples": 1, "max_steps": 10, "graph": f"{AGENT}:make_agent"}
    run_generate(GenerateConfig(model=f"{GOLD}:demonstrate", **config), tmp_path / "gold", RunOptions(progress=False))
    as_text = '{"name": "sql_db_list_tables", "arguments": ""}'  # what the untuned 0.5B student writes
    with FakeOpenAI(lambda body: as_text) as server:
        options = RunOptions(base_url=server.url, timeout=10, progress=False)
        run_generate(GenerateConfig(model="openai:student", **config), tmp_path / "text", options)
    gold, text = (read_traces(tmp_path / name / "traces.jsonl")[0] for name in ("gold", "text"))
    read = summary([*gold, *text])
    assert (
        read["right, answer from a query that read data"] == "2/4" and read["right, answer no query returned"] == "0/4"
    )
    assert read["  ...wrote a call as text instead"] == "2/4" and read["listed the tables first"] == "2/4"
    assert read["checked the query before running it"] == "2/4" and read["steps"] == {0: 2, 4: 2}


def test_chain_reading_tells_an_empty_reply_from_the_step_limit(tmp_path):
    """A student that repeats the query checker and then replies nothing ended the agent without an answer; one that
    never stops calling ran into the step limit. Both are unfinished; the reading tells them apart.
    """
    summary = load_object(f"{AGENT.parent / 'read_chains.py'}:summary", "script")
    check = {"name": "sql_db_query_checker", "arguments": json.dumps({"query": "SELECT COUNT(*) FROM customers"})}

    def repeats(body):
        if body["model"] == "quitter" and sum(m["role"] == "tool" for m in body["messages"]) == 2:
            return ""
        return {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function", "function": check}]}

    config = {"tasks": [TASK], "problems": 1, "samples": 1, "max_steps": 4, "graph": f"{AGENT}:make_agent"}
    with FakeOpenAI(repeats) as server:
        options = RunOptions(base_url=server.url, timeout=10, progress=False)
        for name in ("quitter", "looper"):
            run_generate(GenerateConfig(model=f"openai:{name}", **config), tmp_path / name, options)
    quitter, looper = (read_traces(tmp_path / name / "traces.jsonl")[0] for name in ("quitter", "looper"))
    assert quitter[0].status == looper[0].status == "unfinished"
    read = summary([*quitter, *looper])
    assert read["ended with an empty reply"] == "1/2" and read["hit the step limit, still calling"] == "1/2"
    assert read["repeated a call"] == "2/2" and read["ran a query"] == "0/2"
