"""`fcdpo eval`: every model runs the same graph on the same problems; results, tests, plot.

    fcdpo eval --model qwen2.5-coder-0.5b --model smollm2-135m --task math,logic --problems 20 --out runs/eval
    fcdpo eval --model smollm2-135m+runs/s/adapter --dataset mine.jsonl --limit 50 --json
    fcdpo eval --bfcl simple,multiple --limit 50 --model smollm2-135m --model smollm2-135m+runs/s/adapter

Each model's chains are an `fcdpo generate` run (greedy, one sample) under `DIR/traces/`, so an
interrupted evaluation resumes where it stopped. Writes `DIR/results.json`, `DIR/results.md`
and `DIR/accuracy.png` (with `--bfcl`: `DIR/bfcl_results.json` and `DIR/bfcl_results.md`).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fcdpo.errors import UserError
from fcdpo.evals.cot import MIN_BUDGET, cot_figures, run_cot
from fcdpo.evals.decontamination import overlap
from fcdpo.evals.metrics import paired, paired_outcomes, regrade, task_figures
from fcdpo.evals.report import bfcl_markdown, markdown, plot_accuracy
from fcdpo.evals.stats import mcnemar_exact, wilson
from fcdpo.graphs.context import ChainSettings
from fcdpo.graphs.generate import GenerateConfig, RunOptions, dataset_task, run_generate, select_problems
from fcdpo.graphs.traces_io import TRACES, read_traces
from fcdpo.graphs.user_graph import GRAPH_HELP
from fcdpo.models import parse_spec
from fcdpo.tasks import get_task
from fcdpo.tasks.dataset import load_dataset

RESULTS = "results.json"
BASELINES = ("cot",)


@dataclass(kw_only=True)
class EvalSettings(ChainSettings):
    """How models are evaluated (with the chain settings): `fcdpo eval`'s flags and a preset's `eval:` section."""

    problems: int = field(default=20, metadata={"help": "problems per task (a pipeline: 0 skips the test split)"})
    limit: int | None = field(
        default=None, metadata={"help": "at most N problems (per task, or from a dataset file; a pipeline: per file)"}
    )
    concurrency: int = field(default=4, metadata={"help": "chains in flight per model"})
    baselines: list[str] = field(
        default_factory=list, metadata={"help": "no-tools baselines run beside each model on the same problems: cot"}
    )
    cot_budget: int | None = field(
        default=None,
        metadata={"help": "tokens per chain-of-thought reply (default: what the model's chains spent, at least 256)"},
    )
    graph: str | None = field(default=None, metadata={"help": GRAPH_HELP})


@dataclass
class BfclSettings:
    """The BFCL regression check of a preset's `bfcl:` section (`fcdpo eval --bfcl` takes the same as flags)."""

    categories: list[str] = field(default_factory=lambda: ["simple", "multiple"], metadata={"help": "BFCL categories"})
    limit: int | None = field(default=None, metadata={"help": "entries per category (None: all)"})
    concurrency: int = field(default=4, metadata={"help": "entries in flight per model"})


def model_dir(spec: str) -> str:
    """A file-system-safe, collision-free dir name for a model spec."""
    # The tail names the adapter; it never starts with "." (a hidden dir) or "-" (read as a flag).
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", spec).strip("_")[-60:].lstrip("._-")
    return f"{readable}-{hashlib.sha256(spec.encode()).hexdigest()[:8]}"


def default_out(config: GenerateConfig) -> Path:
    """`runs/eval/<problems>`: one dir per problem set (file content or tasks, split and count), so
    evaluating on another dataset never collides with an earlier run and the same command resumes.
    """
    if config.dataset:
        source = f"{Path(config.dataset).stem}-{config.dataset_sha256[:8]}-n{config.problems}"
    else:
        source = f"{'-'.join(config.tasks)}-{config.split}-n{config.problems}-seed{config.seed}"
    return Path("runs") / "eval" / re.sub(r"[^A-Za-z0-9._-]+", "_", source)


