"""`fcdpo export`: judged chains → DPO preference pairs (and LangSmith dataset examples)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from fcdpo.commands.flags import add_fields
from fcdpo.training.pairs import PairSettings


def add_parser(commands) -> None:
    """Add `fcdpo export` to the subcommands."""
    export = commands.add_parser("export", help="judged chains → DPO preference pairs")
    export.add_argument("dirs", nargs="*", metavar="DIR", help="generate run dirs (or traces.jsonl files)")
    export.add_argument(
        "--from-langsmith",
        metavar="PROJECT",
        help="also pair the graded root runs of this LangSmith project (any LangGraph agent whose outputs hold "
        "`messages`); needs --task",
    )
    export.add_argument("--task", help="the task of the LangSmith runs (its tools and grader): math, logic, a plug-in")
    export.add_argument(
        "--feedback-key",
        default="correct",
        help="LangSmith feedback key: score 1 chosen, 0 rejected (default: correct)",
    )
    export.add_argument("--since", type=_date, metavar="DATE", help="only LangSmith runs started on or after DATE")
    export.add_argument("--out", required=True, metavar="PAIRS", help="output dir: pairs.jsonl + stats.json")
    settings = add_fields(export, PairSettings)
    export.add_argument(
        "--rejected-from",
        metavar="DIR",
        action="append",
        help="take rejected chains from this run (e.g. the student's own); repeat to pool several runs",
    )
    export.add_argument(
        "--skip-bad", action="store_true", help="skip and count corrupt trace lines instead of stopping"
    )
    export.add_argument("--langsmith-examples", metavar="FILE", help="also write LangSmith dataset examples (JSONL)")
    export.add_argument(
        "--langsmith-dataset",
        metavar="NAME",
        help="also upload those examples to LangSmith dataset NAME (needs LANGSMITH_ENDPOINT or LANGSMITH_API_KEY; "
        "without one they are written to PAIRS/langsmith-examples.jsonl)",
    )
    export.set_defaults(func=run, settings=settings)


def _date(text: str) -> datetime:
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
    return day if day.tzinfo else day.replace(tzinfo=timezone.utc)


def _from_langsmith(args) -> Path:
    """The project's graded runs written as a traces dir under PAIRS; prints what was read and skipped."""
    from fcdpo.training.collect import write_traces
    from fcdpo.training.langsmith_source import traces_from_langsmith

    traces, counts = traces_from_langsmith(args.from_langsmith, args.task, args.feedback_key, args.since)
    target = Path(args.out) / "langsmith-traces"
    if (target / "traces.jsonl").exists():
        (target / "traces.jsonl").unlink()  # a fresh read of the project replaces the last one
    write_traces(traces, target)
    skipped = ", ".join(
        f"{k.removeprefix('skipped_').replace('_', ' ')} {v}" for k, v in counts.items() if k.startswith("skipped_")
    )
    print(
        f"LangSmith {args.from_langsmith!r}: {counts.get('runs', 0)} root runs, {counts.get('correct', 0)} scored 1, "
        f"{counts.get('incorrect', 0)} scored 0; skipped: {skipped or 'none'}"
    )
    return target


def run(args) -> int:
    """Run `fcdpo export`."""
    from langsmith import utils as langsmith_utils

    from fcdpo.errors import UserError
    from fcdpo.training.export import run_export, upload_examples

    if not args.dirs and not args.from_langsmith:
        raise UserError("give run dirs to export, or --from-langsmith PROJECT")
    if args.from_langsmith and not args.task:
        raise UserError("--from-langsmith needs --task: the task whose tools and grader the runs used")
    dirs = [Path(d) for d in args.dirs] + ([_from_langsmith(args)] if args.from_langsmith else [])

    examples_file = args.langsmith_examples or (
        str(Path(args.out) / "langsmith-examples.jsonl") if args.langsmith_dataset else None
    )
    stats = run_export(
        dirs,
        Path(args.out),
        rejected_from=[Path(d) for d in args.rejected_from] if args.rejected_from else None,
        skip_bad=args.skip_bad,
        langsmith_file=Path(examples_file) if examples_file else None,
        **{name: getattr(args, name) for name in args.settings},
    )
    tasks = ", ".join(f"{task} {n}" for task, n in stats["pairs_per_task"].items()) or "none"
    reasons = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in stats["no_pair"].items())
    print(f"{args.out}: {stats['pairs']} {stats['mode']}-mode pairs ({tasks}) from {stats['chains']['read']} chains")
    print(f"problems with pairs: {stats['problems_with_pairs']}/{stats['problems']}; without: {reasons}")
    if stats["bad_lines_skipped"]:
        print(f"skipped {stats['bad_lines_skipped']} bad trace line(s)")
    if args.langsmith_dataset:
        if langsmith_utils.get_env_var("ENDPOINT") or langsmith_utils.get_env_var("API_KEY"):
            examples = [json.loads(line) for line in Path(examples_file).read_text().splitlines()]
            sent = upload_examples(args.langsmith_dataset, examples)
            print(f"LangSmith dataset {args.langsmith_dataset!r}: {sent} examples uploaded")
        else:
            print(
                "no LangSmith endpoint configured (LANGSMITH_ENDPOINT / LANGSMITH_API_KEY): examples written to "
                f"{examples_file}"
            )
    return 0
