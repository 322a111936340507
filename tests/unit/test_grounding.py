"""Grounding: a chain's stated facts and rules are checked against the problem's own sentences.

The reader must accept what the problem says however it is phrased (rule bases written elsewhere),
and refuse what it does not say (the invented rule ladders small students write).
"""

from __future__ import annotations

import pytest

from fcdpo.evals.metrics import task_figures
from fcdpo.graphs import Context, solve
from fcdpo.tasks import get_task
from fcdpo.tasks.logic import solution_calls
from fcdpo.tasks.logic_sentences import read_sentence
from fcdpo.tools.protocol import parse_call
from fcdpo.training.pairs import PairSettings, make_pairs
from fcdpo.types import Problem

LOGIC = get_task("logic")
SIGNATURES = {f.name: f.signature for f in LOGIC.all_functions()}

PASSAGE = (
    "The bald eagle is big. The cat is not round. Bob is kind, smart and red. The cat chases the mouse. "
    "The cat does not like the dog. All big people are red. Young things are quiet. Big, young people are nice. "
    "If someone is big and not red then they are kind. If something chases the mouse and it is big then it is round. "
    "If Bob is big then Bob is cold. Someone who is rough is furry. If someone is quiet then they are not young "
    "and tall.\n"
    "If the cat chases the mouse then the mouse is big.\n"
    'Is the statement "The cat is round" true or false? Anything that cannot be derived from the facts and rules '
    "is false."
)


def grounded(call: str, question: str = PASSAGE) -> bool | None:
    return LOGIC.statement_grounded(Problem("p", "logic", question), parse_call(call, SIGNATURES).to_dict())


@pytest.mark.parametrize(
    "call",
    [
        'fact(subject="The bald eagle", attribute="big")',
        'fact(subject="bald eagle", attribute="big")',
        'fact(subject="the cat", attribute="not round")',
        'fact(subject="the cat", attribute="is not round")',
        'fact(subject="Bob", attribute="smart")',
        'fact(subject="Bob", attribute="red")',
        'fact(subject="the cat", attribute="chases the mouse")',
        'fact(subject="cat", attribute="chases mouse")',
        'fact(subject="the cat", attribute="does not like the dog")',
        'fact(subject="the cat", attribute="not likes the dog")',
        'rule(conditions=["big"], conclusion="red")',
        'rule(conditions=["young"], conclusion="quiet", subject="something")',
        'rule(conditions=["young", "big"], conclusion="nice")',
        'rule(conditions="big and young", conclusion="nice")',
        'rule(conditions=["big", "not red"], conclusion="kind")',
        'rule(conditions=["chases the mouse", "big"], conclusion="round")',
        'rule(conditions=["big"], conclusion="cold", subject="Bob")',
        'rule(conditions=["rough"], conclusion="furry")',
        'rule(conditions=["quiet"], conclusion="not young")',
        'rule(conditions=["quiet"], conclusion="tall")',
        # A general rule applied to one entity still holds.
        'rule(conditions=["big"], conclusion="red", subject="Bob")',
    ],
)
def test_statements_the_problem_makes_are_grounded(call):
    assert grounded(call) is True


@pytest.mark.parametrize(
    "call",
    [
        'fact(subject="the cat", attribute="big")',  # invented fact
        'fact(subject="the cat", attribute="round")',  # negation dropped
        'fact(subject="Bob", attribute="not red")',  # negation added
        'fact(subject="the dog", attribute="chases the mouse")',  # another entity
        'fact(subject="the cat", attribute="likes the dog")',
        'fact(subject="the mouse", attribute="big")',  # a conclusion, not a fact
        'rule(conditions=["dull"], conclusion="beautiful")',  # the ladders small students invent
        'rule(conditions=["beautiful", "small"], conclusion="small")',
        'rule(conditions=["red"], conclusion="big")',  # reversed
        'rule(conditions=["big"], conclusion="nice")',  # a condition dropped: a stronger rule than the text's
        'rule(conditions=["big", "young", "red"], conclusion="nice")',  # a condition added
        'rule(conditions=["big", "red"], conclusion="kind")',  # negated condition made positive
        'rule(conditions=["big"], conclusion="cold")',  # Bob's rule made general
        'rule(conditions=["big"], conclusion="cold", subject="the cat")',  # Bob's rule moved to another entity
        'rule(conditions=["chases the mouse"], conclusion="big")',  # about another entity: not one rule of the engine
        'rule(conditions=["quiet"], conclusion="young")',
    ],
)
def test_invented_statements_are_not_grounded(call):
    assert grounded(call) is False


def test_other_calls_state_no_premise():
    assert grounded('query(subject="the cat", attribute="round")') is None
    assert grounded("final_answer(answer=false)") is None


