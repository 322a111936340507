"""Reading word-problem chains: each wrong chain lands in the class of the step that failed."""

import json

import pytest

from fcdpo.evals.math_chains import classify, main, question_numbers
from fcdpo.types import Problem, Step, Trace

QUESTION = "A boy has 9 toys. His cousin has 3 fewer toys than he has. How many toys do they have together?"


def chain(*calls: tuple[str, str], answer: str | None, verdict: str) -> Trace:
    """A chain of `calculate` calls (expression, result), then `final_answer(answer)` unless answer is None."""
    steps = [
        Step(i, f'calculate(expression="{e}")', {"name": "calculate", "args": {"expression": e}}, result=r)
        for i, (e, r) in enumerate(calls)
    ]
    if answer is not None:
        steps.append(Step(len(steps), "", {"name": "final_answer", "args": {"answer": answer}}, result=answer))
    problem = Problem("p", "math-calculator", QUESTION, "15")
    status = "finished" if answer is not None else "unfinished"
    return Trace(problem, "m", [], steps, answer=answer, verdict=verdict, status=status)


@pytest.mark.parametrize(
    ("trace", "expected"),
    [
        (chain(("9 + (9 - 3)", "15"), answer="15", verdict="correct"), "right, derived"),
        (chain(("9", "9"), answer="15", verdict="correct"), "right, stated"),
        (chain(("9 + 3", "12"), answer=None, verdict="incorrect"), "unfinished"),
        (chain(answer="12", verdict="incorrect"), "no calculation"),
        (chain(("9 - 3", "6"), ("9 + 6", "15"), answer="16", verdict="incorrect"), "carrying"),
        (chain(("9 + (9 - 5)", "13"), answer="13", verdict="incorrect"), "a number not in the problem"),
        (chain(("9 + (3 - 9)", "3"), answer="3", verdict="incorrect"), "wrong formula"),
        # a rounded result is the calculation's answer, as the grader reads it, not a carrying slip
        (chain(("(9 + 3) / 9", "1.333333333"), answer="1.33", verdict="incorrect"), "wrong formula"),
        # an earlier result is a known number, not an invented one
        (chain(("9 - 3", "6"), ("6 * 9 + 6", "60"), answer="60", verdict="incorrect"), "wrong formula"),
    ],
)
def test_a_chain_lands_in_the_class_of_the_step_that_failed(trace, expected):
    assert classify(trace) == expected


def test_question_numbers_reads_digits_words_and_percentages():
    numbers = question_numbers("Half of the 1,200 apples, twice a week, 30% off, three boxes, one and a half times")
    assert {1200, 0.5, 2, 30, 0.3, 0.7, 1.3, 3, 1.5} <= numbers
    assert 5 not in numbers


def test_the_command_prints_one_table_per_file(tmp_path, capsys):
    traces = tmp_path / "traces.jsonl"
    traces.write_text(json.dumps(chain(("9 + (9 - 3)", "15"), answer="15", verdict="correct").to_dict()) + "\n")
    assert main([str(traces)]) == 0
    assert "right, derived                 1/1" in capsys.readouterr().out


def test_a_bad_traces_file_is_one_line_naming_it(tmp_path, capsys):
    bad = tmp_path / "traces.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(SystemExit):
        main([str(bad)])
    assert f"{bad}:1" in capsys.readouterr().err
