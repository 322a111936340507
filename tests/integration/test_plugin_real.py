"""Integration: a user's task file with a real packaged model — solve, generate, export, train, eval."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.plugin_fixture import write_plugin
from tests.scripted import scripted_model

pytestmark = pytest.mark.slow
STUDENT = "smollm2-135m"


def fcdpo(*args, timeout=900):
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", *args], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_plugin_task_end_to_end_with_a_real_student(tmp_path):
    spec = write_plugin(tmp_path / "plugin")
    # A real model solves through the plug-in's tools (its chain may be right or wrong; it must be recorded).
    shown = json.loads(
        fcdpo(
            "solve",
            "--task",
            spec,
            "--sample",
            "1",
            "--split",
            "train",
            "--model",
            STUDENT,
            "--max-steps",
            "3",
            "--json",
        )
    )
    assert shown["problem"]["task"] == "units" and shown["status"] in ("finished", "unfinished")
    assert "to_meters(feet: number)" in shown["messages"][0]["data"]["content"]

    # Gold chains from the task's own reference solver; wrong ones scripted; pairs by the real export.
    fcdpo("generate", "--model", "reference", "--task", spec, "--problems", "6", "--samples", "1",
          "--out", str(tmp_path / "gen"))  # fmt: skip
    from fcdpo.graphs import Context, solve
    from fcdpo.graphs.traces_io import TraceWriter
    from fcdpo.tasks import get_task

    task = get_task(spec)
    (tmp_path / "neg").mkdir()
    with TraceWriter(tmp_path / "neg" / "traces.jsonl") as writer:
        for problem in task.problems("train", 6):
            writer.write(solve(problem, Context(task=spec), model=scripted_model("final_answer(answer=1000)")))
    fcdpo("export", str(tmp_path / "gen"), "--rejected-from", str(tmp_path / "neg"), "--out", str(tmp_path / "p"))
    out = fcdpo("train", "--student", STUDENT, "--pairs", str(tmp_path / "p"), "--out", str(tmp_path / "s"),
                "--max-steps", "2", "--batch-size", "1", "--grad-accum", "1")  # fmt: skip
    assert "2 steps" in out

    # The tuned student evaluated on the task's problems beside its base, through the same tools and grader.
    results = json.loads(
        fcdpo(
            "eval",
            "--model",
            STUDENT,
            "--model",
            f"{STUDENT}+{tmp_path / 's' / 'adapter'}",
            "--task",
            spec,
            "--dataset",
            str(tmp_path / "plugin" / "problems.jsonl"),
            "--limit",
            "2",
            "--max-steps",
            "3",
            "--allow-overlap",
            "--out",
            str(tmp_path / "e"),
            "--json",
        )  # fmt: skip
    )
    assert set(results["models"]) == {STUDENT, f"{STUDENT}+{tmp_path / 's' / 'adapter'}"}
    assert all(model["units"]["problems"] == 2 for model in results["models"].values())
