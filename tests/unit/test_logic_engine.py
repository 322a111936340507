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
    theory = Theory("closed", [("anne", "a", True)], [(None, [("a", True)], ("b", True)), (None, [("b", True), ("c", False)], ("d", True))])
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
    theory = Theory("closed", [("Anne", "a", True), ("Anne", "x", True), ("Bob", "a", True)],
                    [(None, [("a", True), ("c", False)], ("b", True)), (None, [("x", True)], ("y", True)), ("Bob", [("d", True)], ("c", True))])
    part = relevant_part(theory, "Anne", "b")
    assert part.facts == [("Anne", "a", True)]  # not Anne's x (feeds only y), not Bob's facts
    assert part.rules == [(None, [("a", True), ("c", False)], ("b", True))]  # Bob's rule for c does not apply to Anne
