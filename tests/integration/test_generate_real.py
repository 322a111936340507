"""Integration: `generate` with a real packaged model, and TRL's DPOTrainer reading our pairs file."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from fcdpo.graphs.traces_io import read_traces
from fcdpo.models.registry import checkpoint_dir
from fcdpo.training.export import load_pairs, run_export

pytestmark = pytest.mark.slow


def generate(out, concurrency):
    cmd = [
        sys.executable,
        "-m",
        "fcdpo.cli",
        "generate",
        "--model",
        "smollm2-135m",
        "--task",
        "math",
        "--problems",
        "2",
        "--samples",
        "2",
        "--max-steps",
        "2",
        "--max-new-tokens",
        "48",
        "--out",
        str(out),
        "--concurrency",
        str(concurrency),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "math" in result.stdout and "chains" in result.stdout
    return read_traces(out / "traces.jsonl")[0]


def test_generate_and_export_with_a_real_model(tmp_path):
    out = tmp_path / "t"
    traces = generate(out, concurrency=1)
    assert sorted((t.problem.id, t.sample) for t in traces) == [
        (p, k) for p in ("math-train-0-0", "math-train-0-1") for k in (0, 1)
    ]
    assert all(t.status in ("finished", "unfinished") and t.model == "smollm2-135m" for t in traces)
    assert len({t.sampling["seed"] for t in traces}) == 4
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["summary"]["math"]["chains"] == 4 and manifest["finished"]
    stats = run_export([out], tmp_path / "p", mode="chain")
    assert stats["problems"] == 2
    assert stats["problems_with_pairs"] + sum(stats["no_pair"].values()) == 2
    # Chains run concurrently on one local model are the same chains: each samples with its own seed.
    concurrent = generate(tmp_path / "c", concurrency=2)
    texts = {(t.problem.id, t.sample): [s.text for s in t.steps] for t in traces}
    assert {(t.problem.id, t.sample): [s.text for s in t.steps] for t in concurrent} == texts


def test_dpo_trainer_tokenizes_our_pairs_without_dropping_rows(tmp_path, small_pairs):
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOConfig, DPOTrainer

    for mode in ("chain", "step"):
        dataset = load_pairs(small_pairs(mode))
        assert len(dataset) == 4
        path = str(checkpoint_dir("smollm2-135m"))
        args = DPOConfig(
            output_dir=str(tmp_path / f"dpo-{mode}"),
            max_steps=1,
            per_device_train_batch_size=2,
            max_length=2048,
            bf16=False,
            use_cpu=True,
            report_to=[],
            save_strategy="no",
            logging_steps=1,
        )
        trainer = DPOTrainer(
            model=AutoModelForCausalLM.from_pretrained(path),
            args=args,
            train_dataset=dataset,
            processing_class=AutoTokenizer.from_pretrained(path),
            peft_config=LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", task_type="CAUSAL_LM"),
        )
        assert len(trainer.train_dataset) == 4  # nothing dropped by TRL's max_length filter
        first = trainer.train_dataset[0]
        assert len(first["prompt_ids"]) > 300 and first["chosen_ids"] and first["rejected_ids"]
        output = trainer.train()
        assert output.global_step == 1 and output.training_loss > 0