def eval_configs(
    models: list[str], tasks: list[str], settings: EvalSettings, split: str = "test", dataset: str | None = None
) -> list[GenerateConfig]:
    """One greedy single-sample generate config per model, all on the same problems and prompt.

    `settings.problems` per task from `split`, or the lines of `dataset`; at most `settings.limit` either way.
    """
    problems, limit = settings.problems, settings.limit
    if not models:
        raise UserError("eval needs at least one --model")
    if len(set(models)) != len(models):
        raise UserError("eval: the same --model is given twice")
    if limit is not None and limit < 1:
        raise UserError(f"--limit must be at least 1, got {limit}")
    for spec in models:
        parse_spec(spec)
    if dataset:
        # The file's lines name tasks by name; a user's task given as a file spec must be loaded first, and the
        # configs keep that spec, so a run dir names its tasks in a way any later process can load.
        by_name = {get_task(task).name: task for task in tasks}
        rows = load_dataset(dataset, dataset_task(dataset, tasks))
        tasks = [by_name.get(name, name) for name in sorted({p.task for p in rows})]
        problems = min(len(rows), limit or len(rows))
    elif limit is not None:
        problems = min(problems, limit)
    return [
        GenerateConfig(
            model=spec,
            tasks=tasks,
            problems=problems,
            samples=1,
            split=split,
            temperature=0.0,
            dataset=dataset,
            graph=settings.graph,
            **settings.chain_settings(),
        )
        for spec in models
    ]


def run_eval(
    configs: list[GenerateConfig],
    out: Path,
    options: RunOptions,
    allow_overlap: bool = False,
    baselines: list[str] | tuple[str, ...] = (),
    cot_budget: int | None = None,
) -> dict[str, Any]:
    """Run (or resume) every model's chains (and `baselines`; `cot_budget` tokens per CoT reply), then compute and
    write the results.
    """
    unknown = sorted(set(baselines) - set(BASELINES))
    if unknown:
        raise UserError(f"unknown baseline {unknown[0]!r}; choose from {', '.join(BASELINES)}")
    if cot_budget is not None and cot_budget < 1:
        raise UserError(f"--cot-budget must be at least 1, got {cot_budget}")
    problems = select_problems(configs[0])
    notes = []
    for config in configs:
        seen, note = overlap(config.model, problems)
        if note:
            notes.append(note)
        if seen:
            message = (
                f"{len(seen)} of the {len(problems)} evaluation problems (e.g. {seen[0]}) are in the pairs "
                f"{config.model} was trained on"
            )
            if not allow_overlap:
                raise UserError(f"{message}; evaluate on other problems or pass --allow-overlap")
            notes.append(f"{message} (--allow-overlap)")
            print(f"fcdpo: warning: {message}", file=sys.stderr)
    traces = {}
    for config in configs:
        if options.progress:
            print(f"fcdpo: evaluating {config.model}", file=sys.stderr)
        run_dir = out / "traces" / model_dir(config.model)
        run_generate(config, run_dir, options)
        traces[config.model] = regrade(read_traces(run_dir / TRACES)[0])
    results = summarize(traces, notes)
    if "cot" in baselines:
        results.update(cot_baseline(traces, out / "cot", options, cot_budget))
    results["config"] = {
        "problems": len(problems),
        "split": configs[0].split,
        "dataset": configs[0].dataset,
        "max_steps": configs[0].max_steps,
        "max_new_tokens": configs[0].max_new_tokens,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / RESULTS).write_text(json.dumps(results, indent=2) + "\n")
    (out / "results.md").write_text(markdown(results))
    plot_accuracy(results, out / "accuracy.png")
    return results


