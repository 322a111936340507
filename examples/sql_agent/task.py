"""A SQL agent as an fcdpo task: a shop's SQLite database, three read-only tools, 490 questions.

    fcdpo solve --task examples/sql_agent/task.py:task --sample 3
    fcdpo pipeline --config examples/sql_agent/pipeline.yaml --out runs/sql
    fcdpo eval --model qwen2.5-coder-0.5b --task examples/sql_agent/task.py:task_new_templates   # unseen templates

The tools are what such an agent has in an app: list the tables, describe one, run a query. A query
runs on a read-only connection that also refuses, statement by statement, anything but reading
(no INSERT/UPDATE/DROP, no ATTACH, no PRAGMA), stops after `QUERY_SECONDS`, and returns at most
`MAX_ROWS` rows. Its errors are returned to the model, which can fix its SQL and try again.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import sys
import time
from pathlib import Path

from fcdpo.tasks import define_task, make_grader
from fcdpo.types import Problem

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from shop_db import build  # noqa: E402 - the example's own module, next to this file

DATABASE = HERE / "shop.sqlite"  # built from its seed on first use (not committed)
QUERY_SECONDS = 2.0
MAX_ROWS = 30

# What a reading query needs; everything else (writes, ATTACH, PRAGMA, schema changes) is denied.
_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, sqlite3.SQLITE_RECURSIVE}


def _authorize(action: int, *_: object) -> int:
    return sqlite3.SQLITE_OK if action in _ALLOWED else sqlite3.SQLITE_DENY


def connect(path: Path = DATABASE) -> sqlite3.Connection:
    """A read-only connection that may only read, whatever SQL it is given."""
    if not path.is_file():
        build(path)
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    connection.set_authorizer(_authorize)
    return connection


def _rows(sql: str, parameters: tuple = ()) -> tuple[list[str], list[tuple], bool]:
    """Run one statement: column names, up to MAX_ROWS rows, and whether more were cut."""
    connection = connect()
    deadline = time.monotonic() + QUERY_SECONDS
    connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
    try:
        cursor = connection.execute(sql, parameters)
        rows = cursor.fetchmany(MAX_ROWS + 1)
        columns = [column[0] for column in cursor.description or []]
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise TimeoutError(f"query stopped after {QUERY_SECONDS:g} s; make it simpler") from None
        raise ValueError(f"SQL error: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise ValueError(f"SQL error: {exc}") from None
    finally:
        connection.close()
    return columns, rows[:MAX_ROWS], len(rows) > MAX_ROWS


def list_tables() -> str:
    """List the tables of the shop database."""
    _, rows, _ = _rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    return ", ".join(row[0] for row in rows)


def describe_table(name: str) -> str:
    """Show the columns of one table (its CREATE TABLE statement)."""
    _, rows, _ = _rows("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (name,))
    if not rows:
        raise ValueError(f"no table {name!r}; call list_tables()")
    return " ".join(rows[0][0].split())


def run_query(sql: str) -> str:
    """Run one read-only SQLite query and return its columns and rows."""
    if ";" in sql.strip().rstrip(";"):
        raise ValueError("one statement per call")
    columns, rows, cut = _rows(sql)
    shown = json.dumps([list(row) for row in rows])
    more = f" (first {MAX_ROWS} rows only; narrow the query)" if cut else ""
    return f"columns: {', '.join(columns)}; rows: {shown}{more}"


def query_answer(result: str) -> str | None:
    """The answer a `run_query` result states: its one value, or its rows as JSON (what the grader reads)."""
    match = re.match(r"columns: .*?; rows: (\[.*\])", result)
    if match is None:
        return None
    rows = json.loads(match.group(1))
    return str(rows[0][0]) if len(rows) == 1 and len(rows[0]) == 1 else match.group(1)


def tables_read(sql: str) -> set[str]:
    """The database tables a query reads (the schema table excluded), as SQLite's authorizer sees them when it
    compiles the query; empty for a query that reads none (`SELECT 42`) or does not compile.
    """
    read: set[str] = set()

    def record(action: int, table: str | None, *_: object) -> int:
        if action == sqlite3.SQLITE_READ and table and table != "sqlite_master":
            read.add(table)
        return _authorize(action)

    connection = connect()
    connection.set_authorizer(record)
    try:
        connection.execute(f"EXPLAIN {sql}").fetchall()  # EXPLAIN compiles the query without running it
    except sqlite3.DatabaseError:
        return set()
    finally:
        connection.close()
    return read


def reads_data(call: dict) -> bool:
    """A query derives an answer only when it reads a table of the database; the other tools return no answers."""
    return call.get("name") != "run_query" or bool(tables_read(str((call.get("args") or {}).get("sql", ""))))


_NUMBER = make_grader("number", tolerance=1e-4)
_ROWS = make_grader("rows")
_ORDERED = make_grader("rows", ordered=True)


def grade(predicted: str, truth: str, problem: Problem | None) -> bool:
    """Counts and sums are numbers (to 0.01%); lists are rows, order-free unless the question ranks them."""
    kind = (problem.meta.get("grade") if problem else None) or "rows"
    grader = {"number": _NUMBER, "ordered": _ORDERED}.get(kind, _ROWS)
    return grader.check(predicted, truth, problem)


def reference(problem: Problem) -> list[str] | None:
    """The gold demonstration, as an agent would work with a labelled question: list the tables, describe each one
    the gold SQL reads, run it, answer with its result. This is the `reference` teacher of a dataset whose
    examples carry reference queries (a LangSmith dataset, say).
    """
    sql = problem.meta.get("sql")
    if not sql or problem.answer is None:
        return None
    return [
        "list_tables()",
        *(f"describe_table(name={json.dumps(table)})" for table in sorted(tables_read(sql))),
        f"run_query(sql={json.dumps(sql)})",
        f"final_answer(answer={json.dumps(problem.answer)})",
    ]


def nearest_gold(train: list[Problem], problem: Problem) -> list[str] | None:
    """The scripted baseline: the gold SQL of the training question whose words overlap `problem`'s most, run,
    and its result as the answer. It scores what memorizing the training queries scores: on new templates, little.
    """

    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z0-9]+", text.lower()))

    asked = words(problem.question)
    best = max(train, key=lambda p: len(asked & words(p.question)) / len(asked | words(p.question)), default=None)
    if best is None or not best.meta.get("sql"):
        return None
    sql = best.meta["sql"]
    try:
        answer = query_answer(run_query(sql))
    except (ValueError, TimeoutError):
        answer = None
    return [f"run_query(sql={json.dumps(sql)})", f"final_answer(answer={json.dumps(answer or '')})"]


AGENT = dict(
    kind="questions about a shop's SQLite database (tables customers, products, orders, order_items)",
    cot_baseline=False,  # without the database there is nothing to reason from
    tools=[list_tables, describe_table, run_query],
    tool_examples={"describe_table": 'describe_table(name="orders")', "run_query": 'run_query(sql="SELECT ...")'},
    grader=grade,
    result_answer=query_answer,
    reads_data=reads_data,
    problems="questions.jsonl",
    examples="examples.json",
    reference=reference,
)

# Train and test split by question text: test questions are new instances of templates seen in training.
task = define_task(name="sql", scripted=lambda problem: nearest_gold(_train(task), problem), **AGENT)
# The same questions split by template: a quarter of the 30 templates are held out whole for test.
task_new_templates = define_task(
    name="sql-new-templates",
    stream="sql",
    split_by="template",
    scripted=lambda problem: nearest_gold(_train(task_new_templates), problem),
    **AGENT,
)
# The same questions and split as `task`, with two lines more in the prompt's list: what the agent is asked, not
# the data, made the 1.5B teacher answer from queries (docs/experiments.md, "The SQL teacher asked to answer from
# queries").
ANSWER_FROM_QUERIES = [
    "Never answer from memory: run a query that returns the answer, then answer with what it returned.",
    "If a query fails, fix it and run it again before you answer.",
]
task_answer_from_queries = define_task(
    name="sql-answer-from-queries",
    stream="sql",
    rules=ANSWER_FROM_QUERIES,
    scripted=lambda problem: nearest_gold(_train(task_answer_from_queries), problem),
    **AGENT,
)
# The same rules on the new-template split: the LLM teacher's recipe measured on what transfers.
task_new_templates_answer_from_queries = define_task(
    name="sql-new-templates-answer-from-queries",
    stream="sql",
    split_by="template",
    rules=ANSWER_FROM_QUERIES,
    scripted=lambda problem: nearest_gold(_train(task_new_templates_answer_from_queries), problem),
    **AGENT,
)


@functools.cache
def _train(of) -> list[Problem]:
    """Every training question of a task (what the scripted baseline may look at)."""
    return of.problems("train", 10_000)
