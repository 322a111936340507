"""What `fcdpo pipeline` prints when it ends: per problem set, the before/after table, one problem the tuned
student now solves beside the base's chain on it, and where the chains and the plot are.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fcdpo.evals.metrics import regrade
from fcdpo.evals.report import before_after_markdown, contrast_chains
from fcdpo.evals.run import model_dir
from fcdpo.graphs.traces_io import TRACES, read_traces


def eval_summary(
    title: str, results: dict[str, Any], eval_dir: Path, before: str, after: str, others: list[str], teacher: str
) -> str:
    """One evaluation's part of the closing summary (`eval_dir` holds its traces/ and accuracy.png); `others` are
    the compared models that ran on these problems (the teacher among them, when it did).
    """
    lines = [f"== {title} ==", "", before_after_markdown(results, before, after, others, teacher)]
    chains = {
        spec: regrade(read_traces(eval_dir / "traces" / model_dir(spec) / TRACES)[0]) for spec in (before, after)
    }
    contrast = contrast_chains(chains[before], chains[after])
    if contrast:
        lines += ["One problem the tuned student now solves, beside the base's chain on it:", "", contrast, ""]
    lines.append(
        f"chains: {eval_dir / 'traces'}/   plot: {eval_dir / 'accuracy.png'}   table: {eval_dir / 'results.md'}"
    )
    return "\n".join(lines)
