"""New-template splits: a task that splits by `template` (or `group`) keeps every group whole on one side and
holds out a quarter of the groups for test, for a user's task, the math task and the SQL agent alike.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from fcdpo.errors import UserError
from fcdpo.tasks import define_task, get_task, registry
from fcdpo.tasks.base import group_of, held_out_groups
from fcdpo.tasks.math import EXAMPLE_TEMPLATES
from fcdpo.tasks.math_templates import TEMPLATES

SQL_BY_TEMPLATE = f"{Path(__file__).resolve().parents[2] / 'examples' / 'sql_agent' / 'task.py'}:task_new_templates"


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(registry, "_loaded", {})


def add(a: float, b: float) -> float:
    """Add two numbers."""
    return a + b


def _sides(task, n: int) -> dict[str, set[str]]:
    """The groups each split's first `n` problems come from."""
    return {split: {group_of(p, task.split_by) for p in task.problems(split, n)} for split in ("train", "test")}


def test_a_users_file_split_by_template_keeps_each_template_on_one_side(tmp_path):
    rows = [
        {"id": f"{t}-{i}", "task": "adding", "question": f"Template {t}: add {i} and {t}.", "answer": str(i + t),
         "template": f"t{t}"}
        for t in range(10) for i in range(6)
    ]  # fmt: skip
    (tmp_path / "questions.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    task = define_task("adding", [add], "number", problems=tmp_path / "questions.jsonl", split_by="template")
    train, test = task.problems("train", 1000), task.problems("test", 1000)
    assert len(train) + len(test) == 60  # nothing lost
    sides = _sides(task, 1000)
    assert not sides["train"] & sides["test"]
    assert len(sides["test"]) == 3 == math.ceil(10 * 0.25)  # a quarter, rounded up
    assert sides["test"] == held_out_groups({f"t{t}" for t in range(10)})
    # Every problem of a held-out template is on the test side; the split by text would have mixed them.
    assert all(task.split_of(p.question) == "test" for p in test)
    registry._loaded.clear()
    by_text = define_task("adding", [add], "number", problems=tmp_path / "questions.jsonl")
    mixed = {group_of(p, "template") for p in by_text.problems("train", 1000)} & {
        group_of(p, "template") for p in by_text.problems("test", 1000)
    }
    assert mixed  # the default split shares templates between train and test


def test_the_held_out_groups_depend_only_on_the_group_names():
    names = [f"g{i}" for i in range(30)]
    held = held_out_groups(names)
    assert len(held) == 8 and held == held_out_groups(list(reversed(names)))
    assert held_out_groups(["only"]) == {"only"}  # at least one
    assert held_out_groups([]) == frozenset()
    assert len(held_out_groups(names, keep=tuple(held))) == 8 and not held & held_out_groups(names, keep=tuple(held))


def test_math_new_templates_holds_out_a_quarter_of_the_templates_whole():
    task = get_task("math-new-templates")
    sides = _sides(task, 150)
    assert not sides["train"] & sides["test"]
    assert sides["test"] == set(task.held_out_groups())
    assert len(sides["test"]) >= 0.25 * len(TEMPLATES)
    # Same questions as `math`, another split: a test question of the new-template split is never a train one.
    assert not {p.question for p in task.problems("test", 50)} & {p.question for p in task.problems("train", 300)}
    # The prompt's worked examples come from templates on the train side.
    assert not set(EXAMPLE_TEMPLATES) & task.held_out_groups()


def test_sql_agent_new_template_split():
    task = get_task(SQL_BY_TEMPLATE)
    sides = _sides(task, 10_000)
    assert not sides["train"] & sides["test"]
    assert len(sides["test"]) >= 0.25 * len(task.groups()) and len(task.groups()) == 30


def test_split_by_is_checked_in_one_line(tmp_path):
    (tmp_path / "q.jsonl").write_text(json.dumps({"id": "1", "task": "x", "question": "1+1?", "answer": "2"}) + "\n")
    with pytest.raises(UserError, match="split_by must be one of template, group"):
        define_task("x", [add], "number", problems=tmp_path / "q.jsonl", split_by="topic")
    with pytest.raises(UserError, match="no generator"):
        define_task("x", [add], "number", generator=lambda rng: {"question": "?", "answer": "1"}, split_by="group")
    task = define_task("x", [add], "number", problems=tmp_path / "q.jsonl", split_by="group")
    with pytest.raises(UserError, match="has no 'group' to split by"):
        task.problems("train", 1)


def test_math_reading_calculator_holds_out_the_test_templates_of_both_families_and_their_twins():
    """Trained here, a student is measured on `math-new-templates`' and `math-reading`'s test splits without having
    seen a test template, nor a train template that tells a held-out one's story in other words.
    """
    task = get_task("math-reading-calculator")
    held_out = task.held_out_groups()
    sides = _sides(task, 600)
    assert not sides["train"] & sides["test"] and sides["test"] == set(held_out)
    assert get_task("math-new-templates").held_out_groups() <= held_out
    assert get_task("math-reading").held_out_groups() <= held_out
    assert {"fence_cost", "fencing"} <= held_out
    assert len(held_out) >= 0.25 * len(task.templates) and len(sides["train"]) >= 40
