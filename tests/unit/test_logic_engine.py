"""The rule engine the model drives: semantics, bounds, and agreement with the task's reference evaluator."""

from __future__ import annotations

import pytest

from fcdpo.tasks.logic import LogicTask, relevant_part, solution_calls
from fcdpo.tasks.logic_reference import Theory, evaluate
from fcdpo.tools import LOGIC, RuleBase, ToolError

FN = {f.name: f for f in LOGIC}


def run(workspace, name, **args):
    return FN[name].run(args, workspace)


def test_closed_world_negation_as_failure():
    kb = RuleBase(world="closed")
    run(kb, "fact", subject="Anne", attribute="big")
    run(kb, "rule", conditions=["big", "not red"], conclusion="small")
    assert run(kb, "query", subject="Anne", attribute="small") == "true"
    assert run(kb, "query", subject="Anne", attribute="red") == "false"
    assert run(kb, "query", subject="Anne", attribute="not red") == "true"
    run(kb, "fact", subject="anne", attribute="red")
    assert run(kb, "query", subject="the Anne", attribute="small") == "false"


def test_closed_world_reads_negation_only_once_settled():
    # 'red' is derived by a rule listed after the one that negates it: stratification must
    # evaluate 'red' first, or 'small' would wrongly be concluded.
    kb = RuleBase(world="closed")
    run(kb, "fact", subject="Bob", attribute="big")
    run(kb, "rule", conditions=["not red"], conclusion="small")
    run(kb, "rule", conditions=["big"], conclusion="red")
    assert run(kb, "query", subject="Bob", attribute="small") == "false"


def test_closed_world_rejects_rules_that_negate_themselves():
    kb = RuleBase(world="closed")
    run(kb, "rule", conditions=["not quiet"], conclusion="loud")
    with pytest.raises(ToolError, match="own negation"):
        run(kb, "rule", conditions=["not loud"], conclusion="quiet")


def test_closed_world_rules_conclude_positives():
    with pytest.raises(ToolError, match="closed world"):
        run(RuleBase(world="closed"), "rule", conditions=["big"], conclusion="not small")


def test_open_world_true_false_unknown():
    kb = RuleBase(world="open")
    run(kb, "fact", subject="Anne", attribute="not big")
    run(kb, "rule", conditions=["not big"], conclusion="not strong")
    run(kb, "rule", conditions=["strong"], conclusion="happy", subject="Anne")
    assert run(kb, "query", subject="Anne", attribute="strong") == "false"
    assert run(kb, "query", subject="Anne", attribute="not strong") == "true"
    assert run(kb, "query", subject="Anne", attribute="happy") == "unknown"
    assert run(kb, "query", subject="Bob", attribute="big") == "unknown"


def test_open_world_contradiction_is_reported():
    kb = RuleBase(world="open")
    run(kb, "fact", subject="Anne", attribute="big")
    run(kb, "fact", subject="Anne", attribute="not big")
    with pytest.raises(ToolError, match="contradict"):
        run(kb, "query", subject="Anne", attribute="big")


def test_rule_conditions_as_text_and_bad_input():
    kb = RuleBase(world="closed")
    run(kb, "rule", conditions="big and round", conclusion="kind")
    assert kb.rules[0].conditions == [("big", True), ("round", True)]
    with pytest.raises(ToolError):
        run(kb, "rule", conditions=[], conclusion="kind")
    with pytest.raises(ToolError):
        run(kb, "fact", subject="", attribute="big")


def test_rule_base_round_trips_through_dict():
    kb = RuleBase(world="open")
    run(kb, "fact", subject="Anne", attribute="not big")
    run(kb, "rule", conditions=["not big"], conclusion="small", subject="Anne")
    again = RuleBase.from_dict(kb.to_dict())
    assert again == kb


def test_reference_evaluator_depth():
    theory = Theory(
        "closed",
        [("anne", "a", True)],
        [(None, [("a", True)], ("b", True)), (None, [("b", True), ("c", False)], ("d", True))],
    )
    assert evaluate(theory, "anne", "d") == ("true", 2)
    assert evaluate(theory, "anne", "d", positive=False) == ("false", 2)
    assert evaluate(theory, "anne", "c") == ("false", 0)


@pytest.mark.parametrize("world", ["closed", "open"])
def test_engine_agrees_with_reference_on_generated_problems(world):
    task = LogicTask()
    problems = [p for p in task.problems("train", 1400, seed=7) if p.meta["world"] == world][:500]
    assert len(problems) == 500
    for problem in problems:
        assert solution_calls(problem)[-2][1] == problem.answer, problem.question
        relevant = solution_calls(problem, relevant_only=True)
        assert relevant[-2][1] == problem.answer, problem.question
        assert len(relevant) <= len(solution_calls(problem))


def test_relevant_part_keeps_what_the_question_depends_on():
    theory = Theory(
        "closed",
        [("Anne", "a", True), ("Anne", "x", True), ("Bob", "a", True)],
        [
            (None, [("a", True), ("c", False)], ("b", True)),
            (None, [("x", True)], ("y", True)),
            ("Bob", [("d", True)], ("c", True)),
        ],
    )
    part = relevant_part(theory, "Anne", "b")
    assert part.facts == [("Anne", "a", True)]  # not Anne's x (feeds only y), not Bob's facts
    assert part.rules == [(None, [("a", True), ("c", False)], ("b", True))]  # Bob's rule for c does not apply to Anne


def test_relations_are_literals_the_engine_reads_in_every_phrasing():
    workspace = RuleBase(world="open")
    assert run(workspace, "fact", subject="The cat", attribute="chases the mouse") == "noted: cat chases mouse"
    assert (
        run(workspace, "fact", subject="the dog", attribute="does not chase the mouse")
        == "noted: dog does not chase mouse"
    )
    run(workspace, "rule", conditions=["chases the mouse"], conclusion="big")
    run(workspace, "rule", conditions=["doesn't chase the mouse"], conclusion="not big")
    assert run(workspace, "query", subject="the cat", attribute="is big") == "true"
    assert run(workspace, "query", subject="dog", attribute="big") == "false"
    assert run(workspace, "query", subject="the cat", attribute="not chases mouse") == "false"
    assert run(workspace, "query", subject="the mouse", attribute="chases the mouse") == "unknown"


def test_generated_rule_bases_look_like_ones_written_elsewhere():
    problems = LogicTask().problems("train", 300)
    text = " ".join(p.question for p in problems)
    for phrasing in (
        "All ",
        " things are ",
        " people are ",
        "Someone who is ",
        "If something ",
        " then it ",
        "If someone ",
        " then they are ",
        " chases the ",
        " does not ",
        " and not ",
        "The bald eagle",
    ):
        assert phrasing in text, phrasing
    sizes = [len(p.meta["theory"]["facts"]) + len(p.meta["theory"]["rules"]) for p in problems]
    assert max(sizes) >= 20 and sum(sizes) / len(sizes) >= 15  # many distractors, as in ProofWriter
    needed = [len(solution_calls(p, relevant_only=True)) - 2 for p in problems]
    assert max(needed) <= 10 and sum(5 <= n <= 10 for n in needed) >= 75  # fits a 12-step chain; many need 5-10
    relational = [p for p in problems if " the " in p.meta["query"][1]]
    assert relational and all(solution_calls(p, relevant_only=True)[-2][1] == p.answer for p in relational)
    assert not any(
        f"{e} {v} {e}" in p.question.lower()
        for p in problems
        for e in ("the cat", "the dog")
        for v in ("chases", "likes", "sees", "needs", "visits", "eats")
    )  # nothing relates to itself
