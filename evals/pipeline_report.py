"""RUN/report.md of `fcdpo pipeline`: what ran, the before/after table with its baselines, every figure, the plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from fcdpo.evals.report import bfcl_markdown, grounded_cell, markdown
from fcdpo.tasks import get_task


class RunConfig(Protocol):
    """What the report reads of a pipeline preset (`fcdpo.pipeline.PipelineConfig`)."""

    note: str
    teacher: str
    student: str
    tasks: list[str]
    negatives: dict[str, Any]
    eval: dict[str, Any]


def before_after(config: RunConfig, out: Path, results: dict[str, Any]) -> str:
    """The headline table: teacher, the other models of `eval.models` (a scripted policy, say), student before and
    after, per task, with the change in points (empty when the preset evaluated only on dataset files,
    `eval.problems: 0`).
    """
    after = f"{config.student}+{out / 'train' / 'adapter'}"
    models = results.get("models")
    if not models:
        return "(no test-split evaluation: see the dataset files below)"

    def cell(spec: str, task: str) -> str:
        # How many right answers were grounded derivations sits next to each accuracy: a guess or a made-up
        # rule base scores too.
        f = models[spec][task]
        grounded = f"{grounded_cell(f, f['correct'])} grounded"
        cot = results.get("cot", {}).get(spec, {}).get(task)
        plain = f"; no tools (CoT) {cot['accuracy']:.0%}, lenient {cot['lenient_accuracy']:.0%}" if cot else ""
        return f"{f['accuracy']:.0%} [{f['ci_low']:.0%}, {f['ci_high']:.0%}], {grounded}{plain}"

    others = [spec for spec in config.eval.get("models", []) if spec in models]
    lines = [
        "| task | teacher | other models | student before | student after | change (95% CI) "
        "| McNemar p (after vs before) | one answer to all (no reasoning) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for task in [get_task(spec).name for spec in config.tasks]:  # results are keyed by the task's own name
        if task not in models[config.student]:
            continue
        c = next(
            c for c in results["comparisons"] if c["task"] == task and {c["a"], c["b"]} == {config.student, after}
        )
        sign = 1 if c["b"] == after else -1  # comparisons report B − A
        low, high = sorted((sign * c["difference_ci_low"], sign * c["difference_ci_high"]))
        change = f"{100 * sign * c['difference']:+.0f} pts ({100 * low:+.0f} to {100 * high:+.0f})"
        baseline = models[config.student][task]
        lines.append(
            f"| {task} | {cell(config.teacher, task)} "
            f"| {'; '.join(f'`{spec}` {cell(spec, task)}' for spec in others if task in models[spec]) or '—'} "
            f"| {cell(config.student, task)} | {cell(after, task)} | {change} "
            f"| {c['mcnemar_p']:.3g} | {baseline['majority_baseline']:.0%} (`{baseline['majority_truth']}`) |"
        )
    return "\n".join(lines)


def write_report(
    config: RunConfig, out: Path, results: dict[str, Any], stats: dict[str, Any], timings: dict[str, float]
) -> Path:
    """RUN/report.md: what ran, the before/after table, every figure, the plots."""
    negatives = config.negatives.get("model", config.student) if config.negatives else None
    train_metrics = (
        [json.loads(line) for line in (out / "train" / "metrics.jsonl").read_text().splitlines()]
        if (out / "train" / "metrics.jsonl").is_file()
        else []
    )
    lines = [
        f"# fcdpo pipeline: {out.name}",
        "",
        *([f"**{config.note}**", ""] if config.note else []),
        f"Teacher `{config.teacher}`, student `{config.student}`, tasks {', '.join(config.tasks)}. "
        f"Wall time per stage (s, summed over resumes): {', '.join(f'{k} {v}' for k, v in timings.items())}.",
        "",
        "## Before / after (held-out test split, greedy, 95% Wilson intervals)",
        "",
        before_after(config, out, results),
        "",
        "![accuracy](eval/accuracy.png)",
        "",
        "## Teacher chains (train split)",
        "",
        *chain_table(out / "generate"),
        *(
            [
                f"## On-policy negatives: `{negatives}` on the same problems (the rejected side)",
                "",
                *chain_table(out / "negatives"),
            ]
            if negatives
            else []
        ),
        f"Pairs ({stats['mode']} mode): {stats['pairs']} from {stats['problems_with_pairs']} of "
        f"{stats['problems']} problems; "
        f"problems without a pair: {stats['no_pair']}.",
        "",
        "## Training",
        "",
        f"{len(train_metrics)} logged steps; last: "
        + (
            ", ".join(
                f"{k}={train_metrics[-1][k]:.4g}"
                for k in ("loss", "rewards/accuracies", "rewards/margins")
                if k in train_metrics[-1]
            )
            if train_metrics
            else "n/a"
        )
        + ".",
        "",
        "![training](train/loss.png)",
        "",
        *(["## All figures", "", markdown(results)] if results.get("models") else []),
        *(
            ["## General function calling (BFCL, student before/after)", "", bfcl_markdown(results)]
            if "bfcl" in results
            else []
        ),
        *[
            line
            for dataset, figures in results.get("outside", {}).items()
            for line in (f"## Problems written by others: `{dataset}`", "", markdown(figures))
        ],
    ]
    path = out / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def chain_table(run: Path) -> list[str]:
    """Per-task summary of a generate run's chains, as markdown lines."""
    summary = json.loads((run / "manifest.json").read_text()).get("summary", {})
    return [
        "| task | chains | correct | valid calls | mean steps |",
        "|---|---|---|---|---|",
        *[
            f"| {task} | {s['chains']} | {s['correct_rate']:.1%} | {s['valid_call_rate']:.1%} | {s['mean_steps']} |"
            for task, s in summary.items()
        ],
        "",
    ]
