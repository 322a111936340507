"""Problems written outside fcdpo (`fcdpo dataset`).

Written as valid fcdpo JSONL, deterministic, with one-number answers.
"""

from __future__ import annotations

import subprocess
import sys

from fcdpo.tasks import get_task
from fcdpo.tasks.dataset import load_dataset


def test_gsm_symbolic_writes_a_deterministic_math_dataset(tmp_path):
    def write(name, seed):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "fcdpo.cli",
                "dataset",
                "gsm-symbolic",
                "--problems",
                "30",
                "--seed",
                str(seed),
                "--out",
                str(tmp_path / name),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return (tmp_path / name).read_text()

    first, again, other = write("a.jsonl", 0), write("b.jsonl", 0), write("c.jsonl", 1)
    assert first == again and first != other
    problems = load_dataset(tmp_path / "a.jsonl")  # the loader's checks: ids, task, one-number answers
    assert len(problems) == 30 and {p.task for p in problems} == {"math"}
    assert all(get_task("math").check(p.answer, p.answer) for p in problems)
    assert all("GSM8K test" in p.meta["source"] for p in problems)


def test_unknown_source_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "dataset", "proofwriter", "--out", str(tmp_path / "x.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        result.returncode == 2
        and result.stderr.strip() == "fcdpo: error: unknown dataset 'proofwriter'; choose from: gsm-symbolic"
    )
