"""The logic task with premises looked up by attribute: the engine finds and reads the sentences about it.

A premise can only come from the text; the model still has to choose which attribute to look up
next, when to query, and what to answer.
"""

from __future__ import annotations

import pytest

from fcdpo.graphs import Context, solve
from fcdpo.models.reference import solver_model
from fcdpo.tasks import get_task
from fcdpo.tasks.logic import asked_attribute
from fcdpo.tasks.logic_lookup import lookup, sentences_about
from fcdpo.tasks.logic_sentences import read_sentence, split_passage
from fcdpo.tools import ToolError
from fcdpo.tools.logic import render_literal
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


def test_lookup_asks_logic_questions_with_numbered_sentences_and_a_rule_that_never_fires():
    problems = LOOKUP.problems("test", 5)
    assert LOOKUP.present(problems[0].question).startswith("1. ")
    others = {p.question for p in get_task("logic").problems("test", 5)}  # the other logic tasks' problems stay
    for problem in problems:
        assert problem.question not in others
        sentences = split_passage(problem.question)[0]
        conditions = {c for text in sentences for _, cs, _ in read_sentence(text).rules for c, _ in cs}
        assert any(not sentences_about(sentences, c)[0] for c in conditions)


def test_gold_chains_search_rules_in_the_order_listed_and_go_on_after_a_dead_end():
    """Each lookup after the first is named by a result already in the chain; some chains try a rule whose
    condition nothing states, then look up the next rule's (the step row 17's student never took).
    """
    goes_on = 0
    for problem in LOOKUP.problems("train", 60):
        lookups = [(call, result) for call, result in LOOKUP.gold_chain(problem) if call.startswith("lookup(")]
        assert lookups[0][0] == f'lookup(attribute="{render_literal(asked_attribute(problem), True)}")'
        for i, (call, _) in enumerate(lookups[1:], start=1):
            named = call.split('"')[1].split()[-1]  # "chases the mouse" is named as "... chases mouse"
            assert any(named in result for _, result in lookups[:i]), lookups
        goes_on += any(result.startswith("no sentence") for _, result in lookups[:-1])
    assert goes_on >= 6


def test_gold_chains_derive_every_answer_through_the_graph_from_looked_up_premises():
    """The `reference` teacher's lookups are enough for the engine to answer every generated question."""
    for problem in LOOKUP.problems("train", 60):
        trace = solve(problem, Context(task="logic-lookup", max_steps=12), model=solver_model("reference", problem))
        calls = [step.call["name"] for step in trace.steps]
        assert trace.verdict == "correct", (problem.question, [s.text for s in trace.steps])
        assert calls[0] == "lookup" and set(calls[:-2]) == {"lookup"} and calls[-2:] == ["query", "final_answer"]
        assert all(step.grounded for step in trace.steps[:-2])
        # Derived, unless no lookup found a sentence: then the answer is only the world's default.
        found = any(not step.result.startswith("no sentence") for step in trace.steps[:-2])
        assert LOOKUP.answer_derived(trace) == found


def test_the_prompts_examples_look_up_some_sentences_not_all():
    examples = LOOKUP.examples()
    assert [example.calls[-1][0] for example in examples] == [
        "final_answer(answer=true)",
        "final_answer(answer=unknown)",
    ]
    for example in examples:
        assert sum(call.startswith("lookup(") for call, _ in example.calls) >= 2
    closed = [result for call, result in examples[0].calls if call.startswith("lookup(")]
    assert any(result.startswith("no sentence") for result in closed[:-1])  # shows going on after a dead end


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


def test_a_query_after_lookups_that_found_nothing_is_not_derived(scripted):
    """A lookup of an attribute no sentence mentions adds nothing: the query returns the world's default."""
    problem = Problem("p", "logic-lookup", OUTSIDE, "false")
    asked = 'query(subject="the cat", attribute="purple")'
    trace = solve(
        problem,
        Context(task="logic-lookup"),
        model=scripted('lookup(attribute="purple")', asked, "final_answer(answer=false)"),
    )
    assert trace.steps[0].result.startswith("no sentence") and trace.verdict == "correct"
    assert not LOOKUP.answer_derived(trace)


def test_grounded_is_not_a_figure_for_lookups():
    assert LOOKUP.grounded_by_construction and not get_task("logic").grounded_by_construction


def test_the_scripted_driver_reads_only_the_question_and_solves_through_the_graph():
    """Breadth-first lookups of every condition the returned rules name, query, answer: no model at all."""
    right = 0
    for problem in LOOKUP.problems("test", 40):
        stripped = Problem(problem.id, problem.task, problem.question, problem.answer)  # no generator metadata
        calls = LOOKUP.scripted_calls(stripped)
        assert calls == LOOKUP.scripted_calls(problem)
        trace = solve(stripped, Context(task="logic-lookup", max_steps=12), model=solver_model("scripted", stripped))
        assert [s.call["name"] for s in trace.steps][-2:] == ["query", "final_answer"] and len(trace.steps) <= 12
        right += trace.verdict == "correct"
    assert right >= 36  # the engine does the reasoning once the right sentences are read
    # "The cat is round": a rule needs it to chase the mouse (it does) and be big (nothing says so): false.
    outside = LOOKUP.scripted_calls(Problem("p", "logic-lookup", OUTSIDE, "false"))
    assert outside[:3] == ['lookup(attribute="round")', 'lookup(attribute="big")', 'lookup(attribute="chases mouse")']
    assert outside[-2:] == ['query(subject="cat", attribute="round")', 'final_answer(answer="false")']


def test_chains_are_compared_with_the_scripted_drivers_calls(scripted):
    from fcdpo.evals.metrics import against_scripted

    problem = Problem("p", "logic-lookup", OUTSIDE, "false")
    script = LOOKUP.scripted_calls(problem)
    same = solve(problem, Context(task="logic-lookup"), model=solver_model("scripted", problem))
    fewer = solve(problem, Context(task="logic-lookup"), model=scripted(script[0], *script[-2:]))
    other = solve(problem, Context(task="logic-lookup"), model=scripted('lookup(attribute="kind")', *script[-2:]))
    assert against_scripted([same, fewer, other, fewer]) == {"calls_vs_scripted": {"same": 1, "fewer": 2, "other": 1}}


def test_the_deep_variant_asks_questions_of_two_to_five_rules_whose_gold_chains_are_longer():
    """`logic-lookup-deep` trains on the proofs a shallow question never shows, and reads `logic-lookup` files."""
    deep = get_task("logic-lookup-deep")
    problems = deep.problems("train", 30)
    assert all(2 <= p.meta["depth"] <= 5 for p in problems)
    assert len({p.meta["depth"] for p in problems}) == 4

    def mean_lookups(task, problems):
        return sum(sum(c.startswith("lookup(") for c, _ in task.gold_chain(p)) for p in problems) / len(problems)

    assert mean_lookups(deep, problems) > mean_lookups(LOOKUP, LOOKUP.problems("train", 30)) + 1
    assert "logic-lookup" in deep.file_tasks()
    for problem in problems[:10]:
        trace = solve(problem, Context(task=deep.name, max_steps=12), model=solver_model("reference", problem))
        assert trace.verdict == "correct"
