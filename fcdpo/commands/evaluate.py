"""`fcdpo eval`: compare models on the same problems (or BFCL entries), side by side."""

from __future__ import annotations

import json
from dataclasses import fields

from fcdpo.commands.flags import add_fields, comma_list, setting_help
from fcdpo.evals.run import EvalSettings
from fcdpo.graphs.generate import GenerateConfig, RunOptions
from fcdpo.tasks import DEFAULT_TASKS, SPLITS


def add_parser(commands) -> None:
    """Add `fcdpo eval` to the subcommands."""
    evaluate = commands.add_parser(
        "eval", help="compare models on the same problems: accuracy with intervals, paired tests"
    )
    evaluate.add_argument(
        "--model", action="append", required=True, metavar="SPEC", help="model spec; repeat to compare models"
    )
    evaluate.add_argument(
        "--task",
        type=comma_list,
        default=list(DEFAULT_TASKS),
        help=f"comma-separated tasks: names or path/to/task.py:task (default: {','.join(DEFAULT_TASKS)})",
    )
    evaluate.add_argument("--split", default="test", choices=SPLITS, help="generated split (default: test)")
    add_fields(evaluate, EvalSettings, aliases={"baselines": "--baseline"})
    evaluate.add_argument("--dataset", metavar="FILE", help=setting_help(GenerateConfig, "dataset"))
    evaluate.add_argument(
        "--bfcl",
        type=comma_list,
        metavar="CATEGORIES",
        help="BFCL v4 regression check instead of the tasks: simple,multiple",
    )
    evaluate.add_argument(
        "--allow-overlap", action="store_true", help="evaluate even on problems a student was trained on (warns)"
    )
    evaluate.add_argument(
        "--out",
        metavar="DIR",
        help="results and traces (default: runs/eval/<problems>, one dir per problem set, so a re-run resumes)",
    )
    evaluate.add_argument("--base-url", help=setting_help(RunOptions, "base_url"))
    evaluate.add_argument("--json", action="store_true", help="print the results JSON to stdout")
    evaluate.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo eval`."""
    from pathlib import Path

    from fcdpo.evals.report import bfcl_markdown, markdown
    from fcdpo.evals.run import default_out, eval_configs, run_bfcl_eval, run_eval

    options = RunOptions(concurrency=args.concurrency, base_url=args.base_url)
    if args.bfcl is not None:
        out = Path(args.out or "runs/eval/bfcl")
        results = run_bfcl_eval(args.model, args.bfcl, args.limit, out, options)
        print(
            json.dumps(results)
            if args.json
            else bfcl_markdown(results) + f"\nwritten: {out}/bfcl_results.json, bfcl_results.md"
        )
        return 0
    settings = EvalSettings(**{f.name: getattr(args, f.name) for f in fields(EvalSettings)})
    configs = eval_configs(args.model, args.task, settings, args.split, args.dataset)
    out = Path(args.out) if args.out else default_out(configs[0])
    results = run_eval(configs, out, options, args.allow_overlap, args.baselines, args.cot_budget)
    if args.json:
        print(json.dumps(results))
    else:
        print(markdown(results) + f"\nwritten: {out}/results.json, results.md, accuracy.png")
    return 0
