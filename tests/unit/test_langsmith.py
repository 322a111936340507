"""LangSmith tracing against a local recorder: one root run per chain with its metadata and tags,
the verdict as feedback; with tracing off, nothing is sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_openai import FakeOpenAI, native_adder, sum_solver
from tests.langsmith_recorder import LangSmithRecorder

half_right = sum_solver(lambda body, a: a == 1)  # wrong on the problem with A = 1


@pytest.fixture
def sums(tmp_path):
    path = tmp_path / "sums.jsonl"
    rows = [
        {"id": f"s{i}", "task": "math", "question": f"What is {i} + {i + 5}?", "answer": str(2 * i + 5)}
        for i in range(2)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def solve(sums, server, recorder, tracing: bool):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGSMITH_", "LANGCHAIN_"))}
    env.update(
        LANGSMITH_ENDPOINT=recorder.url, LANGSMITH_API_KEY="test-key", LANGSMITH_TRACING="true" if tracing else "false"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fcdpo.cli",
            "solve",
            "--model",
            "openai:fake",
            "--base-url",
            server.url,
            "--dataset",
            sums,
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_each_chain_is_one_root_run_with_metadata_and_verdict_feedback(sums):
    with FakeOpenAI(half_right) as server, LangSmithRecorder() as recorder:
        traces = solve(sums, server, recorder, tracing=True)
    assert [t["verdict"] for t in traces] == ["correct", "incorrect"]
    roots = {
        run_id: run
        for run_id, run in recorder.runs.items()
        if run.get("name", "").startswith("solve ") and not run.get("parent_run_id")
    }
    assert len(roots) == 2 and {run["name"] for run in roots.values()} == {"solve math"}
    by_problem = {}
    for run_id, run in roots.items():
        metadata = run.get("extra", {}).get("metadata", {})
        by_problem[metadata.get("problem_id")] = (run_id, metadata, run.get("tags", []))
    assert set(by_problem) == {"s0", "s1"}
    for problem_id, verdict in (("s0", "correct"), ("s1", "incorrect")):
        _, metadata, tags = by_problem[problem_id]
        assert metadata["task"] == "math" and metadata["model"] == "openai:fake"
        assert metadata["verdict"] == verdict and metadata["steps"] == 2
        assert {"fcdpo", "math"} <= set(tags)
    # The graph's own runs (nodes, model calls) nest under the chain's root run.
    children = [run for run in recorder.runs.values() if run.get("parent_run_id") in roots]
    assert any(run.get("name") == "solver" for run in children)
    feedback = {f["run_id"]: f for f in recorder.feedback}
    assert {(f["key"], f["score"]) for f in feedback.values()} == {("correct", 1.0), ("correct", 0.0)}
    assert feedback[by_problem["s0"][0]]["score"] == 1.0 and feedback[by_problem["s1"][0]]["score"] == 0.0


def test_nothing_is_sent_with_tracing_off(sums):
    with FakeOpenAI(half_right) as server, LangSmithRecorder() as recorder:
        traces = solve(sums, server, recorder, tracing=False)
    assert len(traces) == 2
    assert recorder.requests == []


def export(tmp_path, env_extra):
    from tests.scripted import small_pairs

    small_pairs(tmp_path)  # real scripted chains in tmp_path/traces (one problem, two correct chains)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGSMITH_", "LANGCHAIN_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "fcdpo.cli",
            "export",
            str(tmp_path / "traces"),
            "--out",
            str(tmp_path / "p"),
            "--langsmith-dataset",
            "fcdpo-chains",
        ],
        capture_output=True,
        text=True,
        env={**env, **env_extra},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_export_uploads_examples_to_a_langsmith_dataset(tmp_path):
    with LangSmithRecorder() as recorder:
        out = export(tmp_path, {"LANGSMITH_ENDPOINT": recorder.url, "LANGSMITH_API_KEY": "test-key"})
    assert "LangSmith dataset 'fcdpo-chains': 1 examples uploaded" in out
    assert [d["name"] for d in recorder.datasets] == ["fcdpo-chains"]
    (example,) = recorder.examples
    assert example["inputs"]["question"].startswith("A pen costs $3") and example["outputs"]["answer"] == "12"
    assert example["dataset_id"] == recorder.datasets[0]["id"]


def test_export_without_an_endpoint_writes_the_examples_file(tmp_path):
    out = export(tmp_path, {})
    assert "no LangSmith endpoint configured" in out
    assert len((tmp_path / "p" / "langsmith-examples.jsonl").read_text().splitlines()) == 1


def test_a_users_graph_run_is_one_root_run_with_its_verdict_as_feedback(sums, tmp_path):
    """`generate --graph`: the user's graph traced as it runs, the chain's verdict sent as feedback."""
    agent = Path(__file__).resolve().parents[1] / "fixtures" / "calculator_agent.py"
    with FakeOpenAI(native_adder) as server, LangSmithRecorder() as recorder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGSMITH_", "LANGCHAIN_"))}
        env.update(LANGSMITH_ENDPOINT=recorder.url, LANGSMITH_API_KEY="test-key", LANGSMITH_TRACING="true")
        result = subprocess.run(
            [sys.executable, "-m", "fcdpo.cli", "generate", "--graph", f"{agent}:make_agent", "--model",
             "openai:fake", "--base-url", server.url, "--dataset", sums, "--task", "math", "--samples", "1",
             "--out", str(tmp_path / "t")],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    roots = {run_id: run for run_id, run in recorder.runs.items() if run.get("name") == "graph math"}
    assert len(roots) == 2 and not any(run.get("parent_run_id") for run in roots.values())
    problems = {run["extra"]["metadata"]["problem_id"]: run_id for run_id, run in roots.items()}
    assert set(problems) == {"s0", "s1"}
    scores = {f["run_id"]: f["score"] for f in recorder.feedback if f["key"] == "correct"}
    # native_adder answers one too high on odd seeds: each score is the verdict of that chain.
    verdicts = {
        json.loads(line)["id"]: json.loads(line)["verdict"] for line in (tmp_path / "t" / "traces.jsonl").open()
    }
    assert {problem: scores[run_id] for problem, run_id in problems.items()} == {
        problem: float(verdict == "correct") for problem, verdict in verdicts.items()
    }
