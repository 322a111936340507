"""Training curves: loss and reward accuracy per step, from `metrics.jsonl`."""

from __future__ import annotations

import json
from pathlib import Path


def plot_metrics(metrics: Path, out: Path) -> Path | None:
    """Write a PNG of loss, reward margin and reward accuracy per logging step; None without data."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in metrics.read_text().splitlines()] if metrics.is_file() else []
    if not rows:
        return None
    steps = [r["step"] for r in rows]
    panels = [
        ("loss", "DPO loss"),
        ("rewards/margins", "reward margin (chosen − rejected)"),
        ("rewards/accuracies", "reward accuracy"),
    ]
    fig, axes = plt.subplots(1, len(panels), figsize=(12, 3.2))
    for ax, (key, title) in zip(axes, panels, strict=False):
        ax.plot(steps, [r.get(key) for r in rows], marker="o", markersize=3)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
