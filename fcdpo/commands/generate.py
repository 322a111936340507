"""`fcdpo generate`: a model's chains for many problems, K samples each, into a resumable run dir.

Its flags are the fields of `GenerateConfig` (what decides the chains) and `RunOptions` (how the run
executes), with their types, defaults and help (`fcdpo.commands.flags`).
"""

from __future__ import annotations

import argparse

from fcdpo.commands.flags import add_fields
from fcdpo.graphs.generate import GenerateConfig, RunOptions

AUTOMATIC = ("dataset_sha256", "fingerprint")  # set by the config itself


def add_parser(commands) -> None:
    """Add `fcdpo generate` to the subcommands."""
    generate = commands.add_parser("generate", help="a model's chains for many problems, K samples each (resumable)")
    generate.add_argument("--out", required=True, metavar="DIR", help="run dir: traces.jsonl + manifest.json")
    config_fields = add_fields(generate, GenerateConfig, skip=AUTOMATIC, aliases={"tasks": "--task"})
    generate.add_argument("--teacher", action=Renamed, new="--model", help=argparse.SUPPRESS)
    option_fields = add_fields(generate, RunOptions, skip=("progress",))
    generate.set_defaults(func=run, config_fields=config_fields, option_fields=option_fields)


class Renamed(argparse.Action):
    """A retired flag: one line that names its new name, instead of argparse's list of every flag."""

    def __init__(self, option_strings, dest, new: str, **kwargs):
        self.new = new
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        """Stop with the one line."""
        parser.error(f"{option_string} is now {self.new} (the model that writes the chains: a teacher or the student)")


def run(args) -> int:
    """Run `fcdpo generate`."""
    from pathlib import Path

    from fcdpo.graphs.generate import format_summary, run_generate

    config = GenerateConfig(**{name: getattr(args, name) for name in args.config_fields})
    options = RunOptions(**{name: getattr(args, name) for name in args.option_fields})
    manifest = run_generate(config, Path(args.out), options)
    chains = manifest["chains"]
    print(f"{args.out}: {chains['total']} chains ({chains['this_run']} new, {chains['resumed_from']} from before)")
    print(format_summary(manifest["summary"]))
    return 0
