"""`fcdpo pipeline`: generate → export → train → eval → report from one preset, each stage resumable."""

from __future__ import annotations


def add_parser(commands) -> None:
    """Add `fcdpo pipeline` to the subcommands."""
    pipeline = commands.add_parser("pipeline", help="generate → export → train → eval → report, each stage resumable")
    pipeline.add_argument("--config", required=True, metavar="YAML", help="a preset such as configs/demo.yaml")
    pipeline.add_argument("--out", metavar="RUN", help="run dir (default: runs/<config name>)")
    pipeline.set_defaults(func=run)


def run(args) -> int:
    """Run `fcdpo pipeline`."""
    from pathlib import Path

    from fcdpo.pipeline import PipelineConfig, before_after, run_pipeline

    config_path = Path(args.config)
    out = Path(args.out) if args.out else Path("runs") / config_path.stem
    results = run_pipeline(config_path, out)
    config = PipelineConfig.load(config_path)
    print(before_after(config, out, results))
    if "bfcl" in results:
        from fcdpo.evals.report import bfcl_markdown

        print("\nBFCL (general function calling), student before/after:\n" + bfcl_markdown(results))
    for dataset, figures in results.get("outside", {}).items():
        from fcdpo.evals.report import markdown

        print(f"\nProblems written by others ({dataset}):\n" + markdown(figures))
    if config.note:
        print(f"\n{config.note}")
    print(f"\nreport: {out / 'report.md'}")
    return 0
