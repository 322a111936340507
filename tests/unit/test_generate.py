"""`fcdpo generate` against a real loopback OpenAI-compatible server with scripted replies:
resume, config checks, retries and failed chains, and the SIGKILL property.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from fcdpo.errors import UserError
from fcdpo.graphs.generate import GenerateConfig, RunOptions, run_generate
from fcdpo.graphs.traces_io import read_traces, repair_tail
from fcdpo.models import load_chat_model
from fcdpo.tasks import get_task
from fcdpo.training.pairs import make_pairs
from tests.fake_openai import FakeOpenAI, adder, sum_problems


@pytest.fixture
def dataset(tmp_path):
    def make(n):
        path = tmp_path / f"sums{n}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in sum_problems(n)))
        return str(path)

    return make


def config(dataset_path, **overrides):
    values = {
        "model": "openai:fake",
        "tasks": ["math"],
        "problems": 3,
        "samples": 2,
        "dataset": dataset_path,
        "max_steps": 4,
    }
    return GenerateConfig(**{**values, **overrides})


def options(server, **overrides):
    return RunOptions(**{"base_url": server.url, "backoff": 0.01, "timeout": 5, "progress": False, **overrides})


def keys(out: Path):
    traces, _ = read_traces(out / "traces.jsonl")
    return [(t.problem.id, t.sample) for t in traces]


def test_generate_writes_chains_manifest_and_summary(tmp_path, dataset):
    with FakeOpenAI(adder) as server:
        manifest = run_generate(config(dataset(3)), tmp_path / "run", options(server, concurrency=3))
    assert sorted(keys(tmp_path / "run")) == [(f"s{i}", k) for i in range(3) for k in range(2)]
    traces, _ = read_traces(tmp_path / "run" / "traces.jsonl")
    seeds = {t.sampling["seed"] for t in traces}
    assert len(seeds) == 6  # each chain samples with its own seed
    assert {t.verdict for t in traces} == {"correct", "incorrect"}
    saved = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert saved["config"]["model"] == "openai:fake" and saved["finished"] and saved["versions"]["fcdpo"]
    summary = manifest["summary"]["math"]
    assert summary["chains"] == 6 and summary["valid_call_rate"] == 1.0 and summary["mean_steps"] == 2.0
    assert 0 < summary["correct_rate"] < 1


def test_a_sampling_seed_draws_other_chains_of_the_same_problems(tmp_path):
    def run(out, **seeds):
        with FakeOpenAI(adder) as server:
            run_generate(config(None, problems=3, **seeds), tmp_path / out, options(server))
        traces, _ = read_traces(tmp_path / out / "traces.jsonl")
        return {t.problem.id for t in traces}, {t.sampling["seed"] for t in traces}

    problems, seeds = run("a")
    same_problems, other_seeds = run("b", sampling_seed=1)
    other_problems, _ = run("c", seed=1)
    assert same_problems == problems and not seeds & other_seeds
    assert other_problems != problems  # --seed alone also draws other problems


def test_rerun_resumes_only_missing_chains(tmp_path, dataset):
    out = tmp_path / "run"
    path = dataset(4)
    with FakeOpenAI(adder) as server:
        run_generate(config(path, problems=2), out, options(server))
        with pytest.raises(UserError, match="another config"):
            run_generate(config(path, problems=3), out, options(server))
        before = server.requests
        manifest = run_generate(config(path, problems=2), out, options(server))
        assert server.requests == before  # nothing left to do
        assert manifest["chains"] == {"total": 4, "this_run": 0, "resumed_from": 4}
        run_generate(config(path, problems=3), out, options(server, force=True))
    assert len(keys(out)) == 6
    assert list(out.glob("traces.jsonl.*.old"))  # --force kept the old run aside


def test_server_errors_are_retried(tmp_path, dataset):
    with FakeOpenAI(adder, fail_first=2) as server:
        run_generate(config(dataset(1), problems=1, samples=1), tmp_path / "run", options(server, retries=3))
    [trace] = read_traces(tmp_path / "run" / "traces.jsonl")[0]
    assert trace.status == "finished" and trace.error is None


def test_a_server_error_at_step_3_of_5_costs_that_step_not_the_chain(tmp_path, dataset):
    def five_steps(body):  # four additions, then the answer
        done = sum(m["role"] == "assistant" for m in body["messages"])
        return f"add(a={done}, b=1)" if done < 4 else "final_answer(answer=4)"

    with FakeOpenAI(five_steps, fail_at=(3,)) as server:
        run_generate(config(dataset(1), problems=1, samples=1, max_steps=6), tmp_path / "run", options(server))
        assert server.requests == 6  # five steps and one retry (a whole-chain retry would cost 2 + 1 + 5 = 8)
    [trace] = read_traces(tmp_path / "run" / "traces.jsonl")[0]
    assert trace.status == "finished" and trace.error is None
    assert [s.result for s in trace.steps] == ["1", "2", "3", "4", "4"]


def test_persistent_failures_become_failed_chains_and_the_batch_goes_on(tmp_path, dataset):
    with FakeOpenAI(adder, fail_first=10_000) as server:
        manifest = run_generate(
            config(dataset(2), problems=2, samples=1), tmp_path / "run", options(server, retries=1)
        )
    traces, _ = read_traces(tmp_path / "run" / "traces.jsonl")
    assert [t.status for t in traces] == ["failed", "failed"]
    assert all("500" in t.error for t in traces)
    assert manifest["summary"]["math"]["failed"] == 2


def test_connection_refused_and_timeouts_are_failed_chains(tmp_path, dataset):
    with FakeOpenAI(adder) as server:
        url = server.url
    down = RunOptions(base_url=url, retries=1, backoff=0.01, progress=False)
    run_generate(config(dataset(1), problems=1, samples=1), tmp_path / "down", down)
    assert "Connection" in read_traces(tmp_path / "down" / "traces.jsonl")[0][0].error
    with FakeOpenAI(adder, delay=1.5) as slow:
        run_generate(
            config(dataset(1), problems=1, samples=1), tmp_path / "slow", options(slow, retries=0, timeout=0.3)
        )
    assert "Timeout" in read_traces(tmp_path / "slow" / "traces.jsonl")[0][0].error


def test_bad_config_is_a_user_error(dataset):
    for overrides, message in [
        ({"samples": 0}, "--samples"),
        ({"model": "gpt-9"}, "unknown model spec"),
        ({"tasks": ["chess"]}, "unknown task"),
        ({"dataset": "/no/file.jsonl"}, "no such file"),
        ({"split": "dev"}, "--split"),
    ]:
        with pytest.raises(UserError, match=message):
            config(dataset(1), **overrides)


def test_reference_teacher_writes_each_problems_gold_chain_through_the_graph(tmp_path):
    """`reference` plays a perfect teacher: the task's gold calls, run by the real tools and verify node."""
    run_generate(
        GenerateConfig(model="reference", tasks=["logic", "math"], problems=12, samples=1, max_steps=10),
        tmp_path / "run",
        RunOptions(progress=False),
    )
    traces, _ = read_traces(tmp_path / "run" / "traces.jsonl")
    assert len(traces) == 24 and all(t.verdict == "correct" and t.status == "finished" for t in traces)
    for trace in traces:
        assert [step.text for step in trace.steps] == get_task(trace.problem.task).reference_calls(trace.problem)
        assert all(step.ok for step in trace.steps)
    logic = [t for t in traces if t.problem.task == "logic"]
    assert (
        sum(get_task("logic").answer_derived(t) for t in logic) >= 10
    )  # a query after stated facts/rules, not a guess
    math = [t for t in traces if t.problem.task == "math"]
    assert all(
        get_task("math").answer_derived(t) and len(t.steps) >= 3 for t in math
    )  # 2-6 operations, then the answer


