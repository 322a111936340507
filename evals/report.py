"""An evaluation's results as a table a person reads and a grouped bar chart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fcdpo.graphs.show import show_trace
from fcdpo.types import Trace


def _p(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3g}"


def grounded_cell(figures: dict[str, Any], of: int) -> str:
    """Grounded right answers as k/of, or n/a where the task's tools read every premise (it cannot fail there)."""
    grounded = figures.get("correct_grounded", "?")
    return "n/a" if grounded is None else f"{grounded}/{of}"


def cell_text(text: str, limit: int = 40) -> str:
    """Model text fit for one table cell: one line, no backticks, at most `limit` characters."""
    flat = " ".join(str(text).replace("`", "'").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def derived_cell(figures: dict[str, Any]) -> str:
    """Right answers a function derived as k/correct, or n/a where the chains ran a graph's own tools."""
    derived = figures.get("correct_derived")
    return "n/a" if derived is None else f"{derived}/{figures['correct']}"


def markdown(results: dict[str, Any]) -> str:
    """`results.md`: per model × task figures, then every paired comparison."""
    lines = [
        "| model | task | accuracy (95% CI) | correct | grounded right answers | right answers a function derived "
        "| premises in the problem | valid calls | unfinished | mean steps | mean out tokens | mean latency s | "
        "commonest answer |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    baselines = {}
    for model, tasks in results["models"].items():
        for task, f in tasks.items():
            top = (
                f"`{cell_text(f['top_answer'])}` {f['top_answer_share']:.0%}"
                if f.get("top_answer") is not None
                else "none"
            )
            stated = f"{f['statements_grounded']}/{f['statements']}" if f.get("statements") else "none stated"
            lines.append(
                f"| `{model}` | {task} | {f['accuracy']:.1%} ({f['ci_low']:.1%}–{f['ci_high']:.1%}) | "
                f"{f['correct']}/{f['problems']} "
                f"| {grounded_cell(f, f['problems'])} | {derived_cell(f)} | "
                f"{stated} "
                f"| {f['valid_call_rate']:.1%} | {f['unfinished_rate']:.1%} | {f['mean_steps']} | "
                f"{f['mean_output_tokens']} | {f['mean_latency_s']} | {top} |"
            )
            baselines.setdefault(task, f"{task} {f['majority_baseline']:.0%} (`{f['majority_truth']}`)")
    compared = [
        f"`{model}` {task} "
        + " / ".join(str(f["calls_vs_scripted"].get(k, 0)) for k in ("same", "fewer", "more", "other"))
        for model, tasks in results["models"].items()
        for task, f in tasks.items()
        if f.get("calls_vs_scripted") and model != "scripted"
    ]
    if compared:
        lines += ["", "Tool calls against the scripted policy's on each problem (same / fewer / more / other set): "]
        lines[-1] += "; ".join(compared) + "."
    if baselines:
        lines += [
            "",
            "Answering the commonest true answer to every problem, without reasoning, would score: "
            + ", ".join(baselines.values())
            + ".",
            "A grounded right answer is right, returned by one of the task's functions, and derived only from "
            "premises the "
            "problem states (logic: every stated fact and rule is a sentence of the problem). A right answer no "
            "function "
            "derived was stated: a guess, or a logic query on an empty rule base. Both are n/a for chains of a graph "
            "whose tools are not the task's.",
        ]
    if results["comparisons"]:
        lines += [
            "",
            "Paired on the same problems: accuracy difference B − A with its paired bootstrap 95% interval; the "
            "smallest "
            "difference these problems detect (80% power, two-sided 5%, at the observed disagreement); exact McNemar; "
            "Wilcoxon signed-rank as in the paper:",
            "",
            "| A | B | task | B − A (95% CI) | detectable | only A right | only B right | both | neither | McNemar "
            "p | Wilcoxon p |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c in results["comparisons"]:
            mde = "n/a" if c.get("min_detectable_effect") is None else f"±{c['min_detectable_effect']:.1%}"
            difference = _difference(c if "difference" in c else None)
            lines.append(
                f"| `{c['a']}` | `{c['b']}` | {c['task']} | {difference} | {mde} | {c['only_a']} | {c['only_b']} | "
                f"{c['both']} "
                f"| {c['neither']} | {_p(c['mcnemar_p'])} | {_p(c['wilcoxon_p'])} |"
            )
    lines += cot_markdown(results)
    for note in results.get("notes", []):
        lines += ["", f"Note: {note}"]
    return "\n".join(lines) + "\n"


def cot_markdown(results: dict[str, Any]) -> list[str]:
    """The no-tools baseline beside each model's chains, and the paired test chain vs CoT."""
    if not results.get("cot"):
        return []
    pairs = {(c["model"], c["task"]): c for c in results.get("cot_comparisons", [])}
    lines = [
        "",
        "The same models without tools: plain chain-of-thought ending in one `Answer:` line, graded by the same "
        "strict grader (lenient: the last boxed value, label or number when the line is missing). Chains − CoT is "
        "paired on the same problems, against both readings:",
        "",
        "| model | task | chains | no tools (CoT) (95% CI) | lenient | no answer line | token budget (replies cut) "
        "| chains − CoT (95% CI) | only CoT right | only chains right | McNemar p | chains − lenient CoT (95% CI) "
        "| McNemar p |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for model, tasks in results["cot"].items():
        for task, f in tasks.items():
            chains = results["models"][model][task]
            c = pairs[(model, task)]
            lenient = c.get("lenient") or {}
            lines.append(
                f"| `{model}` | {task} | {chains['accuracy']:.1%} | {f['accuracy']:.1%} "
                f"({f['ci_low']:.1%}–{f['ci_high']:.1%}) | {f['lenient_accuracy']:.1%} | "
                f"{f['no_answer_line']}/{f['problems']} | {f['token_budget']} ({f.get('cut_at_budget', 'n/a')}) "
                f"| {_difference(c)} | {c['only_a']} "
                f"| {c['only_b']} | {_p(c['mcnemar_p'])} | {_difference(lenient)} | {_p(lenient.get('mcnemar_p'))} |"
            )
    return lines


def _difference(c: dict[str, Any] | None) -> str:
    """A paired difference with its bootstrap interval, or n/a (results written before it was measured)."""
    if not c:
        return "n/a"
    return f"{c['difference']:+.1%} ({c['difference_ci_low']:+.1%} to {c['difference_ci_high']:+.1%})"


def bfcl_markdown(results: dict[str, Any]) -> str:
    """`bfcl_results.md`: BFCL accuracy per model × category, then the paired tests."""
    lines = ["| model | BFCL category | accuracy (95% CI) | correct | a call was read |", "|---|---|---|---|---|"]
    for model, categories in results["bfcl"].items():
        for category, f in categories.items():
            lines.append(
                f"| `{model}` | {category} | {f['accuracy']:.1%} ({f['ci_low']:.1%}–{f['ci_high']:.1%}) | "
                f"{f['correct']}/{f['problems']} | {f['valid_call_rate']:.1%} |"
            )
    if results["bfcl_comparisons"]:
        lines += ["", "| A | B | category | only A right | only B right | McNemar p |", "|---|---|---|---|---|---|"]
        for c in results["bfcl_comparisons"]:
            lines.append(
                f"| `{c['a']}` | `{c['b']}` | {c['category']} | {c['only_a']} | {c['only_b']} | {_p(c['mcnemar_p'])} |"
            )
    return "\n".join(lines) + "\n"


def short_label(spec: str) -> str:
    """A model spec for a plot legend: an adapter keeps the last three parts of its path (`run/train/adapter`)."""
    base, plus, adapter = spec.partition("+")
    parts = adapter.rstrip("/").split("/")
    return spec if not plus or len(parts) <= 3 else f"{base}+…/{'/'.join(parts[-3:])}"


def plot_accuracy(results: dict[str, Any], out: Path) -> Path | None:
    """Grouped bars: one group per task, one bar per model, with 95% Wilson intervals."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    models = list(results["models"])
    tasks = sorted({task for figures in results["models"].values() for task in figures})
    if not models or not tasks:
        return None
    width = 0.8 / len(models)
    fig, ax = plt.subplots(figsize=(2.2 + 1.6 * len(tasks) * len(models) ** 0.5, 3.6))
    labelled: set[str] = set()
    for i, model in enumerate(models):
        figures = [results["models"][model].get(task) for task in tasks]
        xs = [t + (i - (len(models) - 1) / 2) * width for t in range(len(tasks))]
        acc = [f["accuracy"] if f else 0 for f in figures]
        err = [
            [a - f["ci_low"] if f else 0 for a, f in zip(acc, figures, strict=True)],
            [f["ci_high"] - a if f else 0 for a, f in zip(acc, figures, strict=True)],
        ]
        ax.bar(xs, acc, width, yerr=err, capsize=3, label=short_label(model))
        # The same model without tools, as markers on its bar: how much the calls add (or cost).
        cot = [results.get("cot", {}).get(model, {}).get(task) for task in tasks]
        for key, marker, color, name in (
            ("accuracy", "_", "black", "no tools (CoT)"),
            ("lenient_accuracy", "x", "dimgray", "no tools, lenient"),
        ):
            marked = [(x, f[key]) for x, f in zip(xs, cot, strict=True) if f]
            if marked:
                # Labelled once, at the first model that has the baseline (`reference`/`scripted` have none).
                ax.scatter(*zip(*marked, strict=True), marker=marker, s=120, color=color, zorder=3,
                           label=None if name in labelled else name)  # fmt: skip
                labelled.add(name)
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy (95% Wilson CI)")
    # Below the axes: adapter specs are long paths, and a legend beside the bars squeezed them unreadable.
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.1))
    ax.grid(axis="y", alpha=0.3)
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return out


def before_after_markdown(
    results: dict[str, Any],
    before: str,
    after: str,
    others: list[str] | tuple[str, ...] = (),
    teacher: str | None = None,
) -> str:
    """A short before/after table per task: each model's accuracy with its interval, valid calls, mean steps and
    unfinished chains (`others` first, e.g. a teacher or a scripted policy); then after − before, paired, with its
    interval and exact McNemar p, the share of the teacher − base gap the tuned student closed (when the teacher
    ran on these problems and beat the base), and what answering the commonest true answer to all would score.
    """
    lines = []
    for task in sorted({task for spec in (before, after) for task in results["models"].get(spec, {})}):
        lines += [
            f"{task}, {results['models'][before][task]['problems']} problems:",
            "",
            "| model | accuracy (95% CI) | valid calls | mean steps | unfinished |",
            "|---|---|---|---|---|",
        ]
        for role, spec in [
            *((short_label(s), s) for s in others),
            ("student before", before),
            ("student after", after),
        ]:
            f = results["models"].get(spec, {}).get(task)
            if f:
                lines.append(
                    f"| {role} | {f['accuracy']:.1%} ({f['ci_low']:.1%}–{f['ci_high']:.1%}) | "
                    f"{f['valid_call_rate']:.1%} | {f['mean_steps']} | {f['unfinished_rate']:.1%} |"
                )
        c = next(c for c in results["comparisons"] if c["task"] == task and {c["a"], c["b"]} == {before, after})
        sign = 1 if c["b"] == after else -1  # comparisons report B − A
        low, high = sorted((sign * c["difference_ci_low"], sign * c["difference_ci_high"]))
        f = results["models"][before][task]
        taught = results["models"].get(teacher, {}).get(task) if teacher else None
        gap = ""
        if taught and taught["accuracy"] > f["accuracy"]:
            closed = (results["models"][after][task]["accuracy"] - f["accuracy"]) / (
                taught["accuracy"] - f["accuracy"]
            )
            gap = f" The tuned student closes {closed:.0%} of the teacher − base gap."
        lines += [
            "",
            f"after − before: {100 * sign * c['difference']:+.1f} points (paired 95% CI {100 * low:+.1f} to "
            f"{100 * high:+.1f}), exact McNemar p {_p(c['mcnemar_p'])}; answering `{f['majority_truth']}` to "
            f"everything: {f['majority_baseline']:.1%}.{gap}",
            "",
        ]
    return "\n".join(lines)


def contrast_chains(before: list[Trace], after: list[Trace]) -> str | None:
    """The base's chain and the tuned student's on the first problem (by id) the tuned one gets right and the base
    wrong, one under the other; None when there is no such problem.
    """
    wrong = {t.problem.id: t for t in before if t.verdict != "correct"}
    gained = sorted((t for t in after if t.verdict == "correct" and t.problem.id in wrong), key=lambda t: t.problem.id)
    if not gained:
        return None
    return f"student before:\n{show_trace(wrong[gained[0].problem.id])}\n\nstudent after:\n{show_trace(gained[0])}"
