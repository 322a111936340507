"""`fcdpo train`: DPO + LoRA on preference pairs with TRL's DPOTrainer.

Every field of TRL's `DPOConfig` is a flag (`--learning-rate`, TRL's `--learning_rate` too) and every field of
PEFT's `LoraConfig` a `--lora-` flag (`--lora-r`, `--lora-target-modules`), with the libraries' own help texts,
as TRL's `trl dpo` builds its flags with `HfArgumentParser`. That parser rejects LoraConfig's union-typed fields,
hence this thin mapping. Importing TRL takes seconds, so the CLI adds these flags only when the command is `train`.
"""

from __future__ import annotations

import argparse
import types
import typing
from enum import Enum
from typing import Any

import yaml

from fcdpo.commands.flags import field_default
from fcdpo.errors import UserError
from fcdpo.models import DEFAULT_MODEL

# The short names users know, beside the long ones.
ALIASES = {
    ("dpo", "num_train_epochs"): "--epochs",
    ("dpo", "learning_rate"): "--lr",
    ("dpo", "per_device_train_batch_size"): "--batch-size",
    ("dpo", "gradient_accumulation_steps"): "--grad-accum",
    ("dpo", "precompute_ref_log_probs"): "--precompute-ref",
    ("lora", "lora_alpha"): "--lora-alpha",
    ("lora", "lora_dropout"): "--lora-dropout",
}


def add_parser(commands) -> None:
    """Add `fcdpo train` to the subcommands (its DPO/LoRA flags come with `add_trainer_fields`)."""
    train = commands.add_parser(
        "train",
        help="DPO + LoRA on preference pairs (TRL DPOTrainer)",
        usage="fcdpo train --pairs PAIRS --out RUN [--student SPEC] [--config YAML] [--resume] [DPO/LoRA flags]",
        epilog="Every DPOConfig field is a flag, every LoraConfig field a --lora- flag (listed above).",
    )
    train.add_argument("--student", default=DEFAULT_MODEL, help=f"base model spec (default: {DEFAULT_MODEL})")
    train.add_argument("--pairs", required=True, metavar="PAIRS", help="`fcdpo export` output dir (or pairs.jsonl)")
    train.add_argument(
        "--out", required=True, metavar="RUN", help="run dir: adapter/, config.yaml, metrics.jsonl, loss.png"
    )
    train.add_argument(
        "--config", metavar="YAML", help="dpo: (DPOConfig fields) and lora: (LoraConfig fields) settings"
    )
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint in RUN")
    train.add_argument(
        "--allow-unmasked",
        action="store_true",
        help="train even where the chat template hides the student's turns (tool results are then scored too)",
    )
    train.set_defaults(func=run)


def add_trainer_fields(train: argparse.ArgumentParser) -> None:
    """One flag per DPOConfig / LoraConfig field; the flags given are what `overrides(args)` returns."""
    from fcdpo.training.train_config import defaults, trainer_fields

    ours = defaults()
    for section, spec, kind in trainer_fields():
        name = spec.name.replace("_", "-")
        names = [f"--{name}", f"--{spec.name}"] if section == "dpo" else [f"--lora-{name}"]
        names += [ALIASES[section, spec.name]] if (section, spec.name) in ALIASES else []
        default = ours[section].get(spec.name, field_default(spec))
        options: dict[str, Any] = {
            "dest": f"{section}.{spec.name}",
            "default": argparse.SUPPRESS,  # only flags given override the config
            "help": f"{spec.metadata.get('help', '')} (default: {default})",  # written for argparse: `%%`
        }
        value_type = _value_type(kind)
        if value_type is bool:
            options["action"] = argparse.BooleanOptionalAction  # --x / --no-x: some defaults are true
        else:
            options["type"] = value_type
            options["metavar"] = "VALUE" if value_type is yaml_value else value_type.__name__.upper()
            choices = _choices(kind)
            if choices:
                options["choices"] = choices
        train.add_argument(*dict.fromkeys(names), **options)


def _value_type(kind: Any):
    """bool, int, float or str where the field is one of them (or optional); else a YAML value (`[q, v]`)."""
    if typing.get_origin(kind) is typing.Literal:
        return type(typing.get_args(kind)[0])
    union = typing.get_origin(kind) in (typing.Union, types.UnionType)
    members = [k for k in (typing.get_args(kind) if union else [kind]) if k is not type(None)]
    plain = [k for k in members if not (isinstance(k, type) and issubclass(k, Enum))]  # `SchedulerType | str`
    if len(plain) == 1 and plain[0] in (bool, int, float, str):
        return plain[0]
    return yaml_value


def _choices(kind: Any) -> list[Any] | None:
    """The values a `Literal` field (or an optional one) allows."""
    members = [k for k in typing.get_args(kind) if k is not type(None)] if typing.get_origin(kind) else []
    if typing.get_origin(kind) is not typing.Literal and len(members) == 1:
        kind = members[0]
    return list(typing.get_args(kind)) if typing.get_origin(kind) is typing.Literal else None


def yaml_value(text: str) -> Any:
    """A flag value read as YAML, as the same key in a config file would be: `all-linear`, `[q_proj, v_proj]`, `8`."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        raise argparse.ArgumentTypeError(f"not a YAML value: {text!r}") from None


def overrides(args) -> dict[str, dict[str, Any]]:
    """The DPO/LoRA flags given, as {section: {field: value}}."""
    found: dict[str, dict[str, Any]] = {}
    for dest, value in vars(args).items():
        section, _, field = dest.partition(".")
        if field and section in ("dpo", "lora"):
            found.setdefault(section, {})[field] = value
    return found


def run(args) -> int:
    """Run `fcdpo train`."""
    from pathlib import Path

    from fcdpo.training.train import run_train

    if not Path(args.pairs).exists():
        raise UserError(f"--pairs {args.pairs}: no such file or dir")
    summary = run_train(
        args.student,
        Path(args.pairs),
        Path(args.out),
        Path(args.config) if args.config else None,
        overrides(args),
        args.resume,
        args.allow_unmasked,
    )
    resumed = f" (resumed from {summary['resumed_from']})" if summary["resumed_from"] else ""
    print(
        f"{args.out}: {summary['global_step']} steps on {summary['pairs_trained']} pairs{resumed}, "
        f"mean loss {summary['training_loss']:.4f}; adapter in {summary['adapter']}"
    )
    print(f"use it as: --model {args.student}+{summary['adapter']}")
    return 0
