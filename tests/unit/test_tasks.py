"""Tasks: generators (templates, depths, splits), graders, the user dataset loader."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import pytest

from fcdpo.errors import UserError
from fcdpo.tasks import get_task, split_of
from fcdpo.tasks.dataset import load_dataset
from fcdpo.tasks.math import MathTask, solve_steps
from fcdpo.tasks.math_templates import TEMPLATES, Ref
from fcdpo.tasks.registry import load_object
from fcdpo.types import Problem, Step, Trace


def test_at_least_twenty_templates_with_two_to_six_operations():
    assert len(TEMPLATES) >= 20
    ops = {name: len(fn(random.Random(0)).solution) for name, fn in TEMPLATES.items()}
    assert min(ops.values()) >= 2 and max(ops.values()) == 6


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_template_truth_recomputed_through_the_tools(name):
    task = MathTask()
    for seed in range(200):
        generated = TEMPLATES[name](random.Random(seed))
        # Every literal the solution uses appears in the question (unit constants such as 60
        # minutes or 100 km aside): the chain is grounded in the text.
        for _, args in generated.solution:
            for arg in args:
                if not isinstance(arg, Ref) and str(arg) not in ("2", "4", "60", "100", "3"):
                    assert str(arg) in generated.question, (arg, generated.question)
        _, value = solve_steps(generated.solution, task.functions)
        assert Fraction(str(value)) == pytest.approx(generated.answer, abs=1e-9), generated.question


def test_math_reference_chain_reaches_the_answer_through_the_tools():
    task = MathTask()
    for problem in task.problems("train", 300):
        *operations, answer = task.reference_calls(problem)
        assert len(operations) == problem.meta["ops"] and answer.startswith("final_answer(answer=")
        assert task.check(answer.removeprefix("final_answer(answer=").removesuffix(")"), problem.answer), (
            problem.question
        )
    assert task.reference_calls(Problem("p", "math", "What is 2 + 3?", "5")) is None  # not generated here: no solution


@pytest.mark.parametrize("name", ["math", "logic"])
def test_splits_are_deterministic_and_disjoint(name):
    task = get_task(name)
    train, test = task.problems("train", 300), task.problems("test", 100)
    assert [p.question for p in train] == [p.question for p in task.problems("train", 300)]
    assert not {p.question for p in train} & {p.question for p in test}
    assert all(split_of(p.question) == "test" for p in test)
    assert len({p.id for p in train + test}) == 400
    assert task.problems("train", 10) == train[:10]
    assert [p.question for p in task.problems("train", 5, seed=1)] != [p.question for p in train[:5]]


def test_logic_covers_depths_worlds_and_labels():
    problems = get_task("logic").problems("train", 600)
    assert set(Counter(p.meta["depth"] for p in problems)) == set(range(6))
    assert {(p.meta["world"], p.answer) for p in problems} == {
        ("closed", "true"),
        ("closed", "false"),
        ("open", "true"),
        ("open", "false"),
        ("open", "unknown"),
    }
    assert all(("unknown" in p.question) == (p.meta["world"] == "open") for p in problems)


def test_dataset_loads_and_reports_bad_lines(tmp_path):
    good = tmp_path / "p.jsonl"
    good.write_text(
        '{"id": "1", "task": "math", "question": "2+2?", "answer": 4}\n\n'
        '{"id": "2", "task": "logic", "question": "q"}\n'
    )
    problems = load_dataset(good)
    assert [(p.id, p.answer) for p in problems] == [("1", "4"), ("2", None)]
    cases = {
        '{"id": "1", "task": "math"}': "p.jsonl:1: missing field 'question'",
        '{"id": "1", "task": "chess", "question": "q"}': "p.jsonl:1: unknown task 'chess'",
        "[1, 2]": "p.jsonl:1: expected a JSON object",
        '{"id": "1", "task": "math", "question": "q"}\n'
        '{"id": "1", "task": "math", "question": "r"}': "p.jsonl:2: duplicate id",
        "{oops": "p.jsonl:1: not valid JSON",
        '{"id": 0, "task": "math", "question": "q"}': "p.jsonl:1: 'id' must be a string, got 0",
        '{"id": "1", "task": ["math"], "question": "q"}': "p.jsonl:1: 'task' must be a string",
        '{"id": "1", "task": "math", "question": "  "}': "p.jsonl:1: 'question' is empty",
        '{"id": "1", "task": "math", "question": "q", "meta": "hard"}': "p.jsonl:1: 'meta' must be an object",
        '{"id": "1", "task": "logic", "question": "q", "answer": "ture"}': (
            "p.jsonl:1: logic answer 'ture' is not one of"
        ),
        '{"id": "1", "task": "logic", "question": "q", "answer": "not true"}': "p.jsonl:1: logic answer",
        '{"id": "1", "task": "math", "question": "q", "answer": "12 or 13"}': (
            "p.jsonl:1: math answer '12 or 13' is not one number"
        ),
        '{"id": "1", "task": "math", "question": "q", "answer": [12]}': (
            "p.jsonl:1: 'answer' must be a string or a number"
        ),
    }
    for text, message in cases.items():
        good.write_text(text + "\n")
        with pytest.raises(UserError, match=message):
            load_dataset(good)
    good.write_bytes(
        b'{"id": "1", "task": "math", "question": "2+2?"}\n{"id": "2", "task": "math", "question": "caf\xe9"}\n'
    )
    with pytest.raises(UserError, match="p.jsonl:2: not UTF-8 text"):
        load_dataset(good)
    good.write_text(
        '{"id": "1", "task": "logic", "question": "q", "answer": "False."}\n'
        '{"id": "2", "task": "logic", "question": "q", "answer": true}\n'
    )
    assert [get_task("logic").check("false", p.answer) for p in load_dataset(good)] == [True, False]
    with pytest.raises(UserError, match="no such file"):
        load_dataset(tmp_path / "missing.jsonl")


def test_a_file_loaded_by_many_threads_at_once_is_imported_once(tmp_path):
    """The parallel chains of a run load the user's file together: none may see it half imported."""
    source = tmp_path / "slow.py"
    source.write_text("import time\ntime.sleep(0.2)\nIMPORTS = []\nIMPORTS.append(1)\ndef make(): return IMPORTS\n")
    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(lambda _: load_object(f"{source}:make", "model"), range(8)))
    assert all(f is found[0] for f in found) and found[0]() == [1]


