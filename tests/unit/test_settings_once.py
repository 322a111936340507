"""Each setting is written once: a flag that several commands share has one default and one help text, and the
chain settings are one dataclass that the graph's context, `generate`, `eval` and the presets' sections all use.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict
from dataclasses import fields

from fcdpo.cli import make_parser
from fcdpo.evals.run import EvalSettings
from fcdpo.graphs.context import ChainSettings, Context
from fcdpo.graphs.generate import GenerateConfig

# The same name, deliberately not the same setting: what each command does differs.
DIFFERENT = {
    "temperature": "generate samples several chains a problem; solve is greedy",
    "top_p": "generate samples; solve is greedy",
    "seed": "generate seeds problems and samples; solve samples only when given one",
    "problems": "generate's problems per task against eval's",
    "concurrency": "generate runs one chain at a time unless told; eval several",
    "limit": "eval's problems per task or file against BFCL's entries per category",
    "max_steps": "train's optimizer steps against a chain's calls (both called so in TRL and LangGraph)",
    "split": "generate draws training problems; eval and solve test problems",
    "out": "each command's own output",
    "model": "each command names its own kind of model",
    "task": "eval and generate take several tasks, solve one",
    "dataset": "solve takes one problem file; generate and eval say what it is for",
    "json": "solve prints traces, eval its results",
    "config": "train's DPO/LoRA settings file against pipeline's preset",
}


def shared_flags() -> dict[str, list[tuple[str, object, str]]]:
    """Every flag of every subcommand: dest → [(command, default, help without its '(default: …)')]."""
    parser = make_parser(["train"])  # train's DPO/LoRA flags too
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: dict[str, list[tuple[str, object, str]]] = defaultdict(list)
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.dest in ("help", argparse.SUPPRESS) or action.help == argparse.SUPPRESS:
                continue
            text = re.sub(r" \(default: [^)]*\)$", "", action.help or "")
            found[action.dest].append((name, action.default, text))
    return found


def test_a_flag_shared_by_commands_has_one_default_and_one_help():
    mismatched = []
    for dest, places in shared_flags().items():
        if dest in DIFFERENT or len(places) < 2:
            continue
        if len({repr(default) for _, default, _ in places}) > 1 or len({text for *_, text in places}) > 1:
            mismatched.append(f"--{dest.replace('_', '-')}: " + "; ".join(f"{c}: {d!r} {t!r}" for c, d, t in places))
    assert not mismatched, "\n".join(mismatched)


def test_the_chain_settings_are_one_dataclass_in_the_context_and_every_config():
    chain = {spec.name: (spec.default, spec.metadata) for spec in fields(ChainSettings)}
    for cls in (Context, GenerateConfig, EvalSettings):
        assert issubclass(cls, ChainSettings)
        assert {spec.name: (spec.default, spec.metadata) for spec in fields(cls) if spec.name in chain} == chain
    for command in ("solve", "generate", "eval"):
        flags = {dest for dest, places in shared_flags().items() if any(c == command for c, *_ in places)}
        assert set(chain) <= flags, f"fcdpo {command} lacks {set(chain) - flags}"
