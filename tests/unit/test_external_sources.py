"""Problems written outside fcdpo (`fcdpo dataset`).

Written as valid fcdpo JSONL, deterministic, with one-number answers.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from fcdpo.evals.prontoqa_style import prontoqa_style
from fcdpo.tasks import get_task
from fcdpo.tasks.dataset import load_dataset
from fcdpo.tasks.logic_cite import sentence
from fcdpo.tools.logic import query


def dataset(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "dataset", *args], capture_output=True, text=True, timeout=120
    )


def test_gsm_symbolic_writes_a_deterministic_math_dataset(tmp_path):
    def write(name, seed):
        result = dataset("gsm-symbolic", "--problems", "30", "--seed", str(seed), "--out", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
        return (tmp_path / name).read_text()

    first, again, other = write("a.jsonl", 0), write("b.jsonl", 0), write("c.jsonl", 1)
    assert first == again and first != other
    problems = load_dataset(tmp_path / "a.jsonl")  # the loader's checks: ids, task, one-number answers
    assert len(problems) == 30 and {p.task for p in problems} == {"math"}
    assert all(get_task("math").check(p.answer, p.answer) for p in problems)
    assert all("GSM8K test" in p.meta["source"] for p in problems)


def test_unknown_source_is_one_line(tmp_path):
    result = dataset("proofwriter", "--out", str(tmp_path / "x.jsonl"))
    assert (
        result.returncode == 2
        and result.stderr.strip()
        == "fcdpo: error: unknown dataset 'proofwriter'; choose from: gsm-symbolic, prontoqa-style"
    )


def test_prontoqa_style_lines_are_for_the_logic_task_asked_and_deterministic(tmp_path):
    for name in ("a", "b"):
        result = dataset("prontoqa-style", "--task", "logic-lookup", "--problems", "30", "--out", str(tmp_path / name))
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "a").read_text() == (tmp_path / "b").read_text()
    problems = load_dataset(tmp_path / "a")
    assert {p.task for p in problems} == {"logic-lookup"} and {p.meta["hops"] for p in problems} == {1, 3, 5}
    assert {p.answer for p in problems} == {"true", "false"}


def test_prontoqa_style_is_refused_for_a_task_it_does_not_fit(tmp_path):
    result = dataset("prontoqa-style", "--task", "math", "--out", str(tmp_path / "x.jsonl"))
    assert result.returncode == 2 and result.stderr.strip() == (
        "fcdpo: error: --task math: prontoqa-style problems are for logic, logic-cite, logic-lookup, logic-lookup-deep"
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_every_prontoqa_style_label_is_what_the_engine_derives_from_the_sentences(seed):
    """The sentence reader reads ProntoQA's phrasings ("Wumpuses are tumpuses", "Each rompus is not shy"), so a
    student that states every sentence and queries gets exactly the label: none is unreadable or misread.
    """
    task = get_task("logic-lookup")
    for problem in prontoqa_style(60, seed, "logic-lookup"):
        workspace = task.new_workspace(problem)
        for number in range(1, len(workspace.sentences) + 1):
            assert sentence(number, workspace).startswith("noted"), workspace.sentences[number - 1]
        entity, said = problem.question.split('"')[1].split(" is ", 1)
        assert query(entity, said, workspace) == problem.answer
