"""A task defined outside the package: loaded by file, module or entry point; its tools, grader and problems
through the graph and the commands; and every way a plug-in can be wrong, in one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from langchain_core.tools import tool

from fcdpo.errors import UserError
from fcdpo.graphs import Context, solve
from fcdpo.tasks import define_task, get_task, registry
from fcdpo.types import Problem
from tests.fake_openai import FakeOpenAI
from tests.plugin_fixture import PROBLEMS, write_plugin

GOLD = {question: calls for _, question, _, calls in PROBLEMS}


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    """Each test loads its own copy of the plug-in: forget tasks loaded by earlier tests."""
    monkeypatch.setattr(registry, "_loaded", {})


@pytest.fixture
def spec(tmp_path):
    return write_plugin(tmp_path / "plugin")


def _cli(*argv, timeout=180):
    return subprocess.run([sys.executable, "-m", "fcdpo.cli", *argv], capture_output=True, text=True, timeout=timeout)


def test_plugin_from_a_file_shows_its_tools_and_solves_through_the_graph(spec, scripted):
    task = get_task(spec)
    assert task.name == "units" and get_task("units") is task  # known by its own name once loaded
    lines = {f.name: f.render() for f in task.all_functions()}
    # Descriptions and types come from the docstring / pydantic schema, the example from the signature.
    assert lines["to_meters"] == "to_meters(feet: number): Convert feet to meters. Example: to_meters(feet=1.5)"
    assert lines["scale"].startswith("scale(value: number, factor: number): Multiply a number by a factor.")
    schema = next(f.json_schema() for f in task.functions if f.name == "scale")
    assert schema["function"]["parameters"]["properties"]["value"]["description"] == "the number to scale"
    problem = task.problems("train", 1)[0]
    model = scripted(*GOLD[problem.question])
    trace = solve(problem, Context(task=spec), model=model)
    assert trace.verdict == "correct" and [s.error for s in trace.steps] == [None, None]
    assert "You solve unit conversion problems step by step" in model.seen[0][0].content
    assert task.check("3.06 meters", "3.048") is False and task.check("3.0481", "3.048") is True


def test_generate_export_eval_with_a_plugin_in_separate_processes(spec, tmp_path):
    """Each command runs in its own process: export finds the task through the generate run's manifest."""

    def reply(body):
        question = next(m["content"] for m in body["messages"] if m["role"] == "user").removeprefix("Problem: ")
        calls = GOLD[question]
        step = sum(m["role"] == "assistant" for m in body["messages"])
        if body["model"] == "wrong" and step == len(calls) - 1:
            return "final_answer(answer=999)"
        return calls[min(step, len(calls) - 1)]

    with FakeOpenAI(reply) as server:
        for model, out in (("openai:right", "gen"), ("openai:wrong", "neg")):
            result = _cli(
                "generate", "--model", model, "--task", spec, "--problems", "6", "--samples", "1",
                "--base-url", server.url, "--out", str(tmp_path / out),
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-1500:]
        exported = _cli("export", str(tmp_path / "gen"), "--rejected-from", str(tmp_path / "neg"), "--out",
                        str(tmp_path / "pairs"))  # fmt: skip
        assert exported.returncode == 0, exported.stderr[-1500:]
        pairs = [json.loads(line) for line in (tmp_path / "pairs" / "pairs.jsonl").read_text().splitlines()]
        assert len(pairs) == 6 and {p["task"] for p in pairs} == {"units"}
        assert "to_meters" in pairs[0]["prompt"][0]["content"]  # the plug-in's tools are in the prompt
        evaluated = _cli(
            "eval", "--model", "openai:right", "--model", "openai:wrong", "--task", spec, "--dataset",
            str(tmp_path / "plugin" / "problems.jsonl"), "--base-url", server.url, "--out", str(tmp_path / "e"),
            "--json",
        )  # fmt: skip
    assert evaluated.returncode == 0, evaluated.stderr[-1500:]
    results = json.loads(evaluated.stdout)
    assert results["models"]["openai:right"]["units"]["correct"] == 6
    assert results["models"]["openai:wrong"]["units"]["correct"] == 0


def test_plugin_from_an_entry_point(tmp_path, monkeypatch):
    """An installed package registers its task under the `fcdpo.tasks` group, as the built-ins are."""
    site = tmp_path / "site"
    write_plugin(site / "units_pkg")
    (site / "units_pkg" / "__init__.py").write_text("")
    info = site / "units_pkg-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: units-pkg\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[fcdpo.tasks]\nunits = units_pkg.units_task:task\n")
    monkeypatch.syspath_prepend(str(site))
    assert "units" in registry.task_names() and "math" in registry.task_names()
    task = get_task("units")
    assert task.name == "units" and len(task.problems("train", 10)) == 6
    with pytest.raises(UserError, match="importing my_missing_pkg.tasks failed: ModuleNotFoundError"):
        get_task("my_missing_pkg.tasks:task")


