"""Integration: a real short DPO + LoRA run on smollm2-135m, resume, merge, and the student plugged back in."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from safetensors.torch import load_file

from tests.scripted import small_pairs

pytestmark = pytest.mark.slow
STUDENT = "smollm2-135m"
SMALL = ["--batch-size", "1", "--grad-accum", "1"]


def fcdpo(*args, timeout=900):
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", *args], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One short training run shared by the tests below."""
    base = tmp_path_factory.mktemp("train")
    run = base / "s"
    out = fcdpo(
        "train",
        "--student",
        STUDENT,
        "--pairs",
        str(small_pairs(base, "step")),
        "--out",
        str(run),
        "--max-steps",
        "3",
        *SMALL,
    )
    assert "3 steps" in out
    return run


def test_training_changes_lora_only_and_logs_metrics(trained):
    weights = load_file(str(trained / "adapter" / "adapter_model.safetensors"))
    assert weights and all("lora_" in name for name in weights)  # the base weights are not in the artifact
    assert any(t.abs().sum() > 0 for name, t in weights.items() if "lora_B" in name)  # B starts at zero
    rows = [json.loads(line) for line in (trained / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2, 3]
    assert {"loss", "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins"} <= rows[0].keys()
    assert (trained / "loss.png").stat().st_size > 10_000
    config = (trained / "config.yaml").read_text()
    assert "student: smollm2-135m" in config and "pairs_sha256" in config and "max_steps: 3" in config


def test_merged_logits_equal_adapter_logits(trained, tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from fcdpo.models.registry import checkpoint_dir

    fcdpo("merge", str(trained), "--out", str(tmp_path / "merged"))
    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path / "merged"))
    inputs = tokenizer("multiply(a=3, b=4) gives", return_tensors="pt")
    adapter = PeftModel.from_pretrained(
        AutoModelForCausalLM.from_pretrained(str(checkpoint_dir(STUDENT))), str(trained / "adapter")
    )
    merged = AutoModelForCausalLM.from_pretrained(str(tmp_path / "merged"))
    base = AutoModelForCausalLM.from_pretrained(str(checkpoint_dir(STUDENT)))
    with torch.no_grad():
        a, m, b = (model.eval()(**inputs).logits for model in (adapter, merged, base))
    assert torch.allclose(a, m, atol=1e-4)
    assert not torch.allclose(a, b, atol=1e-4)  # the adapter does change the model
    # The plugged-back student (merged, as hf:DIR) runs the same graph end to end.
    trace = json.loads(
        fcdpo("solve", "--model", f"hf:{tmp_path / 'merged'}", "--sample", "1", "--max-steps", "2", "--json")
    )
    assert trace["model"] == f"hf:{tmp_path / 'merged'}" and trace["steps"]


def test_student_with_adapter_solves_end_to_end(trained):
    spec = f"{STUDENT}+{trained / 'adapter'}"
    trace = json.loads(
        fcdpo("solve", "--model", spec, "--task", "logic", "--sample", "1", "--max-steps", "2", "--json")
    )
    assert trace["model"] == spec and trace["verdict"] in ("correct", "incorrect") and 1 <= len(trace["steps"]) <= 2


