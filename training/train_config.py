"""Resolve `fcdpo train` settings onto TRL's `DPOConfig` and PEFT's `LoraConfig`.

Precedence: `training/defaults.yaml` (ours) < the user's `--config` YAML < CLI flags.
Keys are the real field names of those two classes, so nothing is re-declared here; an
unknown key or a value of the wrong type stops with a message naming it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from fcdpo.errors import UserError

DEFAULTS = Path(__file__).resolve().parent / "defaults.yaml"  # shipped as package data
SECTIONS = ("dpo", "lora")


def _sets(section: str, key: str, text: str):
    """A flag that overrides `key` of the `section` YAML section (None: not given)."""
    return dataclasses.field(default=None, metadata={"help": text, "sets": (section, key)})


@dataclasses.dataclass
class TrainFlags:
    """The `fcdpo train` flags: each overrides one DPOConfig / LoraConfig field of the resolved settings."""

    epochs: float | None = _sets("dpo", "num_train_epochs", "num_train_epochs")
    max_steps: int | None = _sets("dpo", "max_steps", "stop after this many optimizer steps")
    lr: float | None = _sets("dpo", "learning_rate", "learning_rate")
    beta: float | None = _sets("dpo", "beta", "DPO beta")
    max_length: int | None = _sets("dpo", "max_length", "max tokens of prompt + completion")
    batch_size: int | None = _sets("dpo", "per_device_train_batch_size", "per_device_train_batch_size")
    grad_accum: int | None = _sets("dpo", "gradient_accumulation_steps", "gradient_accumulation_steps")
    save_steps: int | None = _sets("dpo", "save_steps", "checkpoint every N steps")
    precompute_ref: bool = dataclasses.field(
        default=False,
        metadata={
            "help": "compute reference log-probs once, before training",
            "sets": ("dpo", "precompute_ref_log_probs"),
        },
    )
    lora_r: int | None = _sets("lora", "r", "LoRA rank")
    lora_alpha: int | None = _sets("lora", "lora_alpha", "LoRA alpha")


# CLI flag → (section, field).
FLAGS = {spec.name: spec.metadata["sets"] for spec in dataclasses.fields(TrainFlags)}


def _classes():
    from peft import LoraConfig
    from trl import DPOConfig

    return {"dpo": DPOConfig, "lora": LoraConfig}


def load_yaml(path: Path) -> Any:
    """A config file's YAML ({} when empty); a missing file or bad YAML is a one-line UserError."""
    if not path.is_file():
        raise UserError(f"{path}: no such config file")
    try:
        return yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({str(exc).splitlines()[0]})") from None


def read_yaml(path: Path) -> dict[str, dict[str, Any]]:
    """A train YAML as {section: {field: value}}, with sections and fields checked."""
    return check_sections(load_yaml(path), str(path))


def check_sections(data: Any, where: str) -> dict[str, dict[str, Any]]:
    """Train settings {section: {field: value}}, with sections, keys and value types checked.

    Errors start with `where`.
    """
    if not isinstance(data, dict):
        raise UserError(f"{where}: expected sections {' and '.join(SECTIONS)}")
    classes = _classes()
    for section, values in data.items():
        if section not in SECTIONS:
            raise UserError(f"{where}: unknown section {section!r} (expected {', '.join(SECTIONS)})")
        if not isinstance(values, dict):
            raise UserError(f"{where}: section {section!r} must be a mapping")
        fields = {f.name: f for f in dataclasses.fields(classes[section])}
        for key, value in values.items():
            if key not in fields:
                raise UserError(f"{where}: unknown key {section}.{key} (not a {classes[section].__name__} field)")
            _check_type(f"{where}: {section}.{key}", fields[key], value)
    return {section: dict(data.get(section) or {}) for section in SECTIONS}


def _check_type(where: str, field: dataclasses.Field, value: Any) -> None:
    """Reject values whose type plainly contradicts the field's default (int, float, bool, str)."""
    default = field.default
    if default is None or default is dataclasses.MISSING or value is None:
        return
    if isinstance(default, bool):
        ok = isinstance(value, bool)
    elif isinstance(default, (int, float)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif isinstance(default, str):
        ok = isinstance(value, str)
    else:
        return
    if not ok:
        kind = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string"}[
            type(default).__name__
        ]
        raise UserError(f"{where} must be {kind}, got {value!r}")


def resolve(user_yaml: Path | None, flags: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Merged settings: defaults < user YAML < flags that were given (not None)."""
    merged = read_yaml(DEFAULTS)
    if user_yaml is not None:
        for section, values in read_yaml(user_yaml).items():
            merged[section].update(values)
    for flag, value in flags.items():
        if value is not None and value is not False:
            section, key = FLAGS[flag]
            merged[section][key] = value
    return merged


def build(settings: dict[str, dict[str, Any]], output_dir: Path, cuda: bool):
    """`(DPOConfig, LoraConfig)` from resolved settings; CPU trains in fp32, a GPU in bf16."""
    classes = _classes()
    dpo = dict(settings["dpo"])
    dpo.update(output_dir=str(output_dir), report_to="none", bf16=cuda, use_cpu=not cuda)
    try:
        return classes["dpo"](**dpo), classes["lora"](**settings["lora"])
    except (TypeError, ValueError) as exc:
        raise UserError(f"train config: {str(exc).splitlines()[0]}") from None
