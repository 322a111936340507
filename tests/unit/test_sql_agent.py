"""The SQL agent example: its database, questions, read-only tools and a chain through the graph."""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import pytest

from fcdpo.graphs import Context, solve
from fcdpo.tasks import get_task, split_of
from fcdpo.types import Problem

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sql_agent"
SPEC = f"{EXAMPLE / 'task.py'}:task"
sys.path.insert(0, str(EXAMPLE))

import questions as sql_questions  # noqa: E402
import shop_db  # noqa: E402


@pytest.fixture(scope="module")
def task():
    return get_task(SPEC)


def _task_module():
    """The loaded task file (the registry imports it under a name of its own)."""
    return next(m for name, m in sys.modules.items() if name.startswith("fcdpo_task_") and hasattr(m, "run_query"))


def test_database_builds_identically_twice(tmp_path):
    dumps = []
    for name in ("a.sqlite", "b.sqlite"):
        connection = sqlite3.connect(shop_db.build(tmp_path / name))
        dumps.append(list(connection.iterdump()))
        connection.close()
    assert dumps[0] == dumps[1]
    assert len([line for line in dumps[0] if line.startswith('INSERT INTO "orders"')]) == 300


def test_questions_file_is_what_the_generator_writes_and_every_gold_query_gives_its_answer(task, tmp_path):
    rows = [json.loads(line) for line in (EXAMPLE / "questions.jsonl").read_text().splitlines()]
    assert rows == sql_questions.questions(shop_db.build(tmp_path / "shop.sqlite"))
    assert len(rows) >= 300 and len({r["meta"]["template"] for r in rows}) >= 25
    splits = Counter(split_of(r["question"]) for r in rows)
    assert splits["test"] >= 100 and len({r["question"] for r in rows}) == len(rows)
    module = _task_module()
    for row in rows:
        result = module.run_query(row["meta"]["sql"])
        values = json.loads(result.split("rows: ", 1)[1])
        kept = values[:1] if "ORDER BY" in row["meta"]["sql"] and "LIMIT" not in row["meta"]["sql"] else values
        answer = sql_questions.answer_text([tuple(v) for v in kept], row["meta"]["grade"])
        problem = Problem.from_dict(row)
        assert task.check(answer, row["answer"], problem), (row["question"], answer, row["answer"])


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE orders",
        "UPDATE products SET price = 0",
        "INSERT INTO customers VALUES (99, 'x', 'y', '2024-01-01')",
        "ATTACH DATABASE ':memory:' AS other",
        "PRAGMA writable_schema = ON",
        "CREATE TABLE t (x)",
        "SELECT 1; DROP TABLE orders",
    ],
)
def test_run_query_refuses_anything_but_reading(task, sql):
    module = _task_module()
    with pytest.raises(ValueError, match="not authorized|one statement|SQL error"):
        module.run_query(sql)
    assert module.run_query("SELECT COUNT(*) FROM orders") == "columns: COUNT(*); rows: [[300]]"


def test_runaway_query_times_out_and_rows_are_capped(task):
    module = _task_module()
    with pytest.raises(TimeoutError, match="stopped after"):
        module.run_query("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT COUNT(*) FROM n")
    assert module.run_query("SELECT id FROM orders").endswith(f"(first {module.MAX_ROWS} rows only; narrow the query)")


def test_a_scripted_model_solves_a_question_and_sees_sql_errors(task, scripted):
    problem = next(p for p in task.problems("test", 200) if p.meta["template"] == "customers_in_city")
    city = problem.question.removeprefix("Which customers live in ").rstrip("?")
    model = scripted(
        "list_tables()",
        'run_query(sql="SELECT nam FROM customers")',
        f"run_query(sql=\"SELECT name FROM customers WHERE city = '{city}'\")",
        f"final_answer(answer={json.dumps(problem.answer)})",
    )
    trace = solve(problem, Context(task=SPEC), model=model)
    assert trace.steps[0].result == "customers, order_items, orders, products"
    assert trace.steps[1].error == "run_query: SQL error: no such column: nam"
    assert trace.verdict == "correct"
    # Order does not matter for a list, and a partial list is wrong.
    names = problem.answer.split(", ")
    assert task.check(", ".join(reversed(names)), problem.answer, problem)
    assert len(names) < 2 or not task.check(names[0], problem.answer, problem)
    # The answer came from the query's rows: derived, not stated.
    assert task.answer_derived(trace)


def test_a_right_answer_no_query_returned_is_not_derived(task, scripted):
    problem = next(p for p in task.problems("test", 200) if p.meta.get("grade") == "number")
    guessed = solve(problem, Context(task=SPEC), model=scripted(f"final_answer(answer={json.dumps(problem.answer)})"))
    assert guessed.verdict == "correct" and not task.answer_derived(guessed)
    assert task.result_answer("columns: COUNT(*); rows: [[6]]") == "6"
    assert task.result_answer("run_query: SQL error: no such table: x") is None


