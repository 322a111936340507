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

import math

from fcdpo.tasks.base import Example
from fcdpo.tasks.logic import LogicTask, answer_calls, asked_attribute, relevant_theory, world_of
from fcdpo.tasks.logic_reference import Theory
from fcdpo.tasks.logic_sentences import canonical_entity, canonical_literal, read_sentence, split_passage
from fcdpo.tools import LOGIC, RuleBase
from fcdpo.tools.base import Function, ToolError
from fcdpo.tools.logic import SOMEONE, fact, render_literal, rule
from fcdpo.types import Problem


def sentence(number: int, workspace: RuleBase) -> str:
    """State what sentence `number` of the problem says: the engine reads its facts or rule."""
    count = len(workspace.sentences)
    try:
        value = float(str(number).strip())  # 3, 3.0 and "3" alike: models write numbers every way
    except ValueError:
        value = math.nan  # not a number: refused below like 2.5
    if not value.is_integer():
        raise ToolError(f"number must be a sentence number from 1 to {count}")
    index = int(value)
    if not 1 <= index <= count:
        raise ToolError(f"there is no sentence {index}; the problem's sentences are numbered 1 to {count}")
    read = read_sentence(workspace.sentences[index - 1])
    if not read.facts and not read.rules:
        raise ToolError(f"sentence {index} states no fact or rule the engine can read")
    notes = [
        fact(entity, render_literal(attribute, positive), workspace)
        for entity, attribute, positive in sorted(read.facts)
    ]
    for subject, conditions, conclusion in sorted(read.rules, key=repr):
        notes.append(
            rule(
                [render_literal(*c) for c in sorted(conditions)],
                render_literal(*conclusion),
                workspace,
                subject or SOMEONE,
            )
        )
    return "; ".join(notes)


SENTENCE = Function(
    sentence,
    "State the facts or rule a sentence of the problem says, by its number; the engine reads it.",
    "sentence(number=2)",
)
QUERY = next(f for f in LOGIC if f.name == "query")


def numbered(question: str) -> str:
    """The passage one numbered sentence a line ('1. Anne is big.', '2. If ...'), then the question."""
    sentences, ask = split_passage(question)
    return "\n".join([*(f"{i}. {text}" for i, text in enumerate(sentences, start=1)), ask])


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


class LogicCiteTask(LogicTask):
    """Rule-base questions answered by citing the problem's sentences, querying the engine and answering."""

    name = "logic-cite"
    stream = "logic"
    functions = [SENTENCE, QUERY]
    stating = ("sentence",)

    def present(self, question: str) -> str:
        """The passage with its sentences numbered, then the question."""
        return numbered(question)

    def statement_grounded(self, problem: Problem, call: dict) -> bool | None:
        """A cited sentence is in the problem by construction."""
        return True if call.get("name") == "sentence" else None

    def reference_calls(self, problem: Problem) -> list[str] | None:
        """Cite the sentences the question depends on in goal-directed order, query, answer; None for others'
        problems.
        """
        if "theory" not in problem.meta:
            return None
        chain = self.gold_chain(problem)
        return None if chain is None else [call for call, _ in chain]

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

    def examples(self) -> list[Example]:
        """A closed-world (true) and an open-world (unknown) worked chain over passages with distractors: each
        cites only sentences its answer needs and answers what the engine returns, `unknown` included.
        """
        examples = []
        for world, label, depth in (("closed", "true", 2), ("open", "unknown", 0)):
            for attempt in range(100):  # the first problem whose chain `shows_selection`
                problem = self.example_problem(f"cite-example:{world}:{attempt}", world, label, depth, 4, 3)
                example = self.worked_example(problem)
                if self.shows_selection(problem, example):
                    break
            examples.append(example)
        return examples

    def shows_selection(self, problem: Problem, example: Example) -> bool:
        """A worked example worth showing cites at least two sentences and not all of them."""
        cited = sum(call.startswith("sentence(") for call, _ in example.calls)
        return 2 <= cited < len(split_passage(problem.question)[0])

    def worked_example(self, problem: Problem) -> Example:
        """A few-shot chain: the gold chain of `reference_calls`, with its results."""
        chain = self.gold_chain(problem)
        assert chain is not None, "the generator writes only sentences the reader reads"
        return Example(self.present(problem.question), chain)

    def new_workspace(self, problem: Problem) -> RuleBase:
        """An empty rule base with the problem's semantics and its numbered sentences."""
        return RuleBase(world=world_of(problem), sentences=split_passage(problem.question)[0])

    def load_workspace(self, data, problem: Problem) -> RuleBase:
        """The rule base from the graph state, with the problem's sentences."""
        workspace = super().load_workspace(data, problem)
        workspace.sentences = split_passage(problem.question)[0]
        return workspace
