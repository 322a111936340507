"""The fast suite trains: a tiny random Llama with a real tokenizer (tests/tiny_model.py) as the student of `fcdpo
train` and of a whole `fcdpo pipeline`, and `solve`'s readable output. Seconds each, no packaged weights.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from fcdpo.graphs import Context, solve
from fcdpo.graphs.show import show_trace
from fcdpo.types import Problem
from tests.tiny_model import make_tiny_model

PEN = Problem("p1", "math", "A pen costs $3. How much do 4 pens cost?", "12")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return make_tiny_model(tmp_path_factory.mktemp("tiny"))


def test_train_writes_an_adapter_that_the_graph_then_runs(tiny, small_pairs, tmp_path):
    from fcdpo.training.train import run_train

    run = tmp_path / "run"
    settings = {
        "dpo": {
            "max_steps": 2,
            "per_device_train_batch_size": 1,
            "gradient_accumulation_steps": 1,
            "save_steps": 1,
            "learning_rate": 1e-3,
        }
    }
    summary = run_train(tiny, small_pairs("chain"), run, None, settings)
    assert summary["global_step"] == 2 and (run / "adapter" / "adapter_config.json").is_file()
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in metrics] == [1, 2] and all("rewards/margins" in m for m in metrics)
    assert (run / "loss.png").is_file()
    trace = solve(PEN, Context(model=f"{tiny}+{run / 'adapter'}", task="math", max_steps=2, max_new_tokens=6))
    assert trace.model.endswith("adapter") and trace.status in ("finished", "unfinished") and trace.steps


def test_the_pipeline_runs_every_stage_with_a_tiny_student(tiny, tmp_path):
    preset = {
        "teacher": "reference",
        "student": tiny,
        "tasks": ["logic-lookup"],
        "generate": {"problems": 2, "samples": 1, "max_steps": 12, "max_new_tokens": 6, "without_examples": True},
        "negatives": {"samples": 1},
        "export": {"mode": "chain"},
        "train": {"dpo": {"max_steps": 1, "per_device_train_batch_size": 1, "gradient_accumulation_steps": 1}},
        "eval": {"problems": 2, "max_steps": 12, "max_new_tokens": 6, "models": ["scripted"]},
    }
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(preset))
    out = tmp_path / "run"
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "pipeline", "--config", str(tmp_path / "tiny.yaml"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stages = ["generate", "negatives", "export", "train", "eval"]
    assert list(json.loads((out / "timings.json").read_text())) == stages
    assert all(f"fcdpo pipeline: {stage}" in result.stderr for stage in stages)
    results = json.loads((out / "eval" / "results.json").read_text())
    assert set(results["models"]) == {"reference", "scripted", tiny, f"{tiny}+{out / 'train' / 'adapter'}"}
    report = (out / "report.md").read_text()
    assert "| logic-lookup |" in report and "`scripted`" in report and "## Training" in report
    assert "exact McNemar p" in result.stdout and "next, on your own agent" in result.stdout


def test_solve_shows_each_call_with_its_result_the_answer_and_the_verdict(scripted):
    trace = solve(PEN, Context(task="math"), model=scripted("multiply(a=3, b=4)", "launch(x=1)", "final_answer(12)"))
    shown = show_trace(trace).splitlines()
    assert shown[0] == f"── p1 (math) · {trace.model}" and shown[1] == f"  {PEN.question}"
    assert shown[2] == "   1. multiply(a=3, b=4)  → 12"
    assert shown[3].startswith("   2. launch(x=1)  ✗ unknown function 'launch'; available: add, ")
    assert shown[4] == "   3. final_answer(answer=12)  → 12"
    assert shown[5].startswith("  answer: 12   truth: 12   verdict: correct   (finished, 3 steps,")