def test_reference_teacher_in_the_native_format_writes_tool_calls_that_export_to_native_pairs(tmp_path):
    """Native gold chains: calls as `tool_calls`, results as `tool` turns, the task's schemas in `tools`."""
    run_generate(
        GenerateConfig(model="reference", tasks=["logic-cite"], problems=6, samples=1, call_format="native"),
        tmp_path / "run",
        RunOptions(progress=False),
    )
    traces, _ = read_traces(tmp_path / "run" / "traces.jsonl")
    assert len(traces) == 6 and all(t.verdict == "correct" for t in traces)
    replies = [m for t in traces for m in t.messages[2:] if m.type == "ai"]
    assert replies and all(m.content == "" and len(m.tool_calls) == 1 for m in replies)
    assert [m.type for m in traces[0].messages[2:4]] == ["ai", "tool"]
    wrong = [replace(t, verdict="incorrect", messages=t.messages[:3]) for t in traces]
    pairs = make_pairs(traces, rejected_traces=wrong).pairs
    assert len(pairs) == 6
    assert {tool["function"]["name"] for tool in json.loads(pairs[0]["tools"])} >= {"sentence", "query"}
    assert pairs[0]["chosen"][0]["tool_calls"][0]["function"]["name"] == "sentence"


def test_reference_teacher_refuses_problems_its_task_cannot_solve(tmp_path, dataset):
    """A user's dataset has no gold solution to write (math or logic): a one-line error, not a failed chain."""
    with pytest.raises(UserError, match="math task cannot solve problem"):
        run_generate(config(dataset(1), model="reference"), tmp_path / "run", RunOptions(progress=False))
    external = config(
        str(Path(__file__).parents[1] / "fixtures" / "external.jsonl"), model="reference", tasks=["logic"]
    )
    with pytest.raises(UserError, match="logic task cannot solve problem ext-logic-1"):
        run_generate(external, tmp_path / "external", RunOptions(progress=False))
    with pytest.raises(UserError, match="answers one problem at a time"):
        load_chat_model("reference")