def cot_baseline(traces: dict[str, list], out: Path, options: RunOptions, budget: int | None = None) -> dict[str, Any]:
    """Each model (not `reference` or `scripted`) also without tools, on the problems of its chains; chain vs CoT
    paired.

    The token budget is `budget`, else what the model spent on its chains for the task and at least `MIN_BUDGET`:
    the same compute as its chains. A word problem's plain reasoning can need more than that, and a reply cut
    short has no `Answer:` line, so the figures count the replies that hit the budget.
    """
    figures: dict[str, dict[str, Any]] = {}
    comparisons = []
    for spec, chains in traces.items():
        if parse_spec(spec).kind == "solver":
            continue
        for task_name in sorted({t.problem.task for t in chains}):
            task = get_task(task_name)
            mine = [t for t in chains if t.problem.task == task_name and t.problem.answer is not None]
            if not task.cot_baseline or not mine:
                continue
            spent = sum(t.usage.get("output_tokens", 0) for t in mine) / len(mine)
            tokens = budget or max(MIN_BUDGET, round(spent))
            records = run_cot(
                spec,
                [t.problem for t in mine],
                out / f"{model_dir(spec)}-{task_name}-{tokens}.jsonl",
                tokens,
                options.concurrency,
                options.base_url,
                options.progress,
            )
            figures.setdefault(spec, {})[task_name] = cot_figures(records, tokens)
            chain_right = {t.problem.id: t.verdict == "correct" for t in mine}
            cot_right = {r["id"]: r["correct"] for r in records}
            # A small model often ignores the `Answer:` line, so strict CoT can be ~0 while its prose is right as
            # often as its chains: the lenient reading is paired too, so a reader sees both.
            lenient_right = {r["id"]: r["lenient_correct"] for r in records}
            comparisons.append(
                {
                    "model": spec,
                    "task": task_name,
                    **paired_outcomes(cot_right, chain_right),
                    "lenient": paired_outcomes(lenient_right, chain_right),
                }
            )
    return {"cot": figures, "cot_comparisons": comparisons}


def run_bfcl_eval(
    models: list[str], categories: list[str], limit: int | None, out: Path, options: RunOptions
) -> dict[str, Any]:
    """Every model on the same BFCL entries; accuracy with intervals per category and paired tests."""
    from fcdpo.evals.bfcl import load_category, run_bfcl

    if not categories:
        raise UserError("--bfcl needs categories, e.g. --bfcl simple,multiple")
    for category in categories:
        load_category(category, 1)  # an unknown category or a missing package fails before any model runs
    records = {}
    for spec in models:
        parse_spec(spec)
        records[spec] = run_bfcl(
            spec,
            categories,
            limit,
            out / "bfcl" / f"{model_dir(spec)}.jsonl",
            options.concurrency,
            options.base_url,
            options.progress,
        )
    results = {"bfcl": {}, "bfcl_comparisons": [], "config": {"bfcl": categories, "limit": limit}, "notes": []}
    for spec, rows in records.items():
        results["bfcl"][spec] = {}
        for category in categories:
            mine = [r for r in rows if r["category"] == category]
            correct = sum(r["correct"] for r in mine)
            low, high = wilson(correct, len(mine))
            results["bfcl"][spec][category] = {
                "problems": len(mine),
                "correct": correct,
                "accuracy": round(correct / len(mine), 4) if mine else 0.0,
                "ci_low": round(low, 4),
                "ci_high": round(high, 4),
                "valid_call_rate": round(sum(r["call"] is not None for r in mine) / len(mine), 4) if mine else 0.0,
            }
    for a, b in itertools.combinations(models, 2):
        for category in categories:
            right_a = {r["id"]: r["correct"] for r in records[a] if r["category"] == category}
            right_b = {r["id"]: r["correct"] for r in records[b] if r["category"] == category}
            only_a = sum(right_a[i] and not right_b[i] for i in right_a)
            only_b = sum(right_b[i] and not right_a[i] for i in right_a)
            results["bfcl_comparisons"].append(
                {
                    "a": a,
                    "b": b,
                    "category": category,
                    "only_a": only_a,
                    "only_b": only_b,
                    "mcnemar_p": mcnemar_exact(only_a, only_b),  # unrounded: a strong result is 1e-7, not 0
                }
            )
    out.mkdir(parents=True, exist_ok=True)
    (out / "bfcl_results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out / "bfcl_results.md").write_text(bfcl_markdown(results))
    return results


def summarize(traces: dict[str, list], notes: list[str] | None = None) -> dict[str, Any]:
    """Figures per model × task and a paired comparison for every two models on every task."""
    tasks = sorted({t.problem.task for chains in traces.values() for t in chains})
    by_task = {
        spec: {task: [t for t in chains if t.problem.task == task] for task in tasks}
        for spec, chains in traces.items()
    }
    results: dict[str, Any] = {
        "models": {
            spec: {task: task_figures(chains) for task, chains in per_task.items() if chains}
            for spec, per_task in by_task.items()
        },
        "comparisons": [
            {"a": a, "b": b, "task": task, **paired(by_task[a][task], by_task[b][task])}
            for a, b in itertools.combinations(traces, 2)
            for task in tasks
        ],
        "notes": notes or [],
    }
    return results
