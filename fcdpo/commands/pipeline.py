"""`fcdpo pipeline`: generate → export → train → eval → report from one preset, each stage resumable."""

from __future__ import annotations


def add_parser(commands) -> None:
    """Add `fcdpo pipeline` to the subcommands."""
    pipeline = commands.add_parser("pipeline", help="generate → export → train → eval → report, each stage resumable")
    pipeline.add_argument("--config", required=True, metavar="YAML", help="a preset such as configs/demo.yaml")
    pipeline.add_argument("--out", metavar="RUN", help="run dir (default: runs/<config name>)")
    pipeline.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo pipeline`; end with what it showed: before/after per problem set, a chain, where things are."""
    import time
    from pathlib import Path

    from fcdpo.evals.summary import eval_summary
    from fcdpo.pipeline import PipelineConfig, run_pipeline

    started = time.perf_counter()
    config_path = Path(args.config)
    out = Path(args.out) if args.out else Path("runs") / config_path.stem
    results = run_pipeline(config_path, out)
    config = PipelineConfig.load(config_path)
    before, after = config.student, f"{config.student}+{out / 'train' / 'adapter'}"
    others = [config.teacher, *config.eval.get("models", [])]
    sections = (
        [("held-out test split of " + ", ".join(config.tasks), results, out / "eval")] if results.get("models") else []
    )
    sections += [
        (f"{dataset} (never trained on)", figures, out / "eval-outside" / Path(dataset).stem)
        for dataset, figures in results.get("outside", {}).items()
    ]
    for title, figures, eval_dir in sections:
        shown = [spec for spec in others if spec in figures["models"]]
        print("\n" + eval_summary(title, figures, eval_dir, before, after, shown, config.teacher))
    if "bfcl" in results:
        from fcdpo.evals.report import bfcl_markdown

        print("\nBFCL (general function calling), student before/after:\n" + bfcl_markdown(results))
    if config.note:
        print(f"\n{config.note}")
    minutes, seconds = divmod(round(time.perf_counter() - started), 60)
    print(f"\nreport: {out / 'report.md'}   ({minutes} min {seconds} s)")
    print(
        "next, on your own agent: write its task file (docs/own-agent.md), then\n"
        "  fcdpo pipeline --config examples/sql_agent/pipeline.yaml --out runs/sql   # the SQL agent, ~2 h on a CPU"
    )
    return 0
