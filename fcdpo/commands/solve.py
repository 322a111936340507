"""`fcdpo solve`: run the agent on a question, on sample problems or on a dataset, and show each chain."""

from __future__ import annotations

import json

from fcdpo.errors import UserError
from fcdpo.models import DEFAULT_MODEL


def add_parser(commands) -> None:
    """Add `fcdpo solve` to the subcommands."""
    solve = commands.add_parser("solve", help="run the agent on a question or on sample problems")
    solve.add_argument("question", nargs="?", help="a question to solve (else use --sample or --dataset)")
    solve.add_argument("--task", default="math", help="math or logic (default: math)")
    solve.add_argument("--answer", help="ground truth for QUESTION, to get a verdict")
    solve.add_argument("--model", default=DEFAULT_MODEL, help=f"model spec (default: {DEFAULT_MODEL})")
    solve.add_argument(
        "--sample", type=int, metavar="N", help="solve the first N problems of --split (or of --dataset)"
    )
    solve.add_argument(
        "--split", default="test", choices=["train", "test"], help="generated split for --sample (default: test)"
    )
    solve.add_argument("--dataset", metavar="FILE", help="JSONL problems (id, task, question, answer)")
    solve.add_argument("--max-steps", type=int, default=20, help="step limit per chain (default: 20)")
    solve.add_argument("--temperature", type=float, default=0.0, help="0 is greedy (default)")
    solve.add_argument("--seed", type=int, default=0, help="sampling seed and generator seed (default: 0)")
    solve.add_argument(
        "--call-format", default="text", choices=["text", "native"], help="call protocol (default: text)"
    )
    solve.add_argument("--base-url", help="server URL for openai: models (else OPENAI_BASE_URL)")
    solve.add_argument("--json", action="store_true", help="print one JSON trace per line")
    solve.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo solve`."""
    from fcdpo.graphs import Context, build_graph, solve
    from fcdpo.graphs.show import show_trace
    from fcdpo.models import parse_spec

    problems = _problems(args)
    parse_spec(args.model)  # a bad spec fails before any model is loaded
    graph = build_graph()
    for problem in problems:
        context = Context(
            model=args.model,
            task=problem.task,
            max_steps=args.max_steps,
            temperature=args.temperature,
            seed=args.seed,
            call_format=args.call_format,
            base_url=args.base_url,
        )
        trace = solve(problem, context, graph=graph)
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
        problems = load_dataset(args.dataset)
        return problems[: args.sample] if args.sample else problems
    return get_task(args.task).problems(args.split, args.sample, seed=args.seed)
