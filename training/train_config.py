"""Resolve `fcdpo train` settings onto TRL's `DPOConfig` and PEFT's `LoraConfig`.

Precedence: `training/defaults.yaml` (ours) < the user's `--config` YAML < CLI flags.
Keys are the real field names of those two classes, so nothing is re-declared here; an
unknown key or a value of the wrong type stops with a message naming it.
"""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import yaml

from fcdpo.errors import UserError

DEFAULTS = Path(__file__).resolve().parent / "defaults.yaml"  # shipped as package data
SECTIONS = ("dpo", "lora")


# Set by `fcdpo train` itself (`build`: the run dir, no hub reporting, the device), so neither flags nor keys.
SET_BY_TRAIN = {"dpo": ("output_dir", "report_to", "bf16", "use_cpu"), "lora": ()}


def _classes():
    from peft import LoraConfig
    from trl import DPOConfig

    return {"dpo": DPOConfig, "lora": LoraConfig}


def trainer_fields() -> list[tuple[str, dataclasses.Field, Any]]:
    """(section, field, type) of every DPOConfig and LoraConfig field a user may set (imports TRL: seconds)."""
    found = []
    for section, cls in _classes().items():
        hints = typing.get_type_hints(cls)
        found += [
            (section, spec, hints[spec.name])
            for spec in dataclasses.fields(cls)
            if spec.init and spec.name not in SET_BY_TRAIN[section]
        ]
    return found


def defaults() -> dict[str, dict[str, Any]]:
    """Our defaults (`training/defaults.yaml`), which replace TRL's and PEFT's where they name a field."""
    return read_yaml(DEFAULTS)


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
            if key in SET_BY_TRAIN[section]:
                raise UserError(
                    f"{where}: {section}.{key} is set by fcdpo train itself (output: --out; device: found)"
                )
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


def resolve(user_yaml: Path | None, overrides: dict[str, dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Merged settings: defaults < user YAML < `overrides` ({section: {field: value}}, e.g. from flags)."""
    merged = defaults()
    layers = [read_yaml(user_yaml)] if user_yaml is not None else []
    for layer in [*layers, check_sections(overrides or {}, "flags")]:
        for section, values in layer.items():
            merged[section].update(values)
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