def test_repair_tail_drops_only_a_torn_last_line(tmp_path):
    path = tmp_path / "traces.jsonl"
    path.write_text('{"a": 1}\n{"b": 2}\n{"c": ')
    assert repair_tail(path) == len('{"c": ')
    assert path.read_text() == '{"a": 1}\n{"b": 2}\n'
    path.write_text('{"a": 1}\n{"b": 2')
    repair_tail(path)
    assert path.read_text() == '{"a": 1}\n'
    assert repair_tail(path) == 0


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_written_and_duplicates_nothing(tmp_path, dataset):
    path, out = dataset(30), tmp_path / "run"
    expected = {(f"s{i}", k) for i in range(30) for k in range(2)}
    cmd = [
        sys.executable,
        "-m",
        "fcdpo.cli",
        "generate",
        "--model",
        "openai:fake",
        "--task",
        "math",
        "--dataset",
        path,
        "--problems",
        "30",
        "--samples",
        "2",
        "--concurrency",
        "3",
        "--out",
        str(out),
        "--backoff",
        "0.01",
    ]
    rng = random.Random(0)
    seen: list = []
    progress: list[int] = []
    with FakeOpenAI(adder, delay=0.15) as server:  # about 6 s of work: kills land mid-run
        env = {**os.environ, "OPENAI_BASE_URL": server.url}
        for _ in range(4):
            asked = server.requests
            process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # Start-up time depends on the machine's load: kill at a random moment once the teacher is asked.
            deadline = time.time() + 120
            while server.requests == asked and process.poll() is None and time.time() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0.5, 3.0))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            lines = (
                (out / "traces.jsonl").read_text().splitlines(keepends=True) if (out / "traces.jsonl").exists() else []
            )
            complete = [json.loads(line) for line in lines if line.endswith("\n")]
            now = [(t["id"], t["sample"]) for t in complete]
            assert len(now) == len(set(now)), "duplicate chain"
            assert now[: len(seen)] == seen, "a written chain was lost"
            seen = now
            progress.append(len(now))
        finished = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    final = keys(out)
    assert len(final) == len(set(final)) and set(final) == expected
    assert final[: len(seen)] == seen
    assert any(0 < n < len(expected) for n in progress), f"no kill landed mid-run: {progress}"
