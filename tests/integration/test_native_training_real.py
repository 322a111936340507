"""Native tool-call format through training: pairs whose student turns are `tool_calls` and whose results
are `tool` messages train on a template that renders them (qwen2.5-coder-0.5b), every pair kept and the
calls inside the loss mask; on a template that drops tool calls (smollm2-135m) they train as call text.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from langchain_core.messages import AIMessage
from transformers import AutoTokenizer

from fcdpo.graphs import Context, solve
from fcdpo.graphs.traces_io import TraceWriter
from fcdpo.models import local_weights
from fcdpo.training.assistant_loss import assistant_token_mask
from fcdpo.training.export import load_pairs, run_export
from fcdpo.types import Problem
from tests.scripted import scripted_model

pytestmark = pytest.mark.slow
PROBLEMS = [Problem(f"p{i}", "math", f"What is {i} plus 3?", str(i + 3)) for i in range(1, 4)]


def call(name, args):
    return AIMessage("", tool_calls=[{"name": name, "args": args, "id": f"{name}-1"}])


@pytest.fixture(scope="module")
def native_pairs(tmp_path_factory):
    """Chain-mode pairs from scripted native-format chains: a right and a wrong chain per problem."""
    base = tmp_path_factory.mktemp("native")
    runs = base / "run"
    runs.mkdir()
    with TraceWriter(runs / "traces.jsonl") as writer:
        for problem in PROBLEMS:
            n = int(problem.answer) - 3
            for b, answer in ((3, problem.answer), (4, str(n + 4))):
                model = scripted_model(call("add", {"a": n, "b": b}), call("final_answer", {"answer": answer}))
                writer.write(solve(problem, Context(task="math", max_steps=4, call_format="native"), model=model))
    stats = run_export([runs], base / "pairs", mode="chain")
    assert stats["pairs"] == len(PROBLEMS)
    return base


def train(student, base, *extra):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "fcdpo.cli",
            "train",
            "--student",
            student,
            "--pairs",
            str(base / "pairs"),
            "--out",
            str(base / f"train-{student}"),
            "--batch-size",
            "1",
            "--grad-accum",
            "1",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )


def test_native_pairs_keep_their_calls_in_the_rows_and_the_loss_mask(native_pairs):
    tokenizer = AutoTokenizer.from_pretrained(local_weights("qwen2.5-coder-0.5b")[0])
    for row in load_pairs(native_pairs / "pairs" / "pairs.jsonl"):
        assert [t["role"] for t in row["chosen"]] == ["assistant", "tool", "assistant"]
        tools = json.loads(row["tools"])
        assert {t["function"]["name"] for t in tools} >= {"add", "final_answer"}
        full = tokenizer.apply_chat_template(
            row["prompt"] + row["chosen"], tools=tools, tokenize=True, return_dict=True
        )
        mask = assistant_token_mask(tokenizer, row["prompt"], row["chosen"], tools)
        scored = tokenizer.decode([t for t, m in zip(full["input_ids"], mask, strict=True) if m])
        assert '"name": "add"' in scored and '"name": "final_answer"' in scored  # the calls are what is learned
        assert "<tool_response>" not in scored  # the tool's result is input, not output


def test_native_pairs_train_without_dropped_rows(native_pairs):
    result = train("qwen2.5-coder-0.5b", native_pairs, "--max-steps", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"1 steps on {len(PROBLEMS)} pairs" in result.stdout


def test_a_template_without_tool_calls_trains_on_the_calls_as_text(native_pairs):
    """SmolLM2's template drops `tool_calls`: the pairs are rewritten to the call text it is prompted for."""
    result = train("smollm2-135m", native_pairs, "--max-steps", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"1 steps on {len(PROBLEMS)} pairs" in result.stdout
