"""The `fcdpo` command line.

    fcdpo models list
    fcdpo models pull qwen2.5-coder-0.5b
    fcdpo solve --task logic --model qwen2.5-coder-0.5b --sample 1
    fcdpo solve --task math "A pen costs $3. How much do 4 pens cost?"
    fcdpo solve --dataset problems.jsonl --sample 5 --json
    fcdpo generate --model qwen2.5-coder-0.5b --task math,logic --problems 4 --samples 3 --out runs/t
    fcdpo export runs/t --out runs/p --mode step
    fcdpo train --student smollm2-135m --pairs runs/p --out runs/s --max-steps 5
    fcdpo merge runs/s --out runs/merged
    fcdpo solve --model smollm2-135m+runs/s/adapter --sample 1
    fcdpo pipeline --config configs/demo.yaml --out runs/demo
    fcdpo serve --model smollm2-135m+runs/s/adapter --port 8000
    fcdpo eval --model smollm2-135m --model smollm2-135m+runs/s/adapter --task logic --problems 20 --out runs/e
    fcdpo dataset gsm-symbolic --problems 200 --out data/gsm-symbolic.jsonl

User mistakes end with exit code 2 and one line on stderr; set FCDPO_DEBUG=1 for tracebacks.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from fcdpo import __version__
from fcdpo.commands import COMMANDS, train
from fcdpo.errors import UserError


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) with exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def make_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser for every subcommand, for the command line `argv`.

    `train`'s flags for every DPOConfig / LoraConfig field need TRL imported (seconds), so they are added
    only when `argv` runs `train`.
    """
    parser = _Parser(prog="fcdpo", description="Teach small language models to reason with function calls.")
    parser.add_argument("--version", action="version", version=f"fcdpo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    if next((word for word in argv if not word.startswith("-")), None) == "train":
        train.add_trainer_fields(commands.choices["train"])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `fcdpo` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = make_parser(argv).parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"fcdpo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fcdpo: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a failure of ours or of a model server: one line unless debugging
        if os.environ.get("FCDPO_DEBUG"):
            raise
        print(
            f"fcdpo: error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (FCDPO_DEBUG=1 "
            "shows the traceback)",
            file=sys.stderr,
        )
        return 1
    finally:
        _flush_traces()


def _flush_traces() -> None:
    """Send buffered LangSmith runs before the process ends (its client posts from a background thread)."""
    from langsmith import utils as langsmith_utils

    if langsmith_utils.tracing_is_enabled():
        from langchain_core.tracers.langchain import wait_for_all_tracers

        wait_for_all_tracers()


if __name__ == "__main__":
    sys.exit(main())
