"""What each model's SQL chains do, not only how often they are right: one table per traces file.

    python examples/sql_agent/read_chains.py runs/sql/eval/traces/*/traces.jsonl
    python examples/sql_agent/read_chains.py runs/sql/generate/traces.jsonl --templates

For every chain: did it run a query at all, did the answer come from a query result (`answer_derived`),
how many queries failed (an invented column, a syntax error), did it look at the schema first. These are
the behaviours DPO should move; accuracy alone hides a right answer that was guessed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

from fcdpo.tasks import get_task
from fcdpo.types import Trace

TASK = get_task(f"{Path(__file__).resolve().parent / 'task.py'}:task")
SCHEMA_TOOLS = {"list_tables", "describe_table"}


def chain_facts(trace: Trace) -> dict[str, object]:
    """The behaviours of one chain, as booleans and counts."""
    calls = [step.call["name"] if step.call else None for step in trace.steps]
    queries = [step for step in trace.steps if step.call and step.call["name"] == "run_query"]
    return {
        "right": trace.verdict == "correct",
        "derived": TASK.answer_derived(trace),
        "queried": bool(queries),
        "failed_queries": sum(step.error is not None for step in queries),
        "schema_first": bool(calls) and calls[0] in SCHEMA_TOOLS,
        "finished": trace.status == "finished" and "final_answer" in calls,
        "guessed": (guessed := trace.answer is not None and not TASK.answer_derived(trace)),
        "guessed_after_error": guessed and any(step.error is not None for step in queries),
        "steps": len(trace.steps),
        "first_call": calls[0] if calls else "(none)",
    }


def read(path: Path) -> list[Trace]:
    """The chains of one traces.jsonl."""
    return [Trace.from_dict(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def summary(traces: list[Trace]) -> dict[str, object]:
    """Shares over one model's chains."""
    facts = [chain_facts(t) for t in traces]
    n = len(facts) or 1

    def share(key: str) -> str:
        return f"{sum(bool(f[key]) for f in facts)}/{len(facts)}"

    return {
        "right": share("right"),
        "right and derived": f"{sum(f['right'] and f['derived'] for f in facts)}/{len(facts)}",
        "ran a query": share("queried"),
        "looked at the schema first": share("schema_first"),
        "failed queries per chain": f"{sum(f['failed_queries'] for f in facts) / n:.2f}",
        "chains with a failed query": share("failed_queries"),
        "ended with final_answer": share("finished"),
        "answered what no query returned": share("guessed"),
        "  ...after a failed query": share("guessed_after_error"),
        "mean steps": f"{sum(f['steps'] for f in facts) / n:.2f}",
        "first calls": dict(Counter(f["first_call"] for f in facts).most_common(4)),
    }


def by_template(traces: list[Trace]) -> dict[str, str]:
    """Right answers per question template."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for trace in traces:
        counts[trace.problem.meta.get("template", "?")][0] += trace.verdict == "correct"
        counts[trace.problem.meta.get("template", "?")][1] += 1
    return {name: f"{right}/{total}" for name, (right, total) in sorted(counts.items())}


def main(argv: list[str] | None = None) -> int:
    """Print a summary per traces file (and per template with --templates)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+", type=Path, help="traces.jsonl files (a generate or eval run's)")
    parser.add_argument("--templates", action="store_true", help="also right answers per question template")
    args = parser.parse_args(argv)
    for path in args.traces:
        if not path.is_file():
            parser.error(f"{path}: no such file")
        traces = read(path)
        print(f"== {path} ({traces[0].model if traces else 'empty'})")
        for key, value in summary(traces).items():
            print(f"  {key:34} {value}")
        if args.templates:
            for name, value in by_template(traces).items():
                print(f"    {name:34} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
