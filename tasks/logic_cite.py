"""The logic task with premises cited, not restated: the model names a sentence of the problem by its number.

Students taught to restate facts and rules (`fact`, `rule`) learn the form of a derivation and
then invent premises: a ladder of rules the passage does not contain that often lands on the
right label anyway (docs/experiments.md, row 13). Here a premise can only come from the text:
`sentence(number=3)` makes the engine read sentence 3 of the problem (`logic_sentences`) and add
what it states. The model chooses which sentences matter, queries and answers. The questions
are the logic task's own (same generator, same stream), shown with numbered sentences.

Gold chains cite in goal-directed order: for the asked attribute, the sentence stating it or the
rule concluding it, then what establishes that rule's conditions, depth first. Each citation is
then a lookup for an attribute the previous result just named, which a small model can learn;
citing the relevant facts first would mean knowing the whole proof before writing its first step
(students taught that way cited sentences about the right entity but not the ones the answer
depends on: docs/experiments.md, row 15).
"""

from __future__ import annotations

from fcdpo.tasks.base import Example
from fcdpo.tasks.logic import answer_calls, asked_attribute, relevant_theory
from fcdpo.tasks.logic_passage import QUERY, LogicPassageTask, sentence
from fcdpo.tasks.logic_reference import Theory
from fcdpo.tasks.logic_sentences import canonical_entity, canonical_literal, read_sentence, split_passage
from fcdpo.tools.base import Function
from fcdpo.tools.logic import render_literal
from fcdpo.types import Problem

SENTENCE = Function(
    sentence,
    "State the facts or rule a sentence of the problem says, by its number; the engine reads it.",
    "sentence(number=2)",
)


def cited_sentence(sentences: list, statement: tuple, is_rule: bool) -> int | None:
    """The number of the first sentence that states a theory's fact (entity, attribute, positive) or rule
    (subject, conditions, conclusion); None when none does.
    """
    for number, read in enumerate(sentences, start=1):
        if is_rule:
            subject, conditions, conclusion = statement
            literals = frozenset(canonical_literal(render_literal(*c)) for c in conditions)
            owner = canonical_entity(subject) if subject else None
            if read.states_rule(owner, literals, canonical_literal(render_literal(*conclusion))):
                return number
        elif read.states_fact(canonical_entity(statement[0]), canonical_literal(render_literal(*statement[1:]))):
            return number
    return None


def proof_order(theory: Theory, attribute: str) -> list[tuple[bool, tuple]]:
    """A relevant theory's statements as (is_rule, statement) in goal-directed order from `attribute`:
    the facts stating it, then each rule concluding it followed by what establishes its conditions.
    """
    order: list[tuple[bool, tuple]] = []
    visited: set[str] = set()

    def visit(wanted: str) -> None:
        if wanted in visited:
            return
        visited.add(wanted)
        order.extend((False, f) for f in theory.facts if f[1] == wanted)
        for statement in theory.rules:
            if statement[2][0] == wanted:
                order.append((True, statement))
                for condition, _ in statement[1]:
                    visit(condition)

    visit(attribute)  # reaches every statement of `relevant_part`'s theory: it keeps the same closure
    return order


class LogicCiteTask(LogicPassageTask):
    """Rule-base questions answered by citing the problem's sentences, querying the engine and answering."""

    name = "logic-cite"
    functions = [SENTENCE, QUERY]
    stating = ("sentence",)

    def statement_grounded(self, problem: Problem, call: dict) -> bool | None:
        """A cited sentence is in the problem by construction."""
        return True if call.get("name") == "sentence" else None

    def gold_chain(self, problem: Problem) -> list[tuple[str, str]] | None:
        """A generated problem's (call, result) gold chain: the relevant sentences in `proof_order`, query, answer."""
        return self.cite_calls(problem, proof_order(relevant_theory(problem), asked_attribute(problem)))

    def cite_calls(self, problem: Problem, statements: list[tuple[bool, tuple]]) -> list[tuple[str, str]] | None:
        """The (call, result) chain citing the sentences that state `statements` (as `proof_order` gives them),
        in that order, run through the real tools; None when a statement is in no sentence.
        """
        passage, _ = split_passage(problem.question)
        read = [read_sentence(text) for text in passage]
        numbers = [cited_sentence(read, statement, is_rule) for is_rule, statement in statements]
        if None in numbers:
            return None
        workspace = self.new_workspace(problem)
        calls = [(f"sentence(number={n})", sentence(n, workspace)) for n in dict.fromkeys(numbers)]
        return [*calls, *answer_calls(problem, workspace)]

    def shows_selection(self, problem: Problem, example: Example) -> bool:
        """A worked example worth showing cites at least two sentences and not all of them."""
        cited = sum(call.startswith("sentence(") for call, _ in example.calls)
        return 2 <= cited < len(split_passage(problem.question)[0])
