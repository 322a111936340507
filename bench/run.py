"""`make bench`: speed and memory figures, each a ratio of two measurements taken in the same run.

    python bench/run.py            # full: qwen2.5-coder-0.5b (tens of minutes on 2 CPU cores)
    python bench/run.py --quick    # smollm2-135m, within 10 minutes

Writes bench/results.json and bench/results.md. Targets are reported next to
each figure; nothing here asserts them. `--only FIGURE,...` re-measures some figures and keeps the rest.
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
    "fast_chain_speedup": ">= 4",
    "fast_vs_llamacpp": ">= 1",
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
        *(
            f"Re-measured {update['date']} on {update['machine']['cpu']}, {update['machine']['cores']} cores: "
            + ", ".join(f"`{figure}`" for figure in update["figures"])
            + "."
            for update in results.get("updates", [])
        ),
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
    """Run every part (or `--only` some, keeping the other figures of the last run) and write the results files."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smollm2-135m, within 10 minutes")
    parser.add_argument(
        "--only", help="comma-separated figures to re-measure, e.g. fast_chain_speedup,fast_vs_llamacpp"
    )
    args = parser.parse_args()
    model = "smollm2-135m" if args.quick else "qwen2.5-coder-0.5b"
    parts = {
        "load_speedup": ("load", model),
        "prefix_reuse_ratio": ("prefix", model, 8),
        "graph_overhead": ("graph", model),
        "batch_speedup": ("batch", model, 8, 6),
        "dpo_step_ratio": ("dpo", model, 2 if args.quick else 3),
        "fast_chain_speedup": ("fast_chains", model, 8, 6),
        "fast_vs_llamacpp": ("engines", model, 8, 48),
    }
    only = set(args.only.split(",")) if args.only else set(parts)
    if only - set(parts):
        parser.error(f"--only: unknown figure(s) {', '.join(sorted(only - set(parts)))}; known: {', '.join(parts)}")
    previous = json.loads((HERE / "results.json").read_text()) if args.only else {}
    if previous and previous.get("model") != model:
        parser.error(f"--only: bench/results.json holds {previous.get('model')} figures, not {model}'s")
    figures = {key: run_part(*part) for key, part in parts.items() if key in only}
    figures = {**previous.get("figures", {}), **figures}
    fast, engines = figures.get("fast_chain_speedup", {}), figures.get("fast_vs_llamacpp", {})
    if "llamacpp_tokens_per_s" in fast and "llamacpp_single_tokens_per_s" in engines:
        # The backend is llama.cpp, so the figure is our agent chains on it ÷ its raw single stream.
        engines["fast_vs_llamacpp"] = round(fast["llamacpp_tokens_per_s"] / engines["llamacpp_single_tokens_per_s"], 2)
    generation = ("prefix_reuse_ratio", "batch_speedup", "fast_chain_speedup")
    figures["generation_peak_rss_mb"] = max(figures.get(k, {}).get("peak_rss_mb", 0) for k in generation) or None
    figures["training_peak_rss_mb"] = figures.get("dpo_step_ratio", {}).get("peak_rss_mb")
    now = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine()}
    results = {"mode": "quick" if args.quick else "full", "model": model, **now, "figures": figures}
    if previous:  # the header stays the full run's; each `--only` run is listed with what it re-measured
        update = {**now, "figures": sorted(only)}
        results.update(
            date=previous["date"], machine=previous["machine"], updates=[*previous.get("updates", []), update]
        )
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