def test_context_from_a_problem_line_is_shown_before_the_question(tmp_path, scripted):
    (tmp_path / "q.jsonl").write_text(
        json.dumps({"id": "c1", "question": "How many rows?", "answer": "3", "context": "Table t has 3 rows."}) + "\n"
    )

    def count(table: str) -> int:
        """Count a table's rows."""
        return 3

    task = define_task("ctx", tools=[count], grader="number", problems=tmp_path / "q.jsonl")
    problem = [*task.problems("train", 1), *task.problems("test", 1)][0]  # one line: in whichever split it fell
    assert problem.meta["context"] == "Table t has 3 rows."
    registry._loaded["ctx"] = task
    model = scripted('count(table="t")', "final_answer(answer=3)")
    trace = solve(problem, Context(task="ctx"), model=model)
    assert model.seen[0][1].content == "Context: Table t has 3 rows.\n\nProblem: How many rows?"
    assert trace.verdict == "correct"


def _flaky_tools():
    def boom(x: int) -> int:
        """Always fails."""
        raise RuntimeError("database is on fire")

    def hang(x: int) -> int:
        """Never returns."""
        time.sleep(30)
        return x

    def huge(x: int) -> str:
        """Returns a megabyte."""
        return "y" * 1_000_000

    @tool
    async def later(x: int) -> int:
        """An async tool: doubles x."""
        return 2 * x

    return [boom, hang, huge, later]


def test_user_tools_that_raise_hang_or_flood_become_error_steps(tmp_path, scripted):
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": "f1", "question": "Double 21.", "answer": "42"}) + "\n")
    task = define_task("flaky", tools=_flaky_tools(), grader="number", problems=tmp_path / "p.jsonl", timeout=0.5)
    registry._loaded["flaky"] = task
    problem = Problem.from_dict({"id": "f1", "task": "flaky", "question": "Double 21.", "answer": "42"})
    model = scripted("boom(x=1)", "hang(x=1)", "huge(x=1)", "later(x=21)", "final_answer(answer=42)")
    started = time.monotonic()
    trace = solve(problem, Context(task="flaky"), model=model)
    assert time.monotonic() - started < 10  # the hanging tool did not hold the chain
    errors = [s.error for s in trace.steps]
    assert errors[0] == "boom: database is on fire"
    assert errors[1] == "hang: timed out after 0.5 s"
    assert errors[2] is None and trace.steps[2].result.endswith("... (cut: 998000 more characters)")
    assert len(trace.steps[2].result) < 2100
    assert trace.steps[3].result == "42" and trace.verdict == "correct"


def test_workspace_is_shared_by_the_steps_of_one_chain(tmp_path, scripted):
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": "w1", "question": "Push 2 and 3, sum.", "answer": "5"}) + "\n")

    def push(value: float, workspace: dict) -> str:
        """Push a number on the stack."""
        workspace["stack"].append(value)
        return f"stack: {workspace['stack']}"

    def total(workspace: dict) -> float:
        """Sum the stack."""
        return sum(workspace["stack"])

    task = define_task(
        "stack", tools=[push, total], grader="number", problems=tmp_path / "p.jsonl", workspace=lambda p: {"stack": []}
    )
    assert "workspace" not in task.functions[0].render()
    registry._loaded["stack"] = task
    problem = Problem("w1", "stack", "Push 2 and 3, sum.", "5")
    trace = solve(problem, Context(task="stack"), model=scripted("push(value=2)", "push(value=3)", "total()",
                                                                 "final_answer(answer=5)"))  # fmt: skip
    assert [s.result for s in trace.steps] == ["stack: [2.0]", "stack: [2.0, 3.0]", "5", "5"]


@pytest.mark.parametrize(
    "body, files, message",
    [
        ("raise RuntimeError('no db')", {}, "importing .*bad.py failed: RuntimeError: no db"),
        ("from fcdpo.tasks import define_task\ntask = define_task('t', tools=[], problems='p.jsonl')", {},
         "task t: no tools"),
        ("from fcdpo.tasks import define_task\ndef f(x: int) -> int:\n    return x\n"
         "task = define_task('t', tools=[f], problems='p.jsonl')", {"p.jsonl": ""},
         "tool 'f' has no description"),
        ("from fcdpo.tasks import define_task\ndef f(x: int) -> int:\n    'Id.'\n    return x\n"
         "task = define_task('t', tools=[f], grader='fuzzy', problems='p.jsonl')", {"p.jsonl": ""},
         "unknown grader 'fuzzy'"),
        ("task = 42", {}, "expected a fcdpo Task .* got int"),
        ("x = 1", {}, "has no 'task'"),
    ],
)  # fmt: skip
def test_bad_plugins_fail_in_one_line_naming_the_file(tmp_path, body, files, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "bad.py").write_text(body + "\n")
    with pytest.raises(UserError, match=message):
        get_task(f"{tmp_path / 'bad.py'}:task")


