"""`fcdpo examples pick`: write a task's few-shot examples from the shortest clean right chains of a run."""

from __future__ import annotations


def add_parser(commands) -> None:
    """Add `fcdpo examples` to the subcommands."""
    examples = commands.add_parser("examples", help="few-shot examples for a task")
    actions = examples.add_subparsers(dest="examples_command", required=True, parser_class=type(examples))
    pick = actions.add_parser("pick", help="the shortest right, error-free chains of a generate run (train only)")
    pick.add_argument("run", metavar="RUN", help="`fcdpo generate` output dir")
    pick.add_argument("--task", required=True, help="the task (name or path/to/task.py:task)")
    pick.add_argument("--count", type=int, default=2, help="how many examples (default: 2)")
    pick.add_argument("--out", metavar="FILE", help="examples file to write (default: the task's own)")
    examples.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo examples pick`."""
    from pathlib import Path

    from fcdpo.errors import UserError
    from fcdpo.tasks import get_task
    from fcdpo.tasks.plugin import write_examples
    from fcdpo.training.pick_examples import pick_examples

    if args.count < 1:
        raise UserError(f"--count must be at least 1, got {args.count}")
    picked = pick_examples(Path(args.run), args.task, args.count)
    out = Path(args.out) if args.out else getattr(get_task(args.task), "examples_file", None)
    if out is None:
        raise UserError(f"task {args.task} has no examples file: name one with --out")
    write_examples(out, picked)
    print(f"{out}: {len(picked)} examples ({', '.join(str(len(ex.calls)) for ex in picked)} calls)")
    return 0
