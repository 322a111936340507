"""`fcdpo solve`: run the agent on a question, on sample problems or on a dataset, and show each chain."""

from __future__ import annotations

import json
from dataclasses import fields, replace

from fcdpo.commands.flags import add_fields, setting_help
from fcdpo.errors import UserError
from fcdpo.graphs.context import Context
from fcdpo.graphs.generate import GenerateConfig, dataset_task
from fcdpo.tasks import SPLITS


def add_parser(commands) -> None:
    """Add `fcdpo solve` to the subcommands."""
    solve = commands.add_parser("solve", help="run the agent on a question or on sample problems")
    solve.add_argument("question", nargs="?", help="a question to solve (else use --sample or --dataset)")
    solve.add_argument("--answer", help="ground truth for QUESTION, to get a verdict")
    solve.add_argument(
        "--sample", type=int, metavar="N", help="solve the first N problems of --split (or of --dataset)"
    )
    solve.add_argument("--split", default="test", choices=SPLITS, help="generated split for --sample (default: test)")
    solve.add_argument("--dataset", metavar="FILE", help=setting_help(GenerateConfig, "dataset"))
    # The graph's own run-time settings, the ones LangGraph Studio shows: one definition for both.
    add_fields(solve, Context)
    solve.add_argument("--json", action="store_true", help="print one JSON trace per line")
    solve.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo solve`."""
    from fcdpo.graphs import build_graph, solve
    from fcdpo.graphs.show import show_trace
    from fcdpo.models import parse_spec

    parse_spec(args.model)  # a bad spec fails before any model is loaded
    context = Context(**{spec.name: getattr(args, spec.name) for spec in fields(Context)})
    problems = _problems(args)
    graph = build_graph()
    for problem in problems:
        # A dataset line names its own task.
        trace = solve(problem, replace(context, task=problem.task), graph=graph)
        if args.json:
            print(json.dumps(trace.to_dict()), flush=True)
        else:
            print(show_trace(trace), flush=True)
    return 0


def _problems(args):
    from fcdpo.tasks import get_task
    from fcdpo.tasks.dataset import load_dataset
    from fcdpo.types import Problem

    chosen = [bool(args.question), args.dataset is not None, args.sample is not None and args.dataset is None]
    if sum(chosen) != 1:
        raise UserError("solve needs exactly one of: a QUESTION, --sample N, or --dataset FILE [--sample N]")
    if args.sample is not None and args.sample < 1:
        raise UserError(f"--sample must be at least 1, got {args.sample}")
    if args.question:
        get_task(args.task)
        return [Problem(id="question", task=args.task, question=args.question, answer=args.answer)]
    if args.dataset:
        problems = load_dataset(args.dataset, dataset_task(args.dataset, [args.task]))
        return problems[: args.sample] if args.sample else problems
    problems = get_task(args.task).problems(args.split, args.sample, seed=args.seed or 0)
    if not problems:
        raise UserError(f"task {args.task} has no {args.split} problems (try --split train)")
    return problems
