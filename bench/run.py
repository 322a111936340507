"""`make bench`: speed and memory figures, each a ratio of two measurements taken in the same run.

    python bench/run.py            # full: qwen2.5-coder-0.5b (tens of minutes on 2 CPU cores)
    python bench/run.py --quick    # smollm2-135m, within 10 minutes

Writes bench/results.json and bench/results.md. Targets (issue #5) are reported next to
each figure; nothing here asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGETS = {
    "batch_speedup": ">= 4",
    "prefix_reuse_ratio": "<= 0.6",
    "graph_overhead": "<= 0.05",
    "load_speedup": ">= 10",
    "dpo_step_ratio": "<= 1.05",
}


def machine() -> dict:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            int(line.split()[1]) // 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        None,
    )
    import torch

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mb": mem,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }


def run_part(*args) -> dict:
    """One part in a fresh process; its last stdout line is its JSON result."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(HERE / "parts.py"), *map(str, args)], capture_output=True, text=True)
    if result.returncode != 0:
        return {
            "part": args[0],
            "error": result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "failed",
        }
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["wall_s"] = round(time.perf_counter() - started, 1)
    print(f"bench: {args[0]} done in {data['wall_s']} s", file=sys.stderr)
    return data


def markdown(results: dict) -> str:
    """The results as a table a person reads."""
    lines = [
        f"# Benchmarks ({results['mode']} mode, {results['date']})",
        "",
        f"Machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
        f"{results['machine']['memory_mb']} MB, torch {results['machine']['torch']}, GPU: "
        f"{results['machine']['gpu'] or 'none'}.",
        "",
        "| figure | value | target | raw figures |",
        "|---|---|---|---|",
    ]
    for key, target in TARGETS.items():
        part = results["figures"].get(key, {})
        value = part.get(key, "not measured")
        raw = ", ".join(f"{k}={v}" for k, v in part.items() if k not in (key, "part")) or part.get("note", "")
        lines.append(f"| `{key}` | {value} | {target} | {raw} |")
    for key in ("generation_peak_rss_mb", "training_peak_rss_mb"):
        lines.append(f"| `{key}` | {results['figures'].get(key, 'not measured')} | report | |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run every part and write the results files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smollm2-135m, within 10 minutes")
    args = parser.parse_args()
    model = "smollm2-135m" if args.quick else "qwen2.5-coder-0.5b"
    load = run_part("load", model)
    prefix = run_part("prefix", model, 8)
    graph = run_part("graph", model)
    batch = run_part("batch", model, 8, 6)
    dpo = run_part("dpo", model, 2 if args.quick else 3)
    figures = {
        "load_speedup": load,
        "prefix_reuse_ratio": prefix,
        "graph_overhead": graph,
        "dpo_step_ratio": dpo,
        "batch_speedup": batch,
        "generation_peak_rss_mb": max(prefix.get("peak_rss_mb", 0), batch.get("peak_rss_mb", 0)) or None,
        "training_peak_rss_mb": dpo.get("peak_rss_mb"),
    }
    results = {
        "mode": "quick" if args.quick else "full",
        "model": model,
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": machine(),
        "figures": figures,
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
