"""CLI flags made from a config dataclass: one source for each setting's name, type, default and help.

A field `max_new_tokens: int = field(default=128, metadata={"help": "token budget per step"})`
becomes `--max-new-tokens N` (int, default 128, that help); `list[str]` fields take a
comma-separated value, `bool` fields are switches, and `metadata["choices"]` (or a `Literal` type) limits a
value. The help is `metadata["help"]`, else `metadata["description"]` (what LangGraph Studio shows for a
graph's `Context`), so a Studio setting and its flag share one text.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any


def comma_list(text: str) -> list[str]:
    """'math, logic' → ['math', 'logic']."""
    return [part.strip() for part in text.split(",") if part.strip()]


def add_fields(parser, cls, skip: tuple[str, ...] = (), aliases: dict[str, str] | None = None) -> list[str]:
    """Add one flag per field of dataclass `cls` (but `skip`); `aliases` adds an old name for a flag.

    Returns the field names added, to build the dataclass back from the parsed arguments.
    """
    hints = typing.get_type_hints(cls)
    added = []
    for spec in dataclasses.fields(cls):
        if spec.name in skip:
            continue
        kind, default = hints[spec.name], field_default(spec)
        names = [
            f"--{spec.name.replace('_', '-')}",
            *([aliases[spec.name]] if aliases and spec.name in aliases else []),
        ]
        text = spec.metadata.get("help") or spec.metadata.get("description", "")
        options: dict[str, Any] = {"dest": spec.name, "help": text}
        if kind is bool:
            options["action"] = "store_true"
        else:
            options["type"] = comma_list if typing.get_origin(kind) is list else _scalar(kind)
            options["default"] = default
            choices = spec.metadata.get("choices") or (
                list(typing.get_args(kind)) if typing.get_origin(kind) is typing.Literal else None
            )
            if choices:
                options["choices"] = choices
            if default is not None:
                shown = ",".join(default) if isinstance(default, list) else default
                options["help"] += f" (default: {shown})"
        parser.add_argument(*names, **options)
        added.append(spec.name)
    return added


def setting_help(cls, name: str) -> str:
    """The help text of field `name` of dataclass `cls`, for a flag added by hand that sets the same thing."""
    spec = next(f for f in dataclasses.fields(cls) if f.name == name)
    return spec.metadata.get("help") or spec.metadata.get("description", "")


def field_default(spec: dataclasses.Field) -> Any:
    """A dataclass field's default value (None when it has none)."""
    if spec.default is not dataclasses.MISSING:
        return spec.default
    return spec.default_factory() if spec.default_factory is not dataclasses.MISSING else None


def _scalar(kind: Any) -> type:
    """int, float or str (what `str | None` and a `Literal` of strings mean on the command line)."""
    if typing.get_origin(kind) is typing.Literal:
        return type(typing.get_args(kind)[0])
    options = [k for k in typing.get_args(kind) if k is not type(None)] or [kind]
    return options[0] if options[0] in (int, float, str) else str
