"""`fcdpo dataset`: write problems written outside fcdpo as JSONL, for `eval --dataset`."""

from __future__ import annotations


def add_parser(commands) -> None:
    """Add `fcdpo dataset` to the subcommands."""
    dataset = commands.add_parser("dataset", help="write problems written outside fcdpo as JSONL, for eval --dataset")
    dataset.add_argument(
        "source",
        help="gsm-symbolic (word problems from GSM8K test templates) or prontoqa-style (rule bases in ProntoQA's "
        "published format); evaluation only",
    )
    dataset.add_argument(
        "--task",
        help="the task the lines are for where a source fits several (prontoqa-style: any logic task; "
        "default: the family's first)",
    )
    dataset.add_argument("--problems", type=int, default=200, help="how many (default: 200)")
    dataset.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    dataset.add_argument("--out", required=True, metavar="FILE", help="JSONL file to write")
    dataset.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo dataset`."""
    from pathlib import Path

    from fcdpo.evals.external import write_dataset

    written = write_dataset(args.source, args.problems, Path(args.out), args.seed, args.task)
    print(f"{args.out}: {written} {args.source} problems (for evaluation only: never train on them)")
    return 0
