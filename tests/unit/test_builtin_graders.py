"""The graders a plug-in task names: each on a table of right answers and near-misses that must be wrong."""

from __future__ import annotations

import pytest

from fcdpo.errors import UserError
from fcdpo.tasks import make_grader
from fcdpo.types import Problem

PROBLEM = Problem("p", "t", "q")

CASES = {
    ("exact", ()): [
        ("Paris", "Paris", True),
        (" Paris ", "Paris", True),
        ("paris", "Paris", False),
        ("Paris.", "Paris", False),
        ("Paris, France", "Paris", False),
        ("", "Paris", False),
        ("42", "42", True),
        ("42.0", "42", False),
        ("Par is", "Paris", False),
        ("Paris\n", "Paris", True),
        ('"Paris"', "Paris", False),
        ("PARIS", "PARIS", True),
        ("London", "Paris", False),
        ("Paris or London", "Paris", False),
        ("not Paris", "Paris", False),
    ],
    ("normalized_text", ()): [
        ("paris", "Paris", True),
        ("**Paris**.", "Paris", True),
        ('"Paris"', "Paris", True),
        ("New   York", "new york", True),
        ("Paris, France", "Paris", False),
        ("not Paris", "Paris", False),
        ("Paris or London", "Paris", False),
        ("It is Paris", "Paris", False),
        ("", "Paris", False),
        ("Pariss", "Paris", False),
        ("PARIS!", "paris", True),
        ("the answer", "Paris", False),
        ("`Paris`", "Paris", True),
        ("Paris?", "Paris", True),
        ("Par-is", "Paris", False),
    ],
    ("number", (("tolerance", 0.01),)): [
        ("12", "12", True),
        ("$12.00", "12", True),
        ("12 apples", "12", True),
        ("1,200", "1200", True),
        ("12.005", "12", True),
        ("12.5", "12", False),
        ("12 or 13", "12", False),
        ("between 10 and 12", "12", False),
        ("about 12", "12", False),
        ("not 12", "12", False),
        ("twelve", "12", False),
        ("3 * 4 = 12", "12", False),
        ("", "12", False),
        ("-12", "12", False),
        ("3/4", "0.75", True),
    ],
    ("label", (("labels", ("yes", "no")),)): [
        ("yes", "yes", True),
        ("Yes.", "yes", True),
        ("**NO**", "no", True),
        ("no", "yes", False),
        ("not yes", "yes", False),
        ("yes or no", "yes", False),
        ("It is yes", "yes", False),
        ("maybe", "yes", False),
        ("", "yes", False),
        ("yes!", "yes", True),
        ("'no'", "no", True),
        ("yes no", "yes", False),
        ("y", "yes", False),
        ("yess", "yes", False),
        ("No", "NO", True),
    ],
    ("json", ()): [
        ('{"a": 1, "b": [1, 2]}', '{"b": [1, 2], "a": 1}', True),
        ('```json\n{"a": 1}\n```', '{"a": 1}', True),
        ('{"a": 1.0}', '{"a": 1}', True),
        ('{"a": "1"}', '{"a": 1}', False),
        ('{"b": [2, 1], "a": 1}', '{"a": 1, "b": [1, 2]}', False),
        ('{"a": 1, "c": 2}', '{"a": 1}', False),
        ("{'a': 1}", '{"a": 1}', False),
        ("a=1", '{"a": 1}', False),
        ("[1, 2]", "[1, 2]", True),
        ("[2, 1]", "[1, 2]", False),
        ("null", "null", True),
        ("", '{"a": 1}', False),
        ('{"a": {"b": null}}', '{"a": {"b": null}}', True),
        ('{"a": true}', '{"a": 1}', True),  # JSON numbers and booleans compare as Python does: documented
        ('"x"', '"x"', True),
    ],
    ("set", ()): [
        ("Alice, Bob", '["Bob", "Alice"]', True),
        ('["alice", "bob"]', '["Bob", "Alice"]', True),
        ("Alice; Bob", "Alice, Bob", True),
        ("Alice\nBob", "Bob, Alice", True),
        ("Alice", "Alice, Bob", False),
        ("Alice, Bob, Carol", "Alice, Bob", False),
        ("Alice, Alice", "Alice, Bob", False),
        ("1, 2, 3", "[3, 2, 1]", True),
        ("1, 2", "[1, 2, 3]", False),
        ("12.0, 3", "[3, 12]", True),
        ("", "Alice", False),
        ("Alice and Bob", "Alice, Bob", False),
        ("[]", "Alice", False),
        ("Bob, Alice", "Alice, Bob", True),
        ("Alice, Bobby", "Alice, Bob", False),
    ],
    ("rows", ()): [
        ('[["Alice", 3], ["Bob", 2]]', '[["Bob", 2], ["Alice", 3]]', True),
        ('[["Alice", 3.0], ["Bob", "2"]]', '[["Alice", 3], ["Bob", 2]]', True),
        ('[["Alice", 3]]', '[["Alice", 3], ["Bob", 2]]', False),
        ('[["Alice", 2], ["Bob", 3]]', '[["Alice", 3], ["Bob", 2]]', False),
        ("Alice, Bob", '[["Alice"], ["Bob"]]', True),
        ("Bob, Alice", '[["Alice"], ["Bob"]]', True),
        ("Alice, 3", '[["Alice", 3]]', False),  # two columns need rows, not a flat list
        ("42", "[[42]]", True),
        ("42.5", "[[42]]", False),
        ("41, 42", "[[42]]", False),
        ("", "[[42]]", False),
        ("[[1, 2]]", "[[2, 1]]", False),
        ('[["alice", 3]]', '[["Alice", 3]]', True),
        ("$1,200.00", "[[1200]]", True),
        ('[["Alice", 3], ["Alice", 3]]', '[["Alice", 3]]', False),
    ],
    ("rows", (("ordered", True),)): [
        ("[1, 2]", "[[1], [2]]", True),
        ("[2, 1]", "[[1], [2]]", False),
        ("Alice, Bob", '[["Alice"], ["Bob"]]', True),
        ("Bob, Alice", '[["Alice"], ["Bob"]]', False),
        ('[["a", 1], ["b", 2]]', '[["a", 1], ["b", 2]]', True),
        ('[["b", 2], ["a", 1]]', '[["a", 1], ["b", 2]]', False),
        ("[[1], [2], [3]]", "[[1], [2]]", False),
        ("1\n2", "[[1], [2]]", True),
        ("1; 2", "[[1], [2]]", True),
        ("[1]", "[[1], [2]]", False),
        ("[[1, 2]]", "[[1, 2]]", True),
        ("[[2, 1]]", "[[1, 2]]", False),
        ("", "[[1]]", False),
        ("1", "[[1]]", True),
        ("one", "[[1]]", False),
    ],
}


