"""Pairing logic and the export command, with chains produced by the graph and a scripted model."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import AIMessage

from fcdpo.cli import main
from fcdpo.errors import UserError
from fcdpo.graphs import Context, solve
from fcdpo.graphs.traces_io import TraceWriter
from fcdpo.training.export import load_pairs, run_export
from fcdpo.training.pairs import PairSettings, make_pairs
from fcdpo.types import Problem, Trace

P1 = Problem("p1", "math", "What is 2 + 3?", "5")
P2 = Problem("p2", "math", "What is 4 + 4?", "8")


def chain(scripted, problem, *replies, **context) -> Trace:
    return solve(problem, Context(task="math", max_steps=5, **context), model=scripted(*replies))


@pytest.fixture
def traces(scripted):
    return {
        "good": chain(scripted, P1, "add(a=2, b=3)", "final_answer(answer=5)"),
        "good2": chain(scripted, P1, "think(thought='add them')", "add(a=2, b=3)", "final_answer(answer=5)"),
        "bad": chain(scripted, P1, "add(a=2, b=3)", "final_answer(answer=6)"),
        "bad2": chain(scripted, P1, "multiply(a=2, b=3)", "final_answer(answer=6)"),
        "p2_good": chain(scripted, P2, "final_answer(answer=8)"),
        "p2_good2": chain(scripted, P2, "add(a=4, b=4)", "final_answer(answer=8)"),
    }


def test_chain_mode_pairs_every_correct_with_every_incorrect(traces):
    result = make_pairs(
        [traces[k] for k in ("good", "good2", "bad", "bad2")], PairSettings(mode="chain", max_pairs_per_problem=None)
    )
    assert len(result.pairs) == 4
    row = next(
        r
        for r in result.pairs
        if r["chosen"][0]["content"] == "add(a=2, b=3)" and r["rejected"][0]["content"] == "add(a=2, b=3)"
    )
    assert [m["role"] for m in row["prompt"]] == ["system", "user"]
    assert [m["role"] for m in row["chosen"]] == ["assistant", "user", "assistant"]
    assert (
        row["chosen"][-1]["content"] == "final_answer(answer=5)"
        and row["rejected"][-1]["content"] == "final_answer(answer=6)"
    )
    assert row["tools"] == "[]" and row["id"] == "p1" and row["task"] == "math"


def test_max_pairs_per_problem(traces):
    result = make_pairs(
        [traces[k] for k in ("good", "good2", "bad", "bad2")],
        PairSettings(mode="chain", max_pairs_per_problem=3, seed=1),
    )
    assert len(result.pairs) == 3
    assert (
        make_pairs(
            [traces[k] for k in ("good", "good2", "bad", "bad2")],
            PairSettings(mode="chain", max_pairs_per_problem=3, seed=1),
        ).pairs
        == result.pairs
    )


def test_step_mode_keeps_the_shared_prefix_in_the_prompt(traces):
    result = make_pairs(
        [traces["good"], traces["bad"], traces["bad2"]], PairSettings(mode="step", max_pairs_per_problem=None)
    )
    by_rejected = {r["rejected"][0]["content"]: r for r in result.pairs}
    late = by_rejected["final_answer(answer=6)"]  # parts after the shared add(a=2, b=3) step
    assert [m["content"] for m in late["prompt"][2:]] == ["add(a=2, b=3)", "Result: 5"]
    assert late["chosen"] == [{"role": "assistant", "content": "final_answer(answer=5)"}]
    early = by_rejected["multiply(a=2, b=3)"]  # parts at the first step
    assert len(early["prompt"]) == 2 and early["chosen"][0]["content"] == "add(a=2, b=3)"


def test_no_pair_reasons(traces, scripted):
    other_prompt = chain(scripted, Problem("p1", "math", "What is 2 + 3? Answer fast.", "5"), "final_answer(answer=9)")
    result = make_pairs(
        [traces["p2_good"], traces["p2_good2"], traces["bad"], traces["bad2"]], PairSettings(mode="chain")
    )
    assert result.pairs == [] and result.no_pair == {"p1": "all_incorrect", "p2": "all_correct"}
    result = make_pairs([traces["good"]], PairSettings(mode="step"), rejected_traces=[other_prompt])
    assert result.no_pair == {"p1": "no_shared_prefix"}


def test_on_policy_negatives_come_only_from_the_rejected_run(traces, scripted):
    student_fail = chain(scripted, P1, "subtract(a=2, b=3)", "final_answer(answer=-1)")
    student_fail.model = "student"
    result = make_pairs(
        [traces["good"], traces["bad"]],
        PairSettings(mode="chain", max_pairs_per_problem=None),
        rejected_traces=[student_fail],
    )
    assert len(result.pairs) == 1
    assert (
        result.pairs[0]["rejected_model"] == "student"
        and result.pairs[0]["rejected"][-1]["content"] == "final_answer(answer=-1)"
    )


def test_one_step_guesses_are_not_chosen_when_min_chosen_steps_is_2(traces):
    result = make_pairs(
        [traces["p2_good"], traces["good"], traces["bad"]],
        PairSettings(mode="chain", min_chosen_steps=2),
        rejected_traces=[traces["bad"]],
    )
    assert result.no_pair == {"p2": "correct_too_short"}
    assert len(result.pairs) == 1 and result.pairs[0]["chosen"][0]["content"] == "add(a=2, b=3)"
    assert make_pairs([traces["p2_good"], traces["bad"]], PairSettings(mode="chain")).no_pair == {
        "p1": "all_incorrect",
        "p2": "all_correct",
    }


def test_stated_answers_are_not_chosen_with_derived_only(traces, scripted):
    stated = chain(
        scripted, P1, "think(thought='it is 5')", "final_answer(answer=5)"
    )  # two steps, right, no function returned 5
    assert len(make_pairs([stated, traces["bad"]], PairSettings(mode="chain", min_chosen_steps=2)).pairs) == 1
    assert make_pairs(
        [stated, traces["bad"]], PairSettings(mode="chain", min_chosen_steps=2, derived_only=True)
    ).no_pair == {"p1": "correct_not_derived"}
    result = make_pairs(
        [stated, traces["good"], traces["bad"]],
        PairSettings(mode="chain", derived_only=True, max_pairs_per_problem=None),
    )
    assert [p["chosen"][0]["content"] for p in result.pairs] == ["add(a=2, b=3)"]


def test_derived_only_must_be_a_boolean(tmp_path):
    with pytest.raises(UserError, match="derived_only must be true or false, got 'no'"):
        run_export([tmp_path], tmp_path / "pairs", derived_only="no")


def test_failed_chains_are_never_paired(traces):
    failed = Trace(P1, "teacher", [], [], None, "incorrect", "failed", error="APIConnectionError")
    result = make_pairs([traces["good"], failed], PairSettings(mode="chain"))
    assert result.no_pair == {"p1": "all_correct"}


def test_native_tool_call_arguments_survive_datasets(scripted, tmp_path):
    def native(problem, args, answer):
        calls = [
            AIMessage(content="", tool_calls=[{"name": "add", "args": args, "id": "x"}]),
            AIMessage(content="", tool_calls=[{"name": "final_answer", "args": {"answer": answer}, "id": "y"}]),
        ]
        return chain(scripted, problem, *calls, call_format="native")

    runs = tmp_path / "run"
    runs.mkdir()
    with TraceWriter(runs / "traces.jsonl") as writer:
        for trace in (
            native(P1, {"a": 2, "b": 3}, "5"),
            native(P1, {"a": 2, "b": 4}, "6"),
            native(P2, {"a": 4, "b": 4}, "8"),
            native(P2, {"b": 1, "a": 4}, "5"),
        ):
            writer.write(trace)
    stats = run_export([runs], tmp_path / "pairs", mode="chain")
    assert stats["pairs"] == 2
    rows = [json.loads(line) for line in (tmp_path / "pairs" / "pairs.jsonl").read_text().splitlines()]
    dataset = load_pairs(tmp_path / "pairs")
    for row, loaded in zip(rows, dataset, strict=True):
        for column in ("prompt", "chosen", "rejected"):
            assert loaded[column] == row[column]
        assert json.loads(loaded["tools"])[0]["function"]["name"] == "add"
    args = [r["chosen"][0]["tool_calls"][0]["function"]["arguments"] for r in dataset]
    assert args == [{"a": 2, "b": 3}, {"a": 4, "b": 4}]  # no keys merged in from other rows


def test_export_command_stats_bad_lines_and_langsmith_examples(traces, tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    with TraceWriter(run / "traces.jsonl") as writer:
        for trace in traces.values():
            writer.write(trace)
    with (run / "traces.jsonl").open("a") as handle:
        handle.write("{not json\n")
    assert main(["export", str(run), "--out", str(tmp_path / "p")]) == 2
    assert f"{run / 'traces.jsonl'}:7: not valid JSON" in capsys.readouterr().err
    examples = tmp_path / "ls.jsonl"
    assert (
        main(
            [
                "export",
                str(run),
                "--out",
                str(tmp_path / "p"),
                "--mode",
                "step",
                "--skip-bad",
                "--derived-only",
                "--langsmith-examples",
                str(examples),
            ]
        )
        == 0
    )
    stats = json.loads((tmp_path / "p" / "stats.json").read_text())
    assert stats["bad_lines_skipped"] == 1 and stats["mode"] == "step" and stats["derived_only"] is True
    assert stats["no_pair"] == {
        "all_correct": 1,
        "all_incorrect": 0,
        "correct_too_short": 0,
        "correct_not_grounded": 0,
        "correct_not_derived": 0,
        "no_shared_prefix": 0,
    }
    assert stats["pairs_per_task"] == {"math": stats["pairs"]} and stats["pairs"] >= 2
    shown = [json.loads(line) for line in examples.read_text().splitlines()]
    assert {e["inputs"]["problem_id"] for e in shown} == {"p1", "p2"}
    assert shown[0]["outputs"]["answer"] in ("5", "8") and shown[0]["outputs"]["chain"][0]["role"] == "system"
    assert main(["export", str(tmp_path / "nope"), "--out", str(tmp_path / "q")]) == 2


def test_rejected_chains_pooled_from_several_runs(traces, tmp_path):
    def run(name: str, *keys: str) -> str:
        (tmp_path / name).mkdir()
        (tmp_path / name / "traces.jsonl").write_text("".join(json.dumps(traces[k].to_dict()) + "\n" for k in keys))
        return str(tmp_path / name)

    teacher, student, other = run("t", "good"), run("s", "bad"), run("o", "bad2")
    out = tmp_path / "p"
    args = ["export", teacher, "--rejected-from", student, "--rejected-from", other, "--max-pairs-per-problem", "9"]
    assert main([*args, "--out", str(out)]) == 0
    stats = json.loads((out / "stats.json").read_text())
    assert stats["rejected_sources"] == [student, other] and stats["pairs"] == 2
