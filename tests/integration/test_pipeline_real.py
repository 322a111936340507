"""`fcdpo pipeline` end to end with the real smollm2-135m student (tiny sizes), and its resume.

The teacher is a loopback OpenAI-compatible server that answers logic problems with a
seed-chosen verdict, so problems get right chains in seconds; the student's own chains (the
on-policy negatives), its training and both student evaluations run the real model.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from tests.fake_openai import FakeOpenAI

pytestmark = pytest.mark.slow


def guesser(body):
    """Answers at once with true/false/unknown picked by the sampling seed."""
    return f"final_answer(answer={('true', 'false', 'unknown')[(body.get('seed') or 0) % 3]})"


def write_config(path: Path, url: str) -> Path:
    outside = path.parent / "outside.jsonl"  # one rule base written elsewhere
    outside.write_text((Path(__file__).parents[1] / "fixtures" / "external.jsonl").read_text().splitlines()[0] + "\n")
    path.write_text(
        yaml.safe_dump(
            {
                "note": "A test-sized run.",
                "teacher": "openai:guesser",
                "base_url": url,
                "student": "smollm2-135m",
                "tasks": ["logic"],
                "generate": {"problems": 3, "samples": 4, "temperature": 0.7, "max_steps": 2, "concurrency": 4},
                "negatives": {"samples": 2},  # the real student's own chains are the rejected side
                "export": {"mode": "chain", "max_pairs_per_problem": 2},
                "train": {
                    "dpo": {
                        "max_steps": 3,
                        "per_device_train_batch_size": 1,
                        "gradient_accumulation_steps": 1,
                        "save_steps": 1,
                    }
                },
                "eval": {
                    "problems": 2,
                    "max_steps": 2,
                    "max_new_tokens": 24,
                    "concurrency": 2,
                    "models": ["reference"],
                    "datasets": [str(outside)],
                },
                "bfcl": {"categories": ["simple"], "limit": 1, "concurrency": 1},
            }
        )
    )
    return path


def pipeline(config: Path, out: Path, **kwargs):
    cmd = [sys.executable, "-m", "fcdpo.cli", "pipeline", "--config", str(config), "--out", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_pipeline_runs_end_to_end_and_resumes_after_a_kill(tmp_path):
    out = tmp_path / "run"
    with FakeOpenAI(guesser) as server:
        config = write_config(tmp_path / "tiny.yaml", server.url)
        first = pipeline(config, out)
        checkpoints = out / "train" / "checkpoints"
        deadline = time.time() + 600
        while (
            not list(checkpoints.glob("checkpoint-*/trainer_state.json"))
            and first.poll() is None
            and time.time() < deadline
        ):
            time.sleep(0.2)
        assert first.poll() is None, first.communicate()[1][-2000:]
        trainer = psutil.Process(first.pid).children(recursive=True)  # training runs in a process of its own
        assert trainer
        os.kill(first.pid, signal.SIGKILL)  # in the middle of training
        first.wait()
        _, alive = psutil.wait_procs(trainer, timeout=30)
        assert not alive  # the trainer went with the pipeline: no orphan writes the checkpoints beside a resumed run
        traces = (out / "generate" / "traces.jsonl").read_bytes()

        second = pipeline(config, out)
        stdout, stderr = second.communicate(timeout=900)
    assert second.returncode == 0, stderr[-3000:]
    assert (out / "generate" / "traces.jsonl").read_bytes() == traces  # no chain was generated again
    negatives = [json.loads(line) for line in (out / "negatives" / "traces.jsonl").read_text().splitlines()]
    assert len(negatives) == 3 * 2 and {t["model"] for t in negatives} == {"smollm2-135m"}
    pairs = [json.loads(line) for line in (out / "pairs" / "pairs.jsonl").read_text().splitlines()]
    assert pairs and {(p["chosen_model"], p["rejected_model"]) for p in pairs} == {("openai:guesser", "smollm2-135m")}
    steps = [json.loads(line)["step"] for line in (out / "train" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3]  # training continued from its checkpoint, each step logged once
    results = json.loads((out / "eval" / "results.json").read_text())
    after = f"smollm2-135m+{out / 'train' / 'adapter'}"
    assert set(results["models"]) == {"openai:guesser", "reference", "smollm2-135m", after}  # eval.models compared too
    assert results["models"]["reference"]["logic"]["valid_call_rate"] == 1.0  # its gold calls (cut at 2 steps) all run
    assert all(results["models"][m]["logic"]["problems"] == 2 for m in results["models"])
    report = (out / "report.md").read_text()
    assert "A test-sized run." in report and "| logic |" in report and "eval/accuracy.png" in report
    assert "On-policy negatives: `smollm2-135m`" in report
    # The closing summary: per problem set the before/after table, the paired difference, where the chains are.
    assert "== held-out test split of logic ==" in stdout and "A test-sized run." in stdout
    assert "| student before |" in stdout and "| student after |" in stdout and "after − before:" in stdout
    assert f"chains: {out / 'eval' / 'traces'}/" in stdout and "next, on your own agent" in stdout
    bfcl = json.loads((out / "eval" / "bfcl_results.json").read_text())["bfcl"]
    assert set(bfcl) == {"smollm2-135m", after} and all(bfcl[m]["simple"]["problems"] == 1 for m in bfcl)
    assert "General function calling (BFCL" in report and "BFCL (general function calling)" in stdout
    # Problems written by others: student before and after (and the teacher) side by side;
    # `reference` cannot solve them.
    outside = json.loads((out / "eval-outside" / "outside" / "results.json").read_text())
    assert set(outside["models"]) == {"openai:guesser", "smollm2-135m", after}
    assert all(outside["models"][m]["logic"]["problems"] == 1 for m in outside["models"])
    assert (
        "Problems written by others" in report and f"== {tmp_path / 'outside.jsonl'} (never trained on) ==" in stdout
    )


def test_the_demo_preset_runs_end_to_end_at_reduced_size(tmp_path):
    """`make demo`'s own preset, cut to two problems and one training step: every stage and the closing summary."""
    root = Path(__file__).parents[2]
    config = yaml.safe_load((root / "configs" / "demo.yaml").read_text())
    config["generate"]["problems"] = 2
    config["train"]["dpo"].update(max_steps=1, save_steps=1)
    config["eval"]["problems"] = 2
    (tmp_path / "demo.yaml").write_text(yaml.safe_dump(config))
    out = tmp_path / "run"
    stdout, stderr = pipeline(tmp_path / "demo.yaml", out, cwd=root).communicate(timeout=1200)
    assert "fcdpo pipeline: train" in stderr, stderr[-3000:]
    assert (out / "train" / "adapter" / "adapter_config.json").is_file()
    assert "== held-out test split of logic-lookup ==" in stdout, stdout[-3000:]
    assert "| scripted |" in stdout and "| student before |" in stdout and "| student after |" in stdout
    assert "exact McNemar p" in stdout and "next, on your own agent" in stdout
    results = json.loads((out / "eval" / "results.json").read_text())
    assert set(results["models"]) == {
        "reference",
        "scripted",
        "smollm2-135m",
        f"smollm2-135m+{out / 'train' / 'adapter'}",
    }
    assert all(figures["logic-lookup"]["problems"] == 2 for figures in results["models"].values())
    # `without_examples` reaches training and every evaluated model: all see the prompt the student trained on.
    pair = json.loads((out / "pairs" / "pairs.jsonl").read_text().splitlines()[0])
    prompts = [pair["prompt"][0]["content"]] + [
        json.loads(path.read_text().splitlines()[0])["messages"][0]["data"]["content"]
        for path in (out / "eval" / "traces").glob("*/traces.jsonl")
    ]
    assert len(prompts) == 5 and all("Functions:" in p and "Example 1:" not in p for p in prompts)