@pytest.mark.parametrize(
    "grader, options, predicted, truth, right",
    [(name, dict(options), *case) for (name, options), cases in CASES.items() for case in cases],
)
def test_builtin_grader_table(grader, options, predicted, truth, right):
    assert make_grader(grader, **options).check(predicted, truth, PROBLEM) is right


def test_every_grader_is_tested_on_answers_it_must_accept_and_answers_it_must_refuse():
    """A grader that accepts everything (or nothing) fails its own table only if the table holds both kinds."""
    assert {name for name, _ in CASES} == {"exact", "normalized_text", "number", "label", "json", "set", "rows"}
    assert all({right for *_, right in cases} == {True, False} for cases in CASES.values())


def test_no_answer_is_wrong_and_truths_are_checked():
    assert make_grader("exact").check(None, "x") is False
    assert make_grader("number").truth_error("twelve") == "'twelve' is not one number"
    assert make_grader("label", labels=["yes", "no"]).truth_error("maybe") == "'maybe' is not one of yes, no"
    assert make_grader("rows").truth_error("[]") is not None
    assert make_grader("json").truth_error("{a") is not None
    assert make_grader("number").truth_error("12") is None


def test_callable_grader_gets_the_problem_and_its_errors_are_one_line():
    seen = []

    def within_budget(predicted, truth, problem):
        seen.append(problem.id)
        return float(predicted) <= float(truth)

    grader = make_grader(within_budget)
    assert grader.check("3", "5", PROBLEM) and not grader.check("7", "5", PROBLEM) and seen == ["p", "p"]
    with pytest.raises(UserError, match=r"grader within_budget raised ValueError: .* \(answer 'lots'\)"):
        grader.check("lots", "5", PROBLEM)


def test_unknown_grader_and_label_without_labels():
    with pytest.raises(UserError, match="unknown grader 'fuzzy'; choose from exact, normalized_text"):
        make_grader("fuzzy")
    with pytest.raises(UserError, match="labels="):
        make_grader("label")