@pytest.mark.parametrize(
    ("sentence", "rules", "facts"),
    [
        ("Every wumpus is a jompus.", {(None, frozenset({("wumpus", True)}), ("jompus", True))}, set()),
        ("Each jompus is not red.", {(None, frozenset({("jompus", True)}), ("red", False))}, set()),
        (
            "Every rough, young person is green.",
            {(None, frozenset({("rough", True), ("young", True)}), ("green", True))},
            set(),
        ),
        ("Max is a wumpus.", set(), {("max", "wumpus", True)}),
        ("Wumpuses are tumpuses.", {(None, frozenset({("wumpus", True)}), ("tumpus", True))}, set()),
        ("Tumpuses are not shy.", {(None, frozenset({("tumpus", True)}), ("shy", False))}, set()),
        ("Rompuses are luminous.", {(None, frozenset({("rompus", True)}), ("luminous", True))}, set()),
        ("Foxes are mammals.", {(None, frozenset({("fox", True)}), ("mammal", True))}, set()),
        # Quantified sentences the engine cannot hold are left unread, never read as a fact about "some" or "no".
        ("Some cats are big.", set(), set()),
        ("No cat is red.", set(), set()),
        ("Nobody is red.", set(), set()),
    ],
)
def test_generic_and_quantified_sentences_are_rules_or_unread(sentence, rules, facts):
    read = read_sentence(sentence)
    assert (read.rules, read.facts) == (rules, facts)


def test_every_gold_statement_of_generated_problems_is_grounded():
    stated = 0
    for split in ("train", "test"):
        for problem in LOGIC.problems(split, 150):
            for call, _ in solution_calls(problem):
                verdict = LOGIC.statement_grounded(problem, parse_call(call, SIGNATURES).to_dict())
                if call.startswith(("fact(", "rule(")):
                    stated += 1
                    assert verdict is True, (call, problem.question)
    assert stated > 1500


QUESTION = (
    "Anne is big. If someone is big then they are red.\n"
    'Is the statement "Anne is red" true or false? Anything that cannot be derived from the facts and rules is false.'
)
FAITHFUL = (
    'fact(subject="Anne", attribute="big")',
    'rule(conditions=["big"], conclusion="red")',
    'query(subject="Anne", attribute="red")',
    "final_answer(answer=true)",
)
INVENTED = (
    'fact(subject="Anne", attribute="kind")',
    'rule(conditions=["kind"], conclusion="red")',
    'query(subject="Anne", attribute="red")',
    "final_answer(answer=true)",
)


def test_traces_record_grounding_and_eval_counts_grounded_right_answers(scripted):
    problem = Problem("a", "logic", QUESTION, "true", meta={"world": "closed"})
    faithful = solve(problem, Context(task="logic"), model=scripted(*FAITHFUL))
    invented = solve(problem, Context(task="logic"), model=scripted(*INVENTED))
    assert [t.verdict for t in (faithful, invented)] == ["correct", "correct"]  # both land on the right label...
    assert [s.grounded for s in faithful.steps] == [True, True, None, None]
    assert [s.grounded for s in invented.steps] == [False, False, None, None]
    assert [LOGIC.answer_derived(t) for t in (faithful, invented)] == [
        True,
        True,
    ]  # ...both "derived" by the engine...
    assert [LOGIC.answer_grounded(t) for t in (faithful, invented)] == [True, False]  # ...only one from the problem
    figures = task_figures([faithful, invented])
    assert (figures["correct"], figures["correct_derived"], figures["correct_grounded"]) == (2, 2, 1)
    assert (figures["statements"], figures["statements_grounded"]) == (4, 2)


def test_check_grounding_refuses_an_invented_premise_at_act_time(scripted):
    problem = Problem("a", "logic", QUESTION, "true", meta={"world": "closed"})
    trace = solve(problem, Context(task="logic", check_grounding=True), model=scripted(*INVENTED))
    assert [s.ok for s in trace.steps] == [False, False, True, True]
    assert "the problem does not say this" in trace.steps[0].error
    assert trace.steps[2].result == "false"  # nothing invented reached the rule base
    assert not LOGIC.answer_grounded(trace)  # the scripted answer "true" is now no derivation at all


def test_export_never_chooses_a_right_chain_from_invented_premises(scripted):
    problem = Problem("a", "logic", QUESTION, "true", meta={"world": "closed"})
    faithful = solve(problem, Context(task="logic"), model=scripted(*FAITHFUL))
    invented = solve(problem, Context(task="logic"), model=scripted(*INVENTED))
    wrong = solve(problem, Context(task="logic"), model=scripted("final_answer(answer=false)"))
    result = make_pairs([faithful, invented, wrong])
    assert len(result.pairs) == 2
    chosen = {str(p["chosen"]) for p in result.pairs}
    assert chosen == {str(make_pairs([faithful, wrong]).pairs[0]["chosen"])}  # only the faithful chain is chosen...
    assert any(
        "kind" in str(p["rejected"]) for p in result.pairs
    )  # ...and the invented one is rejected beside the wrong one
    only_invented = make_pairs([invented, wrong])
    assert only_invented.pairs == [] and only_invented.no_pair == {"a": "correct_not_grounded"}
    assert len(make_pairs([invented, wrong], PairSettings(allow_ungrounded=True)).pairs) == 1
