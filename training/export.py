"""`fcdpo export`: traces → `PAIRS/pairs.jsonl` (TRL conversational preference format) + `PAIRS/stats.json`.

    fcdpo export runs/t --out runs/p                      # chain mode, as in the paper
    fcdpo export runs/t --out runs/p --mode step          # first diverging step only
    fcdpo export runs/t --out runs/p --rejected-from runs/student   # on-policy negatives

A right chain whose stated premises the problem does not say is never chosen (`--allow-ungrounded`
lifts that for tasks whose sentences the reader cannot parse).

`load_pairs` reads the file back with every message column typed as JSON, so tool-call
arguments survive `datasets` unchanged (plain Arrow inference merges dict keys across rows).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fcdpo.errors import UserError
from fcdpo.graphs.generate import MANIFEST
from fcdpo.graphs.traces_io import TRACES, read_traces
from fcdpo.models.local_chat import to_chat_dicts
from fcdpo.tasks import load_tasks
from fcdpo.training.pairs import NO_PAIR_REASONS, PairSettings, make_pairs
from fcdpo.types import Trace

PAIRS = "pairs.jsonl"
STATS = "stats.json"
MESSAGE_COLUMNS = ("prompt", "chosen", "rejected")


def load_run_traces(dirs: list[Path], skip_bad: bool) -> tuple[list[Trace], int]:
    """Traces of one or more generate runs, and the number of bad lines skipped."""
    traces, bad = [], 0
    for run in dirs:
        path = Path(run) / TRACES if Path(run).is_dir() else Path(run)
        if not path.is_file():
            raise UserError(f"{run}: no {TRACES} here (is it a `fcdpo generate` output dir?)")
        manifest = path.parent / MANIFEST
        if manifest.is_file():  # a user's task, named by its file in the run's config, must be loaded to be known
            load_tasks(json.loads(manifest.read_text()).get("config", {}).get("tasks", []))
        found, skipped = read_traces(path, skip_bad=skip_bad)
        traces += found
        bad += skipped
    return traces, bad


def langsmith_examples(traces: list[Trace]) -> list[dict[str, Any]]:
    """One LangSmith dataset example per problem with a correct chain: inputs = the problem,
    reference outputs = the answer and that chain.
    """
    examples, seen = [], set()
    for trace in traces:
        if trace.verdict != "correct" or trace.problem.id in seen:
            continue
        seen.add(trace.problem.id)
        examples.append(
            {
                "inputs": {
                    "question": trace.problem.question,
                    "task": trace.problem.task,
                    "problem_id": trace.problem.id,
                },
                "outputs": {"answer": trace.problem.answer, "chain": to_chat_dicts(trace.messages)},
                "metadata": {"model": trace.model, "steps": len(trace.steps)},
            }
        )
    return examples


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def run_export(
    dirs: list[Path],
    out: Path,
    rejected_from: list[Path] | None = None,
    skip_bad: bool = False,
    langsmith_file: Path | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """Write pairs and stats; returns the stats. `settings` are `PairSettings` fields.

    Right chains of `dirs` are chosen; wrong ones of `rejected_from` (when given, else of `dirs`) rejected.
    """
    chosen = PairSettings(**settings)
    traces, bad = load_run_traces(dirs, skip_bad)
    rejected, bad_rejected = load_run_traces(rejected_from, skip_bad) if rejected_from else (None, 0)
    result = make_pairs(traces, chosen, rejected)
    out.mkdir(parents=True, exist_ok=True)
    _write_jsonl(out / PAIRS, result.pairs)
    reasons = Counter(result.no_pair.values())
    stats = {
        "mode": chosen.mode,
        "pairs": len(result.pairs),
        "pairs_per_task": dict(sorted(Counter(p["task"] for p in result.pairs).items())),
        "problems": len({t.problem.id for t in traces}),
        "problems_with_pairs": len({p["id"] for p in result.pairs}),
        "no_pair": {reason: reasons.get(reason, 0) for reason in NO_PAIR_REASONS},
        "no_pair_problems": result.no_pair,
        "chains": {
            "read": len(traces),
            "correct": sum(t.verdict == "correct" for t in traces),
            "failed": sum(t.status == "failed" for t in traces),
            "rejected_from": len(rejected) if rejected is not None else None,
        },
        "bad_lines_skipped": bad + bad_rejected,
        "sources": [str(d) for d in dirs],
        "rejected_sources": [str(d) for d in rejected_from] if rejected_from else None,
        **{name: value for name, value in asdict(chosen).items() if name != "mode"},
    }
    (out / STATS).write_text(json.dumps(stats, indent=2) + "\n")
    if langsmith_file:
        _write_jsonl(Path(langsmith_file), langsmith_examples(traces))
    return stats


def upload_examples(dataset: str, examples: list[dict[str, Any]]) -> int:
    """Create LangSmith dataset `dataset` (or add to it) with `examples`; returns how many were sent."""
    from langsmith import Client

    client = Client()
    if client.has_dataset(dataset_name=dataset):
        target = client.read_dataset(dataset_name=dataset)
    else:
        target = client.create_dataset(dataset, description="Correct fcdpo chains: problem → answer and chain")
    if examples:
        client.create_examples(dataset_id=target.id, examples=examples)
    return len(examples)


def load_pairs(path: str | Path):
    """`pairs.jsonl` (or its dir) as a `datasets.Dataset` whose message columns are JSON-typed."""
    from datasets import Features, Json, List, Value, load_dataset

    path = Path(path)
    path = path / PAIRS if path.is_dir() else path
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    with path.open(encoding="utf-8") as handle:
        first = json.loads(handle.readline() or "{}")
    if not first:
        raise UserError(f"{path}: no pairs in file")
    features = Features({name: List(Json()) if name in MESSAGE_COLUMNS else Value("string") for name in first})
    return load_dataset("json", data_files=str(path), features=features, split="train")
