"""The no-tools baseline: answer extraction on real-looking replies, and `eval --baseline cot` end to end."""

from __future__ import annotations

import json
import re

import pytest

from fcdpo.errors import UserError
from fcdpo.evals.cot import extract_answer
from fcdpo.evals.report import markdown
from fcdpo.evals.run import EvalSettings, eval_configs, run_eval
from fcdpo.graphs.generate import RunOptions
from tests.fake_openai import FakeOpenAI, sum_problems, sum_solver

LABELS = ("true", "false", "unknown")

# (reply, strict answer, lenient answer)
REPLIES = [
    ("3 + 4 = 7.\nAnswer: 7", "7", "7"),
    ("First 3 + 4 = 7.\n\nAnswer: $7", "$7", "$7"),
    ("Answer: 12 apples", "12 apples", "12 apples"),
    ("**Answer:** 42", "42", "42"),
    ("answer: 5", "5", "5"),
    ("ANSWER: true", "true", "true"),
    ("The total is \\boxed{18}.\nAnswer: \\boxed{18}", "18", "18"),
    ("Answer: first try 3\nWait, that's wrong.\nAnswer: 4", "4", "4"),
    ("So the answer is 9.", None, "9"),
    ("The final result is \\boxed{21}", None, "21"),
    ("I get 12 or 13 apples.", None, "13"),
    ("Let me compute 3 * 4 = 12, then 12 + 5 = 17.", None, "17"),
    ("", None, None),
    ("I am not sure.", None, None),
    ("Step 1: Anne is big.\nStep 2: so Anne is red.\nThe statement is true.", None, "true"),
    ("Anne is not round, so the statement is False.", None, "false"),
    ("It cannot be derived, so unknown.", None, "unknown"),
    ("true or false? Let me think... it is false", None, "false"),
    ("Answer: The statement is true.", "The statement is true.", "The statement is true."),
    ("- Answer: 3.5", "3.5", "3.5"),
    ("### Answer: 100", "100", "100"),
    ("Answer：8", "8", "8"),
    ("The answer: 15", None, "15"),  # not a line starting with Answer
    ("Final Answer: 15", "15", "15"),
    ("Answer:\n15", None, "15"),  # nothing on the answer line itself
    ("Price is $1,200.\nAnswer: 1,200", "1,200", "1,200"),
    ("Answer: -3", "-3", "-3"),
    ("Answer: 3/4", "3/4", "3/4"),
    ("I think about 10.\nAnswer: about 10", "about 10", "about 10"),
    ("x = 2\ny = 5\nAnswer: y", "y", "y"),
    ("\\boxed{7} and later \\boxed{8}", None, "8"),
    ("Answer: **false**", "false", "false"),
]


@pytest.mark.parametrize("reply, strict, lenient", REPLIES)
def test_answer_extraction(reply, strict, lenient):
    assert extract_answer(reply, LABELS) == (strict, lenient)


_SUM = re.compile(r"What is (\d+) \+ (\d+)\?")
tools = sum_solver(lambda body, a: body["model"] == "wrong")


def plain_or_tools(body):
    """Chains through the protocol; without tools, prose: the 'wrong' model is right in prose on even A only."""
    system = next(m["content"] for m in body["messages"] if m["role"] == "system")
    if "Think step by step in plain text" not in system:
        return tools(body)
    a, b = map(int, _SUM.search(next(m["content"] for m in body["messages"] if m["role"] == "user")).groups())
    if body["model"] == "wrong":
        return f"{a} plus {b} is {a + b}." + (f"\nAnswer: {a + b}" if a % 2 == 0 else "")
    return f"Adding: {a + b}.\nAnswer: {a + b}"


def test_eval_baseline_cot_puts_plain_reasoning_beside_the_chains(tmp_path):
    data = tmp_path / "sums.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sum_problems(6)))
    configs = eval_configs(
        ["openai:right", "openai:wrong"], ["math"], EvalSettings(max_steps=4, max_new_tokens=64), dataset=str(data)
    )
    with FakeOpenAI(plain_or_tools) as server:
        options = RunOptions(base_url=server.url, concurrency=2, progress=False, backoff=0.01)
        results = run_eval(configs, tmp_path / "e", options, baselines=["cot"])
        first = server.requests
        again = run_eval(configs, tmp_path / "e", options, baselines=["cot"])
        assert server.requests == first  # chains and baseline replies are both resumed, nothing re-asked
    assert again == results
    right, wrong = results["cot"]["openai:right"]["math"], results["cot"]["openai:wrong"]["math"]
    assert (right["correct"], right["problems"], right["token_budget"]) == (6, 6, 256)
    # The wrong model's prose is right each time, but only even A ends with an Answer line: strict 3, lenient 6.
    assert (wrong["correct"], wrong["lenient_correct"], wrong["no_answer_line"]) == (3, 6, 3)
    pair = next(c for c in results["cot_comparisons"] if c["model"] == "openai:wrong")
    assert (pair["only_a"], pair["only_b"], pair["difference"]) == (3, 0, -0.5)  # chains − CoT
    assert (pair["lenient"]["only_a"], pair["lenient"]["difference"]) == (6, -1.0)  # chains − lenient CoT
    text = markdown(results)
    assert "no tools (CoT)" in text and "| `openai:wrong` | math | 0.0% | 50.0%" in text
    assert "| -100.0% (-100.0% to -100.0%) | 0.0312 |" in text  # the lenient reading, paired
    assert (tmp_path / "e" / "accuracy.png").is_file()


def test_a_cot_budget_of_its_own_is_used_and_the_replies_it_cuts_are_counted(tmp_path):
    data = tmp_path / "sums.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in sum_problems(4)))
    configs = eval_configs(["openai:right"], ["math"], EvalSettings(max_steps=4), dataset=str(data))
    with FakeOpenAI(plain_or_tools) as server:  # every reply reports 7 completion tokens
        options = RunOptions(base_url=server.url, progress=False, backoff=0.01)
        roomy = run_eval(configs, tmp_path / "e", options, baselines=["cot"], cot_budget=300)
        tight = run_eval(configs, tmp_path / "e", options, baselines=["cot"], cot_budget=7)
    assert [
        (r["cot"]["openai:right"]["math"][k]) for r in (roomy, tight) for k in ("token_budget", "cut_at_budget")
    ] == [300, 0, 7, 4]
    assert "| 7 (4) |" in markdown(tight)
    with pytest.raises(UserError, match="--cot-budget must be at least 1"):
        run_eval(configs, tmp_path / "e", options, baselines=["cot"], cot_budget=0)


def test_unknown_baseline_is_one_line(tmp_path):
    with pytest.raises(UserError, match="unknown baseline 'tot'; choose from cot"):
        run_eval([], tmp_path, RunOptions(progress=False), baselines=["tot"])
