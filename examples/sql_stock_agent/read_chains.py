"""What a model does inside the stock SQL agent, not only how often it is right: one table per traces file.

    python examples/sql_stock_agent/read_chains.py runs/sql-stock/eval/traces/*/traces.jsonl

Per chain, from its messages: did the model call a tool at all, or write a call as text the agent cannot run; did
it follow the agent's prompt (list the tables, read a schema, check the query, then run it); did its queries fail;
did the answer come from a query that read the database (the last query that ran, re-run through the SQL task's
read-only connection, must give the answer); did it repeat a call it had already made; did it stop with an empty
reply (the agent then ends without an answer) or still calling at the step limit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from fcdpo.tasks import get_task
from fcdpo.tasks.registry import load_object
from fcdpo.types import Trace

SQL_TASK = Path(__file__).resolve().parent.parent / "sql_agent" / "task.py"
TASK = get_task(f"{SQL_TASK}:task")
run_query, query_answer, tables_read = (
    load_object(f"{SQL_TASK}:{name}") for name in ("run_query", "query_answer", "tables_read")
)


def answered_by_query(trace: Trace, sql: str | None) -> bool:
    """The answer is what `sql` returns (all of it, or its first cell: the top of a ranking), and `sql` reads a
    table of the database (`SELECT 42` reads none).
    """
    if not sql or trace.answer is None or not tables_read(sql):
        return False
    try:
        returned = query_answer(run_query(sql))
    except (ValueError, TimeoutError):
        return False
    if returned is None:
        return False
    rows = json.loads(returned) if returned.startswith("[") else [[returned]]
    top = str(rows[0][0]) if rows and rows[0] else None
    return any(TASK.check(trace.answer, value, trace.problem) for value in (returned, top) if value is not None)


def chain_facts(trace: Trace) -> dict[str, object]:
    """The behaviours of one chain, as booleans and counts."""
    calls = [step.call for step in trace.steps if step.call]
    names = [call["name"] for call in calls]
    queries = [step for step in trace.steps if step.call and step.call["name"] == "sql_db_query"]
    ran = [step.call["args"].get("query") for step in queries if step.result and not step.result.startswith("Error")]
    first_reply = next((m for m in trace.messages if m.type == "ai"), None)
    last_reply = next((m for m in reversed(trace.messages) if m.type == "ai"), None)
    still_calling = bool(last_reply is not None and last_reply.tool_calls)
    text = str(first_reply.content) if first_reply is not None else ""
    first_query = names.index("sql_db_query") if "sql_db_query" in names else len(names)
    seen = [json.dumps([c["name"], c["args"]], sort_keys=True) for c in calls]
    return {
        "right": trace.verdict == "correct",
        "no_call": not calls,
        "call_as_text": not calls and ("sql_db_" in text or '"name"' in text),
        "listed_first": names[:1] == ["sql_db_list_tables"],
        "schema_before_query": "sql_db_schema" in names[:first_query],
        "checked": "sql_db_query_checker" in names[:first_query],
        "queried": bool(queries),
        "failed_queries": len(queries) - len(ran),
        "derived": (derived := answered_by_query(trace, ran[-1] if ran else None)),
        "right_not_derived": trace.verdict == "correct" and not derived,
        "repeated_call": len(set(seen)) < len(seen),
        "empty_end": trace.status == "unfinished" and not still_calling,
        "step_limit": trace.status == "unfinished" and still_calling,
        "steps": len(trace.steps),
    }


def summary(traces: list[Trace]) -> dict[str, object]:
    """Shares over one model's chains."""
    facts = [chain_facts(t) for t in traces]
    n = len(facts) or 1

    def share(key: str) -> str:
        return f"{sum(bool(f[key]) for f in facts)}/{len(facts)}"

    return {
        "right": share("right"),
        "right, answer from a query that read data": f"{sum(f['right'] and f['derived'] for f in facts)}/{len(facts)}",
        "right, answer no query returned": share("right_not_derived"),
        "called no tool": share("no_call"),
        "  ...wrote a call as text instead": share("call_as_text"),
        "listed the tables first": share("listed_first"),
        "read a schema before querying": share("schema_before_query"),
        "checked the query before running it": share("checked"),
        "ran a query": share("queried"),
        "failed queries per chain": f"{sum(f['failed_queries'] for f in facts) / n:.2f}",
        "repeated a call": share("repeated_call"),
        "ended with an empty reply": share("empty_end"),
        "hit the step limit, still calling": share("step_limit"),
        "mean steps": f"{sum(f['steps'] for f in facts) / n:.2f}",
        "steps": dict(sorted(Counter(f["steps"] for f in facts).items())),
    }


def main(argv: list[str] | None = None) -> int:
    """Print a summary per traces file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", nargs="+", type=Path, help="traces.jsonl files (a generate or eval run's)")
    args = parser.parse_args(argv)
    for path in args.traces:
        if not path.is_file():
            parser.error(f"{path}: no such file")
        traces = [Trace.from_dict(json.loads(line)) for line in path.read_text().splitlines() if line.strip()]
        print(f"== {path} ({traces[0].model if traces else 'empty'})")
        for key, value in summary(traces).items():
            print(f"  {key:42} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
