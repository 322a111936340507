"""The logic task with premises looked up by what they are about: the engine finds and reads the sentences.

Students that cite sentences by number (`logic-cite`) stay faithful but do not learn the lookup
itself: which of twenty sentences states or concludes the attribute the proof needs next
(docs/experiments.md, row 16). Here that lookup is a function: `lookup(attribute="quiet")` makes
the engine read every sentence of the problem that states or concludes "quiet" (facts of any
entity, rules of any subject) and add them to the rule base. The model keeps the reasoning a
proof search needs: which attribute to look up first (the asked one), which conditions of the
rules it got back still need support, when to query, and what to answer. A premise still can
only come from the text.
"""

from __future__ import annotations

from fcdpo.tasks.base import Example
from fcdpo.tasks.logic import answer_calls, asked_attribute, relevant_theory
from fcdpo.tasks.logic_cite import QUERY, LogicCiteTask, proof_order, sentence
from fcdpo.tasks.logic_sentences import canonical_literal, read_sentence, singular_noun, split_passage
from fcdpo.tools import RuleBase
from fcdpo.tools.base import Function, ToolError
from fcdpo.tools.logic import render_literal
from fcdpo.types import Problem


def sentences_about(sentences: tuple[str, ...], attribute: str) -> tuple[list[int], bool]:
    """The numbers of the sentences that state a fact about `attribute` or a rule concluding it (either sign),
    and whether any sentence mentions it at all (as a rule's condition too).
    """
    stating, mentioned = [], False
    for number, text in enumerate(sentences, start=1):
        read = read_sentence(text)
        if any(a == attribute for _, a, _ in read.facts) or any(k[0] == attribute for _, _, k in read.rules):
            stating.append(number)
        mentioned = mentioned or any(c == attribute for _, conditions, _ in read.rules for c, _ in conditions)
    return stating, mentioned or bool(stating)


def lookup(attribute: str, workspace: RuleBase) -> str:
    """State every sentence of the problem that says or concludes `attribute`; the engine reads them."""
    literal = canonical_literal(str(attribute))
    if literal is None:
        raise ToolError('attribute must be one attribute ("big") or relation ("chases the mouse")')
    numbers, mentioned = sentences_about(workspace.sentences, literal[0])
    if not mentioned:  # a kind asked for in the plural ("sterpuses") is read in the singular
        numbers, mentioned = sentences_about(workspace.sentences, singular_noun(literal[0]))
    if not numbers:  # an answer in itself: nothing establishes it (closed world: false; open: unknown)
        return f'no sentence {"states or concludes" if mentioned else "mentions"} "{literal[0]}"'
    return " | ".join(f"{n}. {sentence(n, workspace)}" for n in numbers)


LOOKUP = Function(
    lookup,
    "State every sentence of the problem that says or concludes an attribute; the engine reads them.",
    'lookup(attribute="big")',
)


def lookup_order(problem: Problem) -> list[str]:
    """The attributes a generated problem's proof needs, in goal-directed order (`proof_order`): the asked one
    (looked up even when nothing states it: that is what the answer rests on), then each condition of a rule
    concluding a needed one, depth first.
    """
    asked = asked_attribute(problem)
    order = proof_order(relevant_theory(problem), asked)
    return list(
        dict.fromkeys([asked, *(statement[2][0] if is_rule else statement[1] for is_rule, statement in order)])
    )


class LogicLookupTask(LogicCiteTask):
    """Rule-base questions answered by looking up what the problem says about each needed attribute."""

    name = "logic-lookup"
    functions = [LOOKUP, QUERY]
    stating = ("lookup",)

    def statement_grounded(self, problem: Problem, call: dict) -> bool | None:
        """What a lookup states is read from the problem's sentences by construction."""
        return True if call.get("name") == "lookup" else None

    def gold_chain(self, problem: Problem) -> list[tuple[str, str]] | None:
        """A generated problem's (call, result) gold chain: a lookup per needed attribute in `lookup_order`,
        query, answer.
        """
        workspace = self.new_workspace(problem)
        calls = [
            (f'lookup(attribute="{render_literal(a, True)}")', lookup(render_literal(a, True), workspace))
            for a in lookup_order(problem)
        ]
        return [*calls, *answer_calls(problem, workspace)]

    def shows_selection(self, problem: Problem, example: Example) -> bool:
        """A worked example worth showing looks up at least two attributes and leaves some sentences unread."""
        calls = [call for call, _ in example.calls if call.startswith("lookup(")]
        read = {n for call, result in example.calls if call.startswith("lookup(") for n in _numbers(result)}
        return len(calls) >= 2 and len(read) < len(split_passage(problem.question)[0])


def _numbers(result: str) -> list[int]:
    """The sentence numbers a lookup's result lists ('3. noted: ... | 7. noted: ...' → [3, 7])."""
    return [int(part.split(".", 1)[0]) for part in result.split(" | ") if part.split(".", 1)[0].strip().isdigit()]