def test_problem_lines_of_another_task_and_unknown_specs_are_refused(tmp_path, spec):
    (tmp_path / "plugin" / "problems.jsonl").write_text(
        json.dumps({"id": "x", "task": "math", "question": "q", "answer": "1"}) + "\n"
    )
    with pytest.raises(UserError, match=r"problems.jsonl:1: task 'math' does not match this file's task 'units'"):
        get_task(spec).problems("train", 3)
    with pytest.raises(UserError, match="no such file"):
        get_task(f"{tmp_path / 'nope.py'}:task")
    with pytest.raises(UserError, match="unknown task 'chess'; choose from: .*math.* path/to/task.py:task"):
        get_task("chess")
    result = _cli("solve", "--task", "chess", "x")
    assert result.returncode == 2 and result.stderr.count("\n") == 1


def test_a_plugin_cannot_take_a_built_in_name(tmp_path):
    (tmp_path / "p.jsonl").write_text("")
    (tmp_path / "m.py").write_text(
        "from fcdpo.tasks import define_task\ndef f(x: int) -> int:\n    'Id.'\n    return x\n"
        "task = define_task('math', tools=[f], problems='p.jsonl')\n"
    )
    with pytest.raises(UserError, match="the name 'math' is taken"):
        get_task(f"{tmp_path / 'm.py'}:task")


def test_a_grader_that_raises_stops_the_chain_with_one_line(tmp_path, scripted):
    (tmp_path / "p.jsonl").write_text(json.dumps({"id": "g", "question": "q", "answer": "1"}) + "\n")
    (tmp_path / "g.py").write_text(
        "from fcdpo.tasks import define_task\ndef f(x: int) -> int:\n    'Id.'\n    return x\n"
        "def strict(predicted, truth, problem):\n    raise KeyError('score')\n"
        "task = define_task('g', tools=[f], grader=strict, problems='p.jsonl')\n"
    )
    spec = f"{tmp_path / 'g.py'}:task"
    with pytest.raises(UserError, match=r"grader strict raised KeyError: 'score' \(answer '1'\)"):
        solve(Problem("g", "g", "q", "1"), Context(task=spec), model=scripted("final_answer(answer=1)"))


def test_examples_pick_writes_the_shortest_clean_train_chains_into_the_task_file(spec, tmp_path, scripted):
    from fcdpo.graphs.generate import GenerateConfig, RunOptions, run_generate

    run = tmp_path / "gen"
    run_generate(
        GenerateConfig(model="reference", tasks=[spec], problems=6, samples=1), run, RunOptions(progress=False)
    )
    out = tmp_path / "plugin" / "examples.json"
    assert not out.exists() and get_task(spec).examples() == []
    result = _cli("examples", "pick", str(run), "--task", spec, "--count", "2")
    assert result.returncode == 0, result.stderr
    examples = get_task(spec).examples()  # the task reads its examples file
    assert len(examples) == 2 and all(len(ex.calls) == 2 for ex in examples)
    assert examples[0].calls[-1][0].startswith("final_answer(")
    shown = solve(get_task(spec).problems("train", 1)[0], Context(task=spec), model=scripted("final_answer(answer=1)"))
    assert examples[0].question in shown.messages[0].content  # injected into the system prompt
    test_run = tmp_path / "test-run"  # a run on test problems: its chains must never become examples
    test_run.mkdir()
    (test_run / "traces.jsonl").write_text((run / "traces.jsonl").read_text())
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["config"]["split"] = "test"
    (test_run / "manifest.json").write_text(json.dumps(manifest))
    refused = _cli("examples", "pick", str(test_run), "--task", spec)
    assert refused.returncode == 2 and "train problems only" in refused.stderr


def test_solve_sample_on_an_empty_split_says_so(spec):
    result = _cli("solve", "--task", spec, "--sample", "1", "--model", "smollm2-135m")  # all six are train problems
    assert result.returncode == 2 and "has no test problems (try --split train)" in result.stderr


def test_a_tasks_rules_join_the_prompts_list_in_both_call_formats(tmp_path):
    from fcdpo.graphs.prompts import system_prompt

    def lookup(key: str) -> str:
        """Look a key up."""
        return key

    (tmp_path / "p.jsonl").write_text('{"id": "1", "question": "a?", "answer": "a"}\n')
    rule = "Answer only with a value a lookup returned."
    task = define_task("keys", tools=[lookup], problems=tmp_path / "p.jsonl", rules=[rule])
    plain = define_task("keys", tools=[lookup], problems=tmp_path / "p.jsonl")
    for call_format, last in (("text", "call final_answer(answer=...)."), ("native", "call final_answer.")):
        prompt = system_prompt(task, call_format)
        assert f"{last}\n- {rule}" in prompt
        assert prompt.replace(f"\n- {rule}", "") == system_prompt(plain, call_format)
    for bad in (["two\nlines"], [""], [3]):
        with pytest.raises(UserError, match="task keys: rules must be one-line sentences"):
            define_task("keys", tools=[lookup], problems=tmp_path / "p.jsonl", rules=bad)