def test_math_calculator_writes_each_template_as_one_formula_that_computes_its_answer():
    """The calculator protocol's gold chains: one `calculate` per problem, equal to the template's answer, on the
    same questions and split as math-new-templates (only the tools differ).
    """
    calculator, per_operation = get_task("math-calculator"), get_task("math-new-templates")
    for split in ("train", "test"):
        problems = calculator.problems(split, 300)
        assert [p.question for p in problems] == [p.question for p in per_operation.problems(split, 300)]
        for problem in problems:
            call, answer = calculator.reference_calls(problem)
            assert call.startswith('calculate(expression="') and calculator.check(answer[20:-1], problem.answer)
    assert {p.meta["template"] for p in calculator.problems("train", 300)} <= set(TEMPLATES)
    assert [f.name for f in calculator.all_functions()][0] == "calculate"


def test_math_reading_calculator_gold_chains_compute_every_templates_answer():
    task = get_task("math-reading-calculator")
    for split in ("train", "test"):
        for problem in task.problems(split, 200):
            call, answer = task.reference_calls(problem)
            assert call.startswith('calculate(expression="') and task.check(answer[20:-1], problem.answer)


@pytest.mark.parametrize(
    ("expression", "derived"),
    [("60", False), ("-60", False), ("6 * 10", True), ("(50 - 2) + 12", True), ("2**6 - 4", True), (60, False)],
)
def test_a_calculation_that_only_echoes_a_number_derives_nothing(expression, derived):
    """`calculate(expression="60")` returns the number the model wrote: a right answer from it was stated."""
    task = get_task("math-calculator")
    problem = Problem(id="p", task=task.name, question="Six boxes of ten. How many?", answer="60")
    steps = [
        Step(0, "", {"name": "calculate", "args": {"expression": expression}}, result="60"),
        Step(1, "", {"name": "final_answer", "args": {"answer": "60"}}, result="60"),
    ]
    trace = Trace(problem, "m", [], steps, answer="60", verdict="correct", status="finished")
    assert task.answer_derived(trace) is derived


def test_a_file_of_math_lines_is_read_as_the_calculator_task_named(tmp_path):
    """`--task math-calculator --dataset gsm.jsonl` runs a file written for `math` with the calculator; with a task
    that reads no other task's files, or several tasks, each line keeps the task it names.
    """
    from fcdpo.graphs.generate import dataset_task

    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(
        '{"id": "1", "task": "math", "question": "2+2?", "answer": 4}\n{"id": "2", "task": "logic", "question": "q"}\n'
    )
    math_only = tmp_path / "math.jsonl"
    math_only.write_text(
        '{"id": "1", "task": "math", "question": "2+2?", "answer": 4}\n{"id": "2", "question": "3+3?"}\n'
    )
    for name in ("math-calculator", "math-reading-calculator"):
        task = dataset_task(str(math_only), [name])
        assert task is get_task(name)
        assert {p.task for p in load_dataset(math_only, task)} == {name}
        with pytest.raises(UserError, match=f"mixed.jsonl:2: task 'logic' does not match this file's task '{name}'"):
            load_dataset(mixed, dataset_task(str(mixed), [name]))
    assert (
        dataset_task(str(mixed), ["math"]) is None and dataset_task(str(mixed), ["math-calculator", "logic"]) is None
    )
    assert [p.task for p in load_dataset(mixed, dataset_task(str(mixed), ["math"]))] == ["math", "logic"]
