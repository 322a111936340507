"""The BFCL check: BFCL's own ground truth scores 100% through our protocol and checker; wrong calls fail."""

from __future__ import annotations

import pytest

from fcdpo.evals.bfcl import CATEGORIES, alias, check, load_category, prompt, solve_entry
from fcdpo.tools.base import Signature
from fcdpo.tools.protocol import Call, parse_call


def materialize(value):
    """A possible answer as a concrete value: dicts inside hold lists of allowed values, take the first."""
    if isinstance(value, dict):
        return {k: materialize(allowed[0]) for k, allowed in value.items() if allowed[0] != ""}
    if isinstance(value, list):
        return [materialize(item) for item in value]
    return value


def ground_truth_call(entry) -> Call:
    """BFCL's first possible answer as a call: each parameter's first allowed value; optional ones
    whose first allowed value is "" (leave it out) are left out, required ones take the next value.
    """
    ((name, params),) = entry["ground_truth"][0].items()
    (function,) = [f for f in entry["function"] if f["name"] == name]
    required = set(function["parameters"].get("required", []))
    args = {}
    for param, allowed in params.items():
        given = [v for v in allowed if v != ""]
        if allowed[0] != "" or (param in required and given):
            args[param] = materialize(given[0])
    return Call(alias(name), args)


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_ground_truth_scores_100_percent(category):
    entries = load_category(category)
    assert len(entries) == {"simple": 400, "multiple": 200}[category]
    failures = [(e["id"], check(e, ground_truth_call(e))[1]) for e in entries if not check(e, ground_truth_call(e))[0]]
    assert failures == []


@pytest.mark.parametrize("category", list(CATEGORIES))
def test_ground_truth_survives_the_text_protocol(category):
    """Rendered as text and read back by the graph's parser, the answers still score 100%."""
    for entry in load_category(category):
        signatures = {
            alias(f["name"]): Signature.from_json_schema({**f, "name": alias(f["name"])}) for f in entry["function"]
        }
        parsed = parse_call(ground_truth_call(entry).render(), signatures)
        assert isinstance(parsed, Call), (entry["id"], parsed)
        assert check(entry, parsed)[0], entry["id"]


def test_wrong_calls_fail_with_bfcls_reason():
    entry = load_category("simple", 1)[0]  # calculate_triangle_area(base=10, height=5)
    assert check(entry, Call("calculate_triangle_area", {"base": 10, "height": 6})) == (
        False,
        "Invalid value for parameter 'height': 6. Expected one of [5].",
    )
    assert not check(entry, Call("calculate_triangle_area", {"base": 10}))[0]
    assert check(entry, None) == (False, "no function call")


def test_prompt_and_a_scripted_model(scripted):
    entry = load_category("multiple", 1)[0]
    system = prompt(entry)[0].content
    assert all(alias(f["name"]) + "(" in system for f in entry["function"])
    call = ground_truth_call(entry)
    record = solve_entry(scripted(f"Sure.\n{call.render()}"), entry)
    assert record["correct"] and record["call"]["name"] == call.name
    assert not solve_entry(scripted("I cannot help."), entry)["correct"]


def test_bfcl_eval_against_a_server_writes_results_and_resumes(tmp_path):
    from fcdpo.evals.run import run_bfcl_eval
    from fcdpo.graphs.generate import RunOptions
    from tests.fake_openai import FakeOpenAI

    entries = load_category("simple", 3) + load_category("multiple", 3)
    answers = {e["question"][0][-1]["content"]: ground_truth_call(e).render() for e in entries}

    def reply(body):
        question = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
        return answers[question] if body["model"] == "right" else "I would rather not call anything."

    with FakeOpenAI(reply) as server:
        options = RunOptions(base_url=server.url, concurrency=2, progress=False)
        results = run_bfcl_eval(["openai:right", "openai:wrong"], ["simple", "multiple"], 3, tmp_path, options)
        requests = server.requests
        assert run_bfcl_eval(["openai:right", "openai:wrong"], ["simple", "multiple"], 3, tmp_path, options) == results
        assert server.requests == requests  # resumed: every entry was already judged
    assert (
        results["bfcl"]["openai:right"]["simple"]["correct"] == 3
        and results["bfcl"]["openai:right"]["multiple"]["accuracy"] == 1.0
    )
    assert results["bfcl"]["openai:wrong"]["simple"] == {
        **results["bfcl"]["openai:wrong"]["simple"],
        "correct": 0,
        "valid_call_rate": 0.0,
    }
    assert results["bfcl_comparisons"][0]["only_a"] == 3 and results["bfcl_comparisons"][0]["mcnemar_p"] == 0.25
    assert "| `openai:right` | simple | 100.0%" in (tmp_path / "bfcl_results.md").read_text()
