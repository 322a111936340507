"""`fcdpo generate`: a model's chains for many problems, K samples each, into a resumable run dir."""

from __future__ import annotations

from fcdpo.models import DEFAULT_MODEL


def add_parser(commands) -> None:
    """Add `fcdpo generate` to the subcommands."""
    generate = commands.add_parser("generate", help="teacher chains for many problems, K samples each (resumable)")
    generate.add_argument("--teacher", default=DEFAULT_MODEL, help=f"model spec (default: {DEFAULT_MODEL})")
    generate.add_argument("--task", default="math,logic", help="comma-separated tasks (default: math,logic)")
    generate.add_argument("--problems", type=int, default=10, help="problems per task (default: 10)")
    generate.add_argument("--samples", type=int, default=4, help="chains per problem (default: 4)")
    generate.add_argument("--split", default="train", help="generated split (default: train)")
    generate.add_argument("--out", required=True, metavar="DIR", help="run dir: traces.jsonl + manifest.json")
    generate.add_argument("--dataset", metavar="FILE", help="JSONL problems instead of generated ones")
    generate.add_argument("--concurrency", type=int, default=1, help="chains run at once (default: 1)")
    generate.add_argument("--temperature", type=float, default=0.7, help="sampling temperature (default: 0.7)")
    generate.add_argument("--top-p", type=float, default=0.95, help="nucleus sampling mass (default: 0.95)")
    generate.add_argument("--seed", type=int, default=0, help="problem and sampling seed (default: 0)")
    generate.add_argument("--max-steps", type=int, default=20, help="step limit per chain (default: 20)")
    generate.add_argument("--max-new-tokens", type=int, default=128, help="token budget per step (default: 128)")
    generate.add_argument(
        "--call-format", default="text", choices=["text", "native"], help="call protocol (default: text)"
    )
    generate.add_argument("--base-url", help="server URL for openai: teachers (else OPENAI_BASE_URL)")
    generate.add_argument(
        "--retries",
        type=int,
        default=3,
        help="retries of a failing chain before it is recorded as failed (default: 3)",
    )
    generate.add_argument(
        "--backoff", type=float, default=1.0, help="seconds before the first retry, doubling (default: 1)"
    )
    generate.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per request to an openai: teacher (default: 120)"
    )
    generate.add_argument(
        "--force", action="store_true", help="start DIR over when its config differs (old files are kept aside)"
    )
    generate.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo generate`."""
    from pathlib import Path

    from fcdpo.graphs.generate import GenerateConfig, RunOptions, format_summary, run_generate

    config = GenerateConfig(
        teacher=args.teacher,
        tasks=[t.strip() for t in args.task.split(",") if t.strip()],
        problems=args.problems,
        samples=args.samples,
        split=args.split,
        temperature=args.temperature,
        top_p=args.top_p,
        seed=args.seed,
        max_steps=args.max_steps,
        max_new_tokens=args.max_new_tokens,
        call_format=args.call_format,
        dataset=args.dataset,
    )
    options = RunOptions(
        concurrency=args.concurrency,
        retries=args.retries,
        backoff=args.backoff,
        timeout=args.timeout,
        base_url=args.base_url,
        force=args.force,
    )
    manifest = run_generate(config, Path(args.out), options)
    chains = manifest["chains"]
    print(f"{args.out}: {chains['total']} chains ({chains['this_run']} new, {chains['resumed_from']} from before)")
    print(format_summary(manifest["summary"]))
    return 0
