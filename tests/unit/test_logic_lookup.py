"""The logic task with premises looked up by attribute: the engine finds and reads the sentences about it.

A premise can only come from the text; the model still has to choose which attribute to look up
next, when to query, and what to answer.
"""

from __future__ import annotations

import pytest

from fcdpo.graphs import Context, solve
from fcdpo.models.reference import reference_model
from fcdpo.tasks import get_task
from fcdpo.tasks.logic import asked_attribute, relevant_theory
from fcdpo.tasks.logic_lookup import lookup, lookup_order
from fcdpo.tools import ToolError
from fcdpo.types import Problem

LOOKUP = get_task("logic-lookup")
OUTSIDE = (  # phrased as rule bases written elsewhere are
    "The bald eagle is big. The cat chases the mouse. Bob is kind, smart and red.\n"
    "All big people are red. If something chases the mouse and it is big then it is round.\n"
    "If the cat chases the mouse then the mouse is big. The dog is not red.\n"
    'Is the statement "The cat is round" true or false? Anything that cannot be derived from the facts and rules '
    "is false."
)


def workspace():
    return LOOKUP.new_workspace(Problem("p", "logic-lookup", OUTSIDE))


def test_a_lookup_states_every_sentence_that_says_or_concludes_the_attribute_and_only_those():
    rules = workspace()
    assert lookup("red", rules) == (
        "3. noted: bob is kind; noted: bob is red; noted: bob is smart"
        " | 4. noted: if someone is big then someone is red"
        # either sign: an open world needs the negative facts too
        " | 7. noted: dog is not red (closed world: this already holds unless derived)"
    )
    assert rules.query("bald eagle", "red", True) == "false"  # "big" not looked up yet: sentence 1 not read
    assert lookup("is big", rules) == "1. noted: bald eagle is big"  # sentence 6 concludes about another entity
    assert rules.query("bald eagle", "red", True) == "true"
    assert lookup("chases the mouse", rules) == "2. noted: cat chases mouse"  # relations, with or without articles


def test_a_lookup_that_finds_nothing_says_so_and_a_malformed_one_is_an_error():
    assert lookup("purple", workspace()) == 'no sentence mentions "purple"'
    mentioned = LOOKUP.new_workspace(
        Problem("p", "logic-lookup", "If Anne is young then Anne is kind.\nIs Anne kind?")
    )
    assert lookup("young", mentioned) == 'no sentence states or concludes "young"'
    with pytest.raises(ToolError, match="attribute must be one attribute"):
        lookup("is big and it is also the case that the mouse is not round at all", workspace())


def test_a_kind_looked_up_in_the_plural_is_read_in_the_singular():
    workspace = LOOKUP.new_workspace(Problem("p", "logic-lookup", "Each lempus is a sterpus.\nIs Sam a sterpus?"))
    assert (
        lookup("sterpuses", workspace)
        == lookup("sterpus", workspace)
        == "1. noted: if someone is lempus then someone is sterpus"
    )


def test_lookup_asks_the_logic_tasks_own_questions_with_numbered_sentences():
    problems = LOOKUP.problems("test", 5)
    assert [p.question for p in problems] == [p.question for p in get_task("logic").problems("test", 5)]
    assert LOOKUP.present(problems[0].question).startswith("1. ")


def test_gold_chains_look_up_the_asked_attribute_first_then_conditions_of_rules_already_found():
    """So the next lookup is always named by a result already in the chain."""
    for problem in LOOKUP.problems("train", 60):
        order, rules = lookup_order(problem), relevant_theory(problem).rules
        assert order[0] == asked_attribute(problem)
        for i, attribute in enumerate(order[1:], start=1):
            assert any(r[2][0] in order[:i] and attribute in {c for c, _ in r[1]} for r in rules), (order, rules)


def test_gold_chains_derive_every_answer_through_the_graph_from_looked_up_premises():
    """The `reference` teacher's lookups are enough for the engine to answer every generated question."""
    for problem in LOOKUP.problems("train", 60):
        trace = solve(problem, Context(task="logic-lookup", max_steps=12), model=reference_model(problem))
        calls = [step.call["name"] for step in trace.steps]
        assert trace.verdict == "correct", (problem.question, [s.text for s in trace.steps])
        assert calls[0] == "lookup" and set(calls[:-2]) == {"lookup"} and calls[-2:] == ["query", "final_answer"]
        assert LOOKUP.answer_grounded(trace) and all(step.grounded for step in trace.steps[:-2])


def test_the_prompts_examples_look_up_some_sentences_not_all():
    examples = LOOKUP.examples()
    assert [example.calls[-1][0] for example in examples] == [
        "final_answer(answer=true)",
        "final_answer(answer=unknown)",
    ]
    for example in examples:
        assert sum(call.startswith("lookup(") for call, _ in example.calls) >= 2


def test_a_student_that_skips_a_lookup_gets_the_engines_default_not_a_derivation(scripted):
    problem = Problem("p", "logic-lookup", OUTSIDE, "true")
    asked = 'query(subject="the bald eagle", attribute="red")'
    short = solve(
        problem,
        Context(task="logic-lookup"),
        model=scripted('lookup(attribute="red")', asked, "final_answer(answer=false)"),
    )
    assert short.verdict == "incorrect" and short.steps[0].grounded is True
    full = solve(
        problem,
        Context(task="logic-lookup"),
        model=scripted('lookup(attribute="red")', 'lookup(attribute="big")', asked, "final_answer(answer=true)"),
    )
    assert full.verdict == "correct" and LOOKUP.answer_grounded(full)
    guess = solve(problem, Context(task="logic-lookup"), model=scripted(asked, "final_answer(answer=false)"))
    assert not LOOKUP.answer_derived(guess)
