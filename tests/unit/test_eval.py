"""`fcdpo eval`: statistics against known values, results and report from real (scripted) chains,
paired tests, decontamination, and the command end to end against a loopback OpenAI server.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest
import yaml

from fcdpo.errors import UserError
from fcdpo.evals.metrics import paired, task_figures
from fcdpo.evals.report import before_after_markdown, contrast_chains, markdown, plot_accuracy
from fcdpo.evals.run import EvalSettings, eval_configs, model_dir, run_eval, summarize
from fcdpo.evals.stats import mcnemar_exact, wilcoxon_p, wilson
from fcdpo.graphs import Context, solve
from fcdpo.graphs.generate import RunOptions
from fcdpo.tasks import get_task
from fcdpo.types import Problem
from tests.fake_openai import FakeOpenAI, sum_problems, sum_solver


def test_wilson_interval_known_values():
    # Wilson (1927) / Newcombe (1998) worked values.
    assert wilson(8, 10) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(81, 263) == pytest.approx((0.2553, 0.3662), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_exact_mcnemar_known_values():
    assert mcnemar_exact(1, 6) == pytest.approx(0.125)  # 2 · P(X ≤ 1), X ~ Bin(7, 1/2) = 2 · 8/128
    assert mcnemar_exact(0, 5) == pytest.approx(0.0625)
    assert mcnemar_exact(3, 3) == pytest.approx(1.0)
    assert mcnemar_exact(0, 0) == 1.0


def test_wilcoxon_on_paired_outcomes():
    after = [1] * 7 + [0] + [1, 0]
    before = [0] * 7 + [1] + [1, 0]
    assert wilcoxon_p(after, before) == pytest.approx(0.0703125)  # 7 of 8 discordant pairs favour one side
    assert wilcoxon_p([1, 0], [1, 0]) is None


def chains(answers: dict[str, str], scripted):
    """A judged chain per problem: the model answers `answers[question]`."""
    out = []
    for i, (question, answer) in enumerate(answers.items()):
        problem = Problem(f"p{i}", "math", question, "12")
        out.append(
            solve(
                problem, Context(task="math"), model=scripted("multiply(a=3, b=4)", f"final_answer(answer={answer})")
            )
        )
    return out


def test_figures_comparisons_report_and_plot_from_real_chains(tmp_path, scripted):
    questions = [f"Question {i}: 3 times 4?" for i in range(6)]
    good = chains({q: "12" for q in questions}, scripted)
    half = chains({q: ("12" if i % 2 else "13") for i, q in enumerate(questions)}, scripted)
    figures = task_figures(half)
    assert (figures["problems"], figures["correct"], figures["accuracy"]) == (6, 3, 0.5)
    assert figures["ci_low"] == pytest.approx(wilson(3, 6)[0], abs=1e-4)
    assert figures["valid_call_rate"] == 1.0 and figures["unfinished_rate"] == 0.0 and figures["mean_steps"] == 2.0
    assert (figures["top_answer"], figures["top_answer_share"]) == ("12", 0.5)  # a tie: the smallest, in any order
    assert task_figures(half[::-1])["top_answer"] == "12"
    assert (figures["majority_truth"], figures["majority_baseline"]) == ("12", 1.0)
    constant = task_figures(
        chains({q: "12" for q in questions[:2]}, scripted)
        + [
            solve(
                Problem("p9", "math", "5 + 6?", "11"), Context(task="math"), model=scripted("final_answer(answer=12)")
            )
        ]
    )
    assert (constant["top_answer"], constant["top_answer_share"], constant["majority_baseline"]) == ("12", 1.0, 0.6667)
    comparison = paired(good, half)
    assert (comparison["only_a"], comparison["only_b"], comparison["both"], comparison["neither"]) == (3, 0, 3, 0)
    assert comparison["mcnemar_p"] == pytest.approx(0.25)

    results = summarize({"teacher": good, "student": half})
    table = markdown(results)
    assert (
        "| `teacher` | math | 100.0% (61.0%–100.0%) | 6/6 | 6/6 | 6/6 | none stated |" in table
        and "| `12` 100% |" in table
    )
    assert "would score: math 100% (`12`)." in table
    # B − A = -3/6 with a paired bootstrap interval inside [-1, 0], and 3 of 6 discordant: MDE 2.80 · sqrt(0.5 / 6).
    c = results["comparisons"][0]
    assert c["difference"] == -0.5 and -1 <= c["difference_ci_low"] < -0.5 < c["difference_ci_high"] <= 0
    assert c["min_detectable_effect"] == pytest.approx(2.8016 * (0.5 / 6) ** 0.5, abs=1e-3)
    assert (
        f"| `teacher` | `student` | math | -50.0% ({c['difference_ci_low']:+.1%} to "
        f"{c['difference_ci_high']:+.1%}) | ±80.9% | 3 | 0 | 3 | 0 | 0.25 |" in table
    )
    png = plot_accuracy(results, tmp_path / "accuracy.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_derived_and_grounded_are_na_for_a_graph_whose_tools_are_not_the_tasks(scripted):
    chain = solve(
        Problem("d", "math", "3 times 4?", "12"),
        Context(task="math"),
        model=scripted("multiply(a=3, b=4)", "final_answer(answer=12)"),
    )

    def offered(*names):
        tools = [{"type": "function", "function": {"name": name}} for name in names]
        return dataclasses.replace(chain, sampling={"source": "graph", "tools": tools})

    own = task_figures([offered("multiply", "add")])
    assert (own["correct_derived"], own["correct_grounded"]) == (1, 1)
    foreign = task_figures([offered("sql_db_query")])
    assert (foreign["correct"], foreign["correct_derived"], foreign["correct_grounded"]) == (1, None, None)
    row = markdown(summarize({"graph-model": [offered("sql_db_query")]}, [])).splitlines()[2]
    assert "| 1/1 | n/a | n/a |" in row


def test_right_answers_derived_with_the_functions_are_told_apart_from_guesses(scripted):
    math = get_task("math")
    derived = solve(
        Problem("d", "math", "3 times 4?", "12"),
        Context(task="math"),
        model=scripted("multiply(a=3, b=4)", "final_answer(answer=12)"),
    )
    guessed = solve(
        Problem("g", "math", "3 times 4?", "12"),
        Context(task="math"),
        model=scripted('think(thought="12")', "final_answer(answer=12)"),
    )
    assert [t.verdict for t in (derived, guessed)] == ["correct", "correct"]
    assert [math.answer_derived(t) for t in (derived, guessed)] == [True, False]
    assert task_figures([derived, guessed])["correct_derived"] == 1

    # Logic: a query counts only once something was stated;
    # on an empty closed-world rule base it says false regardless.
    logic, question = (
        get_task("logic"),
        'Anne is big.\nIs the statement "Anne is small" true or false? Anything that cannot be derived from the '
        "facts and rules is false.",
    )
    problem = Problem("q", "logic", question, "false", meta={"world": "closed"})
    stated = solve(
        problem,
        Context(task="logic"),
        model=scripted(
            'fact(subject="Anne", attribute="big")',
            'query(subject="Anne", attribute="small")',
            "final_answer(answer=false)",
        ),
    )
    empty = solve(
        problem,
        Context(task="logic"),
        model=scripted('query(subject="Anne", attribute="small")', "final_answer(answer=false)"),
    )
    assert [t.verdict for t in (stated, empty)] == ["correct", "correct"]
    assert [logic.answer_derived(t) for t in (stated, empty)] == [True, False]


# 'openai:right' solves 'What is A + B?'; 'openai:wrong' is off by one.
right_and_wrong = sum_solver(lambda body, a: body["model"] == "wrong")


@pytest.fixture
def sums(tmp_path):
    path = tmp_path / "sums.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in sum_problems(8)))
    return str(path)


def test_run_eval_writes_results_and_resumes(tmp_path, sums):
    configs = eval_configs(
        ["openai:right", "openai:wrong"], ["math"], EvalSettings(limit=6, max_steps=4, max_new_tokens=64), dataset=sums
    )
    with FakeOpenAI(right_and_wrong) as server:
        options = RunOptions(base_url=server.url, concurrency=3, progress=False, backoff=0.01)
        results = run_eval(configs, tmp_path / "eval", options)
        first = server.requests
        again = run_eval(configs, tmp_path / "eval", options)
        assert server.requests == first  # every chain was already there: nothing re-run
    assert results == again
    assert results["models"]["openai:right"]["math"]["accuracy"] == 1.0
    assert results["models"]["openai:wrong"]["math"]["accuracy"] == 0.0
    assert results["comparisons"][0]["only_a"] == 6 and results["comparisons"][0]["mcnemar_p"] == pytest.approx(2 / 64)
    assert json.loads((tmp_path / "eval" / "results.json").read_text()) == results
    assert (tmp_path / "eval" / "accuracy.png").is_file() and (tmp_path / "eval" / "results.md").is_file()
    assert (tmp_path / "eval" / "traces" / model_dir("openai:right") / "traces.jsonl").is_file()


def test_eval_refuses_problems_the_student_was_trained_on(tmp_path, small_pairs):
    pairs = small_pairs("chain")
    run = tmp_path / "run"
    (run / "adapter").mkdir(parents=True)
    (run / "adapter" / "adapter_config.json").write_text("{}")
    (run / "config.yaml").write_text(yaml.safe_dump({"student": "smollm2-135m", "pairs": str(pairs / "pairs.jsonl")}))
    dataset = tmp_path / "same.jsonl"
    dataset.write_text(
        json.dumps(
            {"id": "x1", "task": "math", "question": "A pen costs $3.  How much do 4 pens cost?", "answer": "12"}
        )
        + "\n"
    )
    configs = eval_configs(
        [f"smollm2-135m+{run / 'adapter'}"],
        ["math"],
        EvalSettings(max_steps=4, max_new_tokens=64),
        dataset=str(dataset),
    )
    with pytest.raises(UserError, match="1 of the 1 evaluation problems .* --allow-overlap"):
        run_eval(configs, tmp_path / "eval", RunOptions(progress=False))


def test_eval_command_bad_input_is_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "eval", "--model", "smollm2-135m", "--model", "smollm2-135m"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and result.stderr.strip() == "fcdpo: error: eval: the same --model is given twice"


def test_eval_command_json_against_a_server(tmp_path, sums):
    with FakeOpenAI(right_and_wrong) as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "fcdpo.cli",
                "eval",
                "--model",
                "openai:right",
                "--model",
                "openai:wrong",
                "--dataset",
                sums,
                "--limit",
                "3",
                "--base-url",
                server.url,
                "--out",
                str(tmp_path / "e"),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    results = json.loads(result.stdout)
    assert results["models"]["openai:right"]["math"]["correct"] == 3


def test_eval_default_dir_is_keyed_by_problems_so_two_datasets_both_run_and_rerun_resumes(tmp_path):
    for name, n in (("a", 3), ("b", 4)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sum_problems(n)))
    with FakeOpenAI(right_and_wrong) as server:

        def evaluate(name):
            result = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "fcdpo.cli",
                    "eval",
                    "--model",
                    "openai:right",
                    "--dataset",
                    f"{name}.jsonl",
                    "--base-url",
                    server.url,
                ],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=tmp_path,
            )
            assert result.returncode == 0, result.stderr[-2000:]
            return result.stdout

        first_a, first_b = evaluate("a"), evaluate("b")
        asked = server.requests
        assert evaluate("a") == first_a and server.requests == asked  # the same command resumes: nothing re-run
    dirs = sorted(p.name for p in (tmp_path / "runs" / "eval").iterdir())
    assert len(dirs) == 2 and dirs[0].startswith("a-") and dirs[1].startswith("b-"), dirs
    assert "3/3" in first_a and "4/4" in first_b


def test_eval_never_mixes_chains_of_another_prompt_or_parser(tmp_path, sums, monkeypatch):
    from fcdpo.graphs import generate

    configs = eval_configs(
        ["openai:right"], ["math"], EvalSettings(limit=2, max_steps=4, max_new_tokens=64), dataset=sums
    )
    with FakeOpenAI(right_and_wrong) as server:
        options = RunOptions(base_url=server.url, progress=False, backoff=0.01)
        run_eval(configs, tmp_path / "eval", options)
        manifest = json.loads((tmp_path / "eval" / "traces" / model_dir("openai:right") / "manifest.json").read_text())
        assert manifest["config"]["fingerprint"] == configs[0].fingerprint and "git_commit" in manifest["code"]
        # As if the prompt had changed:
        monkeypatch.setattr(generate, "chain_fingerprint", lambda tasks: "another-prompt")
        changed = eval_configs(
            ["openai:right"], ["math"], EvalSettings(limit=2, max_steps=4, max_new_tokens=64), dataset=sums
        )
        with pytest.raises(UserError, match="chains made by another prompt or parser"):
            run_eval(changed, tmp_path / "eval", options)


def test_stored_chains_are_regraded_by_the_current_grader(tmp_path, scripted):
    from fcdpo.evals.metrics import regrade

    lenient = chains({"3 times 4?": "12 or 13"}, scripted)[0]
    lenient.verdict = "correct"  # what the old first-number grader said
    assert regrade([lenient])[0].verdict == "incorrect"


def test_model_dir_of_a_long_spec_is_visible_and_distinct():
    long = "qwen2.5-coder-0.5b@llamacpp+runs/logic-cite-derived/train/adapter"
    names = {model_dir(long), model_dir(long.replace("@llamacpp", "")), model_dir("qwen2.5-coder-0.5b")}
    assert len(names) == 3 and not any(name[0] in "._-" for name in names)


def test_native_call_format_binds_the_tools_for_every_model(tmp_path, sums):
    """`fcdpo eval --call-format native` sends the task's tools with every request, as a student trained on
    its chat template's tool calls expects.
    """
    bodies = []

    def reply(body):
        bodies.append(body)
        return right_and_wrong(body)

    configs = eval_configs(
        ["openai:right"],
        ["math"],
        EvalSettings(limit=2, max_steps=4, max_new_tokens=64, call_format="native"),
        dataset=sums,
    )
    with FakeOpenAI(reply) as server:
        results = run_eval(configs, tmp_path / "eval", RunOptions(base_url=server.url, progress=False, backoff=0.01))
    assert bodies and all({t["function"]["name"] for t in b["tools"]} >= {"add", "final_answer"} for b in bodies)
    manifest = json.loads((tmp_path / "eval" / "traces" / model_dir("openai:right") / "manifest.json").read_text())
    assert manifest["config"]["call_format"] == "native"
    assert results["models"]["openai:right"]["math"]["problems"] == 2


def test_a_strong_paired_result_keeps_its_p_value():
    """28 newly right against 1 newly wrong: exact McNemar p is about 1.1e-7, and must not print as 0."""
    from fcdpo.evals.metrics import paired_outcomes

    before = {f"q{i}": i < 1 for i in range(60)}
    after = {f"q{i}": 1 <= i < 29 for i in range(60)}
    p = paired_outcomes(before, after)["mcnemar_p"]
    assert 1e-7 < p < 1.2e-7


def test_before_after_table_and_the_chain_the_tuned_student_now_solves(scripted):
    questions = [f"Question {i}: 3 times 4?" for i in range(6)]
    before = chains({q: ("12" if i == 0 else "13") for i, q in enumerate(questions)}, scripted)
    after = chains({q: ("12" if i % 3 else "13") for i, q in enumerate(questions)}, scripted)
    teacher = chains({q: "12" for q in questions}, scripted)
    results = summarize({"teacher": teacher, "base": before, "base+adapter": after})
    table = before_after_markdown(results, "base", "base+adapter", ["teacher"], teacher="teacher")
    assert "math, 6 problems:" in table
    assert "| teacher | 100.0% (61.0%–100.0%) | 100.0% | 2.0 | 0.0% |" in table
    assert "| student before | 16.7% " in table and "| student after | 66.7% " in table
    # 4 newly right (p1, p2, p4, p5), 1 newly wrong (p0): +50 points, exact McNemar 0.375; 60% of the 83-point gap.
    assert "after − before: +50.0 points" in table and "exact McNemar p 0.375" in table
    assert "closes 60% of the teacher − base gap" in table and "answering `12` to everything: 100.0%." in table
    shown = contrast_chains(before, after)
    assert shown.index("student before:") < shown.index("── p1 ") < shown.index("student after:")
    assert "answer: 13" in shown and "answer: 12" in shown and "verdict: correct" in shown
    assert contrast_chains(after, after) is None


def test_a_multi_line_commonest_answer_stays_in_its_table_cell(scripted):
    reply = '```json\n{\n  "name": "sql_db_list_tables",\n  "arguments": "select table_name from customers"\n}\n```'
    chain = solve(
        Problem("j", "math", "3 times 4?", "12"),
        Context(task="math"),
        model=scripted(f"final_answer(answer={reply!r})"),
    )
    assert chain.answer == reply
    table = markdown(summarize({"student": [chain]}, [])).splitlines()
    assert table[2].startswith("| `student` |") and table[2].endswith("|") and table[3] == ""
    assert 'json { "name": "sql_db_list_tables",…` 100%' in table[2]  # one line, 40 characters


def test_accuracy_plot_names_the_no_tools_markers_when_the_first_model_has_no_baseline(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    figures = {"accuracy": 0.5, "ci_low": 0.2, "ci_high": 0.8}
    results = {
        "models": {"scripted": {"math": dict(figures, accuracy=1.0, ci_high=1.0)}, "student": {"math": figures}},
        "cot": {"student": {"math": {"accuracy": 0.0, "lenient_accuracy": 0.4}}},
    }
    drawn = []
    monkeypatch.setattr(plt, "close", drawn.append)  # keep the figure to read its legend
    plot_accuracy(results, tmp_path / "accuracy.png")
    labels = [text.get_text() for text in drawn[0].axes[0].get_legend().get_texts()]
    assert "no tools (CoT)" in labels and "no tools, lenient" in labels
