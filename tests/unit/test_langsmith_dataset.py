"""`--dataset langsmith:NAME`: a LangSmith dataset's examples, served by a loopback LangSmith stand-in, are the
problems of `eval` (and `generate`, `solve`), checked like a file's lines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fcdpo.errors import UserError
from fcdpo.tasks import get_task
from fcdpo.tasks import langsmith_dataset as source
from fcdpo.tasks.dataset import load_dataset
from tests.fake_openai import FakeOpenAI, sum_solver
from tests.langsmith_recorder import LangSmithRecorder


def example(number: int, inputs: dict, outputs: dict | None, metadata: dict | None = None) -> dict:
    return {
        "id": f"00000000-0000-4000-8000-00000000000{number}",
        "dataset_id": "00000000-0000-4000-8000-000000000000",
        "created_at": f"2026-11-0{number}T00:00:00",
        "inputs": inputs,
        "outputs": outputs,
        "metadata": metadata,
    }


# Three ways LangSmith datasets hold a question and its answer.
SUMS = [
    example(1, {"question": "What is 1 + 3?"}, {"answer": "4"}, {"template": "sum"}),
    example(
        2,
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2 + 5?"}]},
        {"output": 7},
    ),  # fmt: skip
    example(3, {"input": "What is 3 + 7?"}, None),
]


def cli(recorder, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LANGSMITH_", "LANGCHAIN_"))}
    env.update(LANGSMITH_ENDPOINT=recorder.url, LANGSMITH_API_KEY="test-key", LANGSMITH_TRACING="false")
    return subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_examples_read_as_problem_lines(monkeypatch):
    monkeypatch.setattr(source, "_examples", lambda name: tuple(SUMS))
    problems = load_dataset("langsmith:sums", get_task("math"))
    assert [(p.question, p.answer, p.task) for p in problems] == [
        ("What is 1 + 3?", "4", "math"),
        ("What is 2 + 5?", "7", "math"),
        ("What is 3 + 7?", None, "math"),  # no outputs: no ground truth
    ]
    assert problems[0].meta == {"template": "sum"}  # a group split reads it, as from a JSONL line


@pytest.mark.parametrize(
    "examples, task, message",
    [
        ([example(1, {"a": "x", "b": "y"}, None)], "math", "no question in its inputs"),
        ([example(1, {"question": "What is 1 + 3?"}, {"answer": "four"})], "math", "example 00000000-"),
        ([example(1, {"question": "What is 1 + 3?"}, None)], None, "no task; name one with --task"),
    ],
)
def test_a_bad_example_is_one_line_naming_it(monkeypatch, examples, task, message):
    monkeypatch.setattr(source, "_examples", lambda name: tuple(examples))
    with pytest.raises(UserError, match=message):
        load_dataset("langsmith:sums", get_task(task) if task else None)


def test_eval_reads_a_langsmith_dataset_served_by_the_stand_in(tmp_path):
    with LangSmithRecorder() as recorder, FakeOpenAI(sum_solver(lambda body, a: False)) as server:
        recorder.stored_datasets["sums"] = SUMS
        result = cli(recorder, "eval", "--model", "openai:fake", "--base-url", server.url, "--task", "math",
                     "--dataset", "langsmith:sums", "--out", str(tmp_path / "e"), "--json")  # fmt: skip
        missing = cli(recorder, "eval", "--model", "openai:fake", "--task", "math", "--dataset", "langsmith:nope")
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout)["models"]["openai:fake"]["math"]
    assert figures["problems"] == 3 and figures["correct"] == 2  # the third example has no answer to grade
    assert ("GET", "/examples") in {(m, p.split("?")[0]) for m, p in recorder.requests}
    assert missing.returncode == 2 and "Traceback" not in missing.stderr
    # The LangSmith client may print a note of its own from a background thread, even mid-line.
    assert "fcdpo: error: langsmith:nope: no such LangSmith dataset" in missing.stderr
