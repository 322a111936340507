"""`fcdpo train`: DPO with a LoRA adapter on the student, with TRL's DPOTrainer.

    fcdpo train --student smollm2-135m --pairs runs/p --out runs/s --max-steps 5
    fcdpo train --student qwen2.5-coder-0.5b --pairs runs/p --out runs/s --config my.yaml --epochs 2
    fcdpo train ... --resume            # continue after an interruption, from the last checkpoint

Writes `RUN/adapter/` (PEFT), `RUN/config.yaml` (all that reproduces the run),
`RUN/metrics.jsonl` (one line per logging step), `RUN/loss.png`, and checkpoints under
`RUN/checkpoints/`. The same command trains on a GPU (bf16) when one is present.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from fcdpo.errors import UserError
from fcdpo.models import local_weights
from fcdpo.training.export import PAIRS, load_pairs
from fcdpo.training.student_format import in_student_format
from fcdpo.training.train_config import build, resolve

DROP_WARNING = 0.25  # warn when more than this share of pairs would be dropped


def length_report(dataset, tokenizer, max_length: int | None) -> dict[str, int]:
    """How many pairs TRL would drop (prompt alone reaches max_length) or truncate."""
    if max_length is None:
        return {"pairs": len(dataset), "dropped": 0, "truncated": 0}
    dropped = truncated = 0
    for row in dataset:
        tools = json.loads(row["tools"]) if row.get("tools") else None
        render = partial(tokenizer.apply_chat_template, tools=tools or None, tokenize=True)
        prompt = len(_ids(render(row["prompt"], add_generation_prompt=True)))
        longest = max(len(_ids(render(row["prompt"] + row[c]))) for c in ("chosen", "rejected"))
        if prompt >= max_length:
            dropped += 1
        elif longest > max_length:
            truncated += 1
    return {"pairs": len(dataset), "dropped": dropped, "truncated": truncated}


def _ids(encoded) -> list[int]:
    return encoded["input_ids"] if hasattr(encoded, "keys") else encoded  # a BatchEncoding or a plain id list


class MetricsLog:
    """A TrainerCallback appending each logging step to `metrics.jsonl`."""

    def __init__(self, path: Path):
        from transformers import TrainerCallback

        self.path = path
        log = self

        class Callback(TrainerCallback):
            def on_log(self, args, state, control, logs=None, **kwargs):
                if logs and "loss" in logs:
                    with log.path.open("a") as handle:
                        handle.write(json.dumps({"step": state.global_step, "epoch": state.epoch, **logs}) + "\n")

        self.callback = Callback()

    def keep_until(self, step: int) -> None:
        """Drop lines logged after `step` (a resumed run logs them again)."""
        if self.path.is_file():
            lines = [line for line in self.path.read_text().splitlines() if json.loads(line)["step"] <= step]
            self.path.write_text("".join(line + "\n" for line in lines))


def _last_checkpoint(checkpoints: Path) -> Path | None:
    found = [p for p in checkpoints.glob("checkpoint-*") if (p / "trainer_state.json").is_file()]
    return max(found, key=lambda p: int(p.name.split("-")[1]), default=None)


def run_train(
    student: str,
    pairs: Path,
    out: Path,
    config: Path | None,
    overrides: dict[str, dict[str, Any]] | None = None,
    resume: bool = False,
    allow_unmasked: bool = False,
) -> dict[str, Any]:
    """Train a LoRA adapter with DPO; returns a summary (steps, final metrics, paths).

    Settings: defaults < `config` (YAML) < `overrides` ({"dpo": {...}, "lora": {...}}, e.g. from flags).

    With `allow_unmasked`, pairs whose student turns the chat template hides are scored on every
    completion token instead of stopping the run (see training/assistant_loss.py).
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, set_seed

    from fcdpo.training.assistant_loss import AssistantOnlyDPOTrainer, assistant_only_collator
    from fcdpo.training.plots import plot_metrics

    settings = resolve(config, overrides)  # config mistakes surface before any model is loaded
    path, adapter = local_weights(student)
    if adapter:
        raise UserError(f"--student {student!r}: train from a base model; merge the adapter first (fcdpo merge)")
    checkpoints = out / "checkpoints"
    last = _last_checkpoint(checkpoints)  # None: a fresh run (also with --resume, when nothing was saved yet)
    if last is not None and not resume:
        raise UserError(f"{out} already holds a training run (up to {last.name}); use --resume or another --out")
    cuda = torch.cuda.is_available()
    dpo_config, lora_config = build(settings, checkpoints, cuda)
    set_seed(dpo_config.seed)

    pairs_file = pairs / PAIRS if pairs.is_dir() else pairs
    dataset = load_pairs(pairs_file)
    tokenizer = AutoTokenizer.from_pretrained(path)
    dataset = in_student_format(dataset, tokenizer)  # call text where the template shows no tool calls
    report = length_report(dataset, tokenizer, dpo_config.max_length)
    print(
        f"fcdpo: {report['pairs']} pairs; {report['dropped']} would be dropped (prompt alone ≥ max_length "
        f"{dpo_config.max_length}), {report['truncated']} truncated",
        file=sys.stderr,
    )
    if report["dropped"] == report["pairs"]:
        raise UserError(f"every pair's prompt reaches --max-length {dpo_config.max_length}; raise it")
    if report["dropped"] > DROP_WARNING * report["pairs"]:
        print(
            f"fcdpo: warning: {report['dropped']}/{report['pairs']} pairs will be dropped; consider a larger "
            "--max-length",
            file=sys.stderr,
        )

    out.mkdir(parents=True, exist_ok=True)
    record = {
        "student": student,
        "base_path": path,
        "pairs": str(pairs_file.resolve()),  # absolute: eval reads it from anywhere to check for overlap
        "pairs_sha256": hashlib.sha256(pairs_file.read_bytes()).hexdigest(),
        "dpo": settings["dpo"],
        "lora": settings["lora"],
        "device": "cuda (bf16)" if cuda else "cpu (fp32)",
        "length_report": report,
        "allow_unmasked": allow_unmasked,
    }
    (out / "config.yaml").write_text(yaml.safe_dump(record, sort_keys=False))
    metrics = MetricsLog(out / "metrics.jsonl")
    if last is not None:
        metrics.keep_until(json.loads((last / "trainer_state.json").read_text())["global_step"])
    elif (out / "metrics.jsonl").exists():
        (out / "metrics.jsonl").unlink()

    model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.bfloat16 if cuda else torch.float32)
    # Only the student's own turns are scored: tool results between them are inputs, not outputs.
    trainer = AssistantOnlyDPOTrainer(
        model=model,
        args=dpo_config,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=lora_config,
        data_collator=assistant_only_collator(tokenizer, model, dpo_config),
        callbacks=[metrics.callback],
        allow_unmasked=allow_unmasked,
    )
    result = trainer.train(resume_from_checkpoint=str(last) if last else None)
    trainer.save_model(str(out / "adapter"))
    tokenizer.save_pretrained(str(out / "adapter"))
    plot_metrics(out / "metrics.jsonl", out / "loss.png")
    return {
        "global_step": result.global_step,
        "training_loss": result.training_loss,
        "adapter": str(out / "adapter"),
        "resumed_from": last.name if last else None,
        "train_runtime": result.metrics.get("train_runtime"),
        "pairs_trained": len(trainer.train_dataset),  # after TRL's tokenization and filtering
    }
