"""`fcdpo merge`: fold a trained adapter into a full model dir (`hf:MODEL_DIR`)."""

from __future__ import annotations


def add_parser(commands) -> None:
    """Add `fcdpo merge` to the subcommands."""
    merge = commands.add_parser("merge", help="fold a trained adapter into a full model dir (hf:MODEL_DIR)")
    merge.add_argument("run", metavar="RUN", help="`fcdpo train` output dir")
    merge.add_argument("--out", required=True, metavar="MODEL_DIR")
    merge.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo merge`."""
    from pathlib import Path

    from fcdpo.training.merge import run_merge

    out = run_merge(Path(args.run), Path(args.out))
    print(f"merged model in {out}; use it as: --model hf:{out}")
    return 0