def test_resume_after_interruption_reaches_the_same_step(tmp_path):
    run = tmp_path / "s"
    args = [
        "train",
        "--student",
        STUDENT,
        "--pairs",
        str(small_pairs(tmp_path, "step")),
        "--out",
        str(run),
        "--max-steps",
        "4",
        "--save-steps",
        "2",
        *SMALL,
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "fcdpo.cli", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 600
    while not (run / "checkpoints" / "checkpoint-2" / "trainer_state.json").exists():
        assert process.poll() is None and time.time() < deadline, "training ended before its first checkpoint"
        time.sleep(0.5)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not (run / "adapter").exists()
    refused = subprocess.run([sys.executable, "-m", "fcdpo.cli", *args], capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    out = fcdpo(*args, "--resume")
    assert re.search(r"4 steps on \d+ pairs \(resumed from checkpoint-2\)", out), out
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4]
    assert (run / "adapter" / "adapter_model.safetensors").is_file()


def test_pairs_too_long_for_max_length_are_reported(tmp_path):
    from transformers import AutoTokenizer

    from fcdpo.models.registry import checkpoint_dir
    from fcdpo.training.export import load_pairs
    from fcdpo.training.train import length_report

    pairs = small_pairs(tmp_path, "chain")
    dataset, tokenizer = load_pairs(pairs), AutoTokenizer.from_pretrained(str(checkpoint_dir(STUDENT)))
    assert length_report(dataset, tokenizer, 4096) == {"pairs": 4, "dropped": 0, "truncated": 0}
    prompt = len(
        tokenizer.apply_chat_template(dataset[0]["prompt"], add_generation_prompt=True, tokenize=True)["input_ids"]
    )
    assert length_report(dataset, tokenizer, prompt + 3) == {"pairs": 4, "dropped": 0, "truncated": 4}
    assert length_report(dataset, tokenizer, prompt) == {"pairs": 4, "dropped": 4, "truncated": 0}
    refused = subprocess.run(
        [
            sys.executable,
            "-m",
            "fcdpo.cli",
            "train",
            "--student",
            STUDENT,
            "--pairs",
            str(pairs),
            "--out",
            str(tmp_path / "s"),
            "--max-length",
            "64",
        ],
        capture_output=True,
        text=True,
    )
    assert refused.returncode == 2 and "every pair's prompt reaches --max-length 64" in refused.stderr


def _trainer(tmp_path, student, tokenizer=None, **kwargs):
    """The trainer `fcdpo train` builds, on chain pairs holding tool results, without training."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from fcdpo.models.registry import checkpoint_dir
    from fcdpo.training.assistant_loss import AssistantOnlyDPOTrainer, assistant_only_collator
    from fcdpo.training.export import load_pairs
    from fcdpo.training.train_config import build, resolve

    dpo_config, lora_config = build(
        resolve(None, {"dpo": {"per_device_train_batch_size": 2}}), tmp_path / "checkpoints", cuda=False
    )
    tokenizer = tokenizer or AutoTokenizer.from_pretrained(str(checkpoint_dir(student)))
    model = AutoModelForCausalLM.from_pretrained(str(checkpoint_dir(student)))
    return AssistantOnlyDPOTrainer(
        model=model,
        args=dpo_config,
        train_dataset=load_pairs(small_pairs(tmp_path, "chain")),
        processing_class=tokenizer,
        peft_config=lora_config,
        data_collator=assistant_only_collator(tokenizer, model, dpo_config),
        **kwargs,
    )


@pytest.mark.parametrize("student", [STUDENT, "qwen2.5-coder-0.5b"])
def test_chain_pairs_score_only_the_students_turns(tmp_path, student):
    """The real trainer's batches leave tool results out of the completion mask (so out of DPO's and SFT's loss),
    on both chat templates the packaged students use (SmolLM2's and Qwen2.5's).
    """
    trainer = _trainer(tmp_path, student)
    tokenizer = trainer.processing_class
    batch = next(iter(trainer.get_train_dataloader()))
    pairs = zip(batch["input_ids"], batch["completion_mask"], strict=True)
    scored = [tokenizer.decode(ids[mask.bool()]) for ids, mask in pairs]
    everything = [
        tokenizer.decode(ids[mask.bool()])
        for ids, mask in zip(batch["input_ids"], batch["attention_mask"], strict=True)
    ]
    assert all("final_answer(answer=" in text for text in scored)
    assert any("Result: 12" in text for text in everything)  # the chains do hold tool results...
    assert not any("Result:" in text for text in scored)  # ...and none of them is scored


def test_template_that_hides_the_turns_stops_training_unless_allowed(tmp_path):
    """A chat template that rewrites earlier turns (as templates that drop old reasoning do) stops the trainer in one
    line; with allow_unmasked it trains on every completion token instead.
    """
    from transformers import AutoTokenizer

    from fcdpo.models.registry import checkpoint_dir
    from fcdpo.training.assistant_loss import UnmaskedPairError

    tokenizer = AutoTokenizer.from_pretrained(str(checkpoint_dir(STUDENT)))
    tokenizer.chat_template = (
        "{% for m in messages %}<|{{ m['role'] }}|>"
        "{% if m['role'] == 'assistant' and not loop.last %}(call){% else %}{{ m['content'] }}{% endif %}\n"
        "{% endfor %}"
        "{% if add_generation_prompt %}<|assistant|>{% endif %}"
    )
    with pytest.raises(UnmaskedPairError, match="--allow-unmasked"):
        _trainer(tmp_path, STUDENT, tokenizer)
    with pytest.warns(UserWarning, match="every completion token"):
        trainer = _trainer(tmp_path, STUDENT, tokenizer, allow_unmasked=True)
    batch = next(iter(trainer.get_train_dataloader()))
    pairs = zip(batch["input_ids"], batch["completion_mask"], strict=True)
    scored = [tokenizer.decode(ids[mask.bool()]) for ids, mask in pairs]
    assert any("Result:" in text for text in scored)  # allowed: tool results are scored, as TRL alone would
