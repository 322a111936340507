"""The logic task with cited premises: the model names a sentence of the problem, the engine reads it.

A premise can only come from the text, so a chain cannot invent one; the model still has to pick
the sentences that matter, query and answer.
"""

from __future__ import annotations

import pytest

from fcdpo.evals.decontamination import overlap
from fcdpo.graphs import Context, solve
from fcdpo.models.reference import solver_model
from fcdpo.tasks import get_task
from fcdpo.tasks.logic import asked_attribute, relevant_theory
from fcdpo.tasks.logic_cite import proof_order, sentence
from fcdpo.tools import RuleBase, ToolError
from fcdpo.types import Problem

CITE = get_task("logic-cite")
OUTSIDE = (  # phrased as rule bases written elsewhere are
    "The bald eagle is big. The cat chases the mouse. Bob is kind, smart and red.\n"
    "All big people are red. If something chases the mouse and it is big then it is round.\n"
    "If the cat chases the mouse then the mouse is big.\n"
    'Is the statement "The cat is round" true or false? Anything that cannot be derived from the facts and rules '
    "is false."
)


def workspace(question: str = OUTSIDE) -> RuleBase:
    return CITE.new_workspace(Problem("p", "logic-cite", question))


def test_the_model_sees_the_passage_one_numbered_sentence_a_line_and_the_question_after_it():
    lines = CITE.present(OUTSIDE).splitlines()
    assert lines[:3] == ["1. The bald eagle is big.", "2. The cat chases the mouse.", "3. Bob is kind, smart and red."]
    assert lines[5] == "6. If the cat chases the mouse then the mouse is big."
    assert lines[6].startswith('Is the statement "The cat is round" true or false?') and len(lines) == 7


def test_citing_a_sentence_states_exactly_what_it_says():
    rules = workspace()
    assert sentence(3, rules) == "noted: bob is kind; noted: bob is red; noted: bob is smart"
    assert sentence("2", rules) == "noted: cat chases mouse"  # a number written as text is read too
    assert "if someone is big and chases mouse then someone is round" in sentence(5.0, rules)
    assert rules.query("cat", "round", True) == "false"  # the cat is not said to be big
    sentence(1, rules)
    assert rules.query("bald eagle", "red", True) == "false"  # sentence 4 not cited: the engine does not know its rule
    assert sentence(4, rules) == "noted: if someone is big then someone is red"
    assert rules.query("bald eagle", "red", True) == "true"


@pytest.mark.parametrize(
    "number, message",
    [
        (0, "there is no sentence 0; the problem's sentences are numbered 1 to 6"),
        (7, "there is no sentence 7"),
        ("three", "number must be a sentence number from 1 to 6"),
        (2.5, "number must be a sentence number"),
        (6, "sentence 6 states no fact or rule the engine can read"),  # concludes about another entity
    ],
)
def test_a_bad_citation_is_an_error_the_model_sees(number, message):
    with pytest.raises(ToolError, match=message):
        sentence(number, workspace())


def test_cite_asks_the_logic_tasks_own_questions():
    assert [p.question for p in CITE.problems("test", 5)] == [
        p.question for p in get_task("logic").problems("test", 5)
    ]
    assert {p.task for p in CITE.problems("test", 5)} == {"logic-cite"}


def test_gold_chains_cite_only_sentences_and_derive_every_answer_through_the_graph():
    """The `reference` teacher cites the sentences that state what the question depends on, and is always right."""
    for problem in CITE.problems("train", 60):
        trace = solve(problem, Context(task="logic-cite", max_steps=12), model=solver_model("reference", problem))
        calls = [step.call["name"] for step in trace.steps]
        assert trace.verdict == "correct", (problem.question, [s.text for s in trace.steps])
        assert set(calls[:-2]) <= {"sentence"} and calls[-2:] == ["query", "final_answer"]
        assert all(step.grounded for step in trace.steps[:-2]) and all(step.ok for step in trace.steps)


def test_gold_chains_cite_goal_first_then_what_each_cited_rule_needs():
    """Each citation after the first states an attribute that the asked question or an earlier cited rule needs,
    so the next sentence to cite is always named by a result already in the chain.
    """
    for problem in CITE.problems("train", 60):
        theory, asked = relevant_theory(problem), asked_attribute(problem)
        order = proof_order(theory, asked)
        assert sorted(map(repr, order)) == sorted(
            [repr((False, f)) for f in theory.facts] + [repr((True, r)) for r in theory.rules]
        )
        needed = {asked}
        for is_rule, statement in order:
            attribute = statement[2][0] if is_rule else statement[1]
            assert attribute in needed, (problem.question, order)
            if is_rule:
                needed |= {condition for condition, _ in statement[1]}


def test_the_prompts_examples_cite_only_the_sentences_their_answer_needs():
    examples = CITE.examples()
    assert [example.calls[-1][0] for example in examples] == [
        "final_answer(answer=true)",
        "final_answer(answer=unknown)",
    ]
    for example in examples:
        passage = [line for line in example.question.splitlines() if line[0].isdigit()]
        cited = [call for call, _ in example.calls if call.startswith("sentence(")]
        assert 2 <= len(cited) < len(passage)  # what `examples` looks for: a choice among distractors
        assert example.calls[-2][1] == example.calls[-1][0].removeprefix("final_answer(answer=").rstrip(")")


def test_a_chain_citing_sentences_is_grounded_by_construction_and_derives_its_answer(scripted):
    problem = Problem("p", "logic-cite", OUTSIDE, "true")
    trace = solve(
        problem,
        Context(task="logic-cite"),
        model=scripted(
            "sentence(number=1)", 'query(subject="the bald eagle", attribute="red")', "final_answer(answer=false)"
        ),
    )
    assert trace.steps[0].grounded is True and trace.verdict == "incorrect"  # the rule of sentence 4 was never cited
    trace = solve(
        problem,
        Context(task="logic-cite"),
        model=scripted(
            "sentence(number=1)",
            "sentence(number=4)",
            'query(subject="the bald eagle", attribute="red")',
            "final_answer(answer=true)",
        ),
    )
    assert trace.verdict == "correct" and CITE.answer_grounded(trace)
    shortcut = solve(
        problem,
        Context(task="logic-cite"),
        model=scripted('query(subject="the bald eagle", attribute="red")', "final_answer(answer=false)"),
    )
    assert not CITE.answer_derived(shortcut)  # the engine's default on nothing cited is no derivation


def test_a_student_trained_on_numbered_questions_is_caught_evaluating_the_same_questions(tmp_path, monkeypatch):
    """Decontamination compares questions with their sentence numbers left out."""
    import json

    problem = CITE.problems("test", 1)[0]
    pairs = tmp_path / "pairs.jsonl"
    prompt = [{"role": "user", "content": "Problem: " + CITE.present(problem.question)}]
    pairs.write_text(json.dumps({"prompt": prompt, "chosen": [], "rejected": []}) + "\n")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "config.yaml").write_text(f"pairs: {pairs}\n")
    (tmp_path / "run" / "adapter").mkdir()
    (tmp_path / "run" / "adapter" / "adapter_config.json").write_text("{}")
    logic_problem = get_task("logic").problems("test", 1)[0]
    assert overlap(f"smollm2-135m+{tmp_path / 'run' / 'adapter'}", [logic_problem, problem])[0] == [
        logic_problem.id,
        problem.id,
    ]