def test_a_query_that_reads_no_table_derives_nothing(task, scripted):
    """`SELECT 6` returns the answer but reads nothing of the database: right, and not derived."""
    problem = next(p for p in task.problems("test", 200) if p.meta.get("grade") == "number")
    constant = scripted(f'run_query(sql="SELECT {problem.answer}")', f"final_answer(answer={problem.answer})")
    trace = solve(problem, Context(task=SPEC), model=constant)
    assert trace.verdict == "correct" and trace.steps[0].ok and not task.answer_derived(trace)
    module = _task_module()
    assert module.tables_read("SELECT COUNT(*) FROM customers") == {"customers"}
    assert module.tables_read("SELECT 42") == set() == module.tables_read("SELECT name FROM sqlite_master")
    assert module.tables_read("SELECT nope FROM") == set()  # does not compile


def test_the_gold_demonstration_lists_describes_the_tables_its_query_reads_queries_and_answers(task):
    """`reference` as a teacher: the chain an agent with a labelled question writes, right and derived."""
    from fcdpo.models.reference import solver_model

    problem = next(p for p in task.problems("train", 10_000) if len(_task_module().tables_read(p.meta["sql"])) >= 2)
    calls = task.reference_calls(problem)
    tables = sorted(_task_module().tables_read(problem.meta["sql"]))
    assert calls[0] == "list_tables()" and len(calls) == len(tables) + 3
    assert calls[1:-2] == [f'describe_table(name="{table}")' for table in tables]
    trace = solve(problem, Context(task=SPEC, max_steps=10), model=solver_model("reference", problem))
    assert trace.verdict == "correct" and all(step.ok for step in trace.steps) and task.answer_derived(trace)
    assert "customers" in trace.steps[0].result  # list_tables really listed them


def test_the_scripted_baseline_runs_the_nearest_training_questions_gold_query(task):
    """Same template, other values: the nearest training question's query answers a different question."""
    problem = next(p for p in task.problems("test", 200) if p.meta["template"] == "count_customers_city")
    calls = task.scripted_calls(problem)
    assert calls[0].startswith("run_query(sql=") and calls[1].startswith("final_answer(")
    train_sql = {p.meta["sql"] for p in task.problems("train", 10_000)}
    assert json.loads(calls[0].removeprefix("run_query(sql=").removesuffix(")")) in train_sql


def test_a_sample_of_a_split_spans_the_whole_file_not_its_first_templates(task):
    sample = task.problems("train", 120)
    everything = task.problems("train", 10_000)
    assert len(sample) == 120 and len({p.id for p in sample}) == 120
    assert len({p.meta["template"] for p in sample}) >= 20  # the file is written template by template
    assert [p.id for p in sample] == [p.id for p in task.problems("train", 120)]  # seeded: the same sample
    assert [p.id for p in sample] != [p.id for p in task.problems("train", 120, seed=1)]
    order = {p.id: i for i, p in enumerate(everything)}
    assert [order[p.id] for p in sample] == sorted(order[p.id] for p in sample)  # kept in file order


def test_chain_reading_counts_a_guess_after_a_failed_query(task, scripted, tmp_path):
    import read_chains

    problem = next(p for p in task.problems("test", 200) if p.meta.get("grade") == "number")
    gave_up = solve(
        problem,
        Context(task=SPEC),
        model=scripted('run_query(sql="SELECT nam FROM customers")', "list_tables()", "final_answer(answer=1)"),
    )
    query, answer = f'run_query(sql="{problem.meta["sql"]}")', f"final_answer(answer={json.dumps(problem.answer)})"
    solved = solve(problem, Context(task=SPEC), model=scripted(query, answer))
    facts = read_chains.chain_facts(gave_up)
    assert facts["guessed_after_error"] and facts["failed_queries"] == 1 and not facts["schema_first"]
    assert not read_chains.chain_facts(solved)["guessed"]
    path = tmp_path / "traces.jsonl"
    path.write_text("".join(json.dumps(t.to_dict()) + "\n" for t in (gave_up, solved)))
    summary = read_chains.summary(read_chains.read(path))
    assert summary["right and derived"] == "1/2" and summary["  ...after a failed query"] == "1/2"


@pytest.mark.parametrize(
    "plain, variant",
    [("task", "task_answer_from_queries"), ("task_new_templates", "task_new_templates_answer_from_queries")],
)
def test_the_answer_from_queries_variants_ask_the_same_questions_with_their_rules_in_the_prompt(plain, variant):
    from fcdpo.graphs.prompts import system_prompt

    plain, variant = (get_task(f"{EXAMPLE / 'task.py'}:{name}") for name in (plain, variant))
    shown = system_prompt(variant)
    assert all(f"\n- {rule}\n" in shown for rule in variant.rules) and len(variant.rules) == 2
    assert shown.replace("".join(f"\n- {rule}" for rule in variant.rules), "") == system_prompt(plain)
    assert [p.question for p in variant.problems("test", 500)] == [p.question for p in plain.problems("test", 500)]
