"""The logic task with premises looked up by what they are about: the engine finds and reads the sentences.

Students that cite sentences by number (`logic-cite`) stay faithful but do not learn the lookup
itself: which of twenty sentences states or concludes the attribute the proof needs next
(docs/experiments.md, row 16). Here that lookup is a function: `lookup(attribute="quiet")` makes
the engine read every sentence of the problem that states or concludes "quiet" (facts of any
entity, rules of any subject) and add them to the rule base. The model keeps the reasoning a
proof search needs: which attribute to look up first (the asked one), which conditions of the
rules it got back still need support, which rule to try next after a dead end, when to query, and
what to answer. A premise still can only come from the text.
"""

from __future__ import annotations

import re

from fcdpo.tasks.base import Example
from fcdpo.tasks.logic import answer_calls, asked_attribute, theory_attributes, world_of
from fcdpo.tasks.logic_passage import QUERY, LogicPassageTask, sentence
from fcdpo.tasks.logic_reference import Theory
from fcdpo.tasks.logic_sentences import (
    canonical_entity,
    canonical_literal,
    read_sentence,
    singular_noun,
    split_passage,
)
from fcdpo.tools import RuleBase
from fcdpo.tools.base import Function, ToolError
from fcdpo.tools.logic import query, render_literal
from fcdpo.types import Problem, Step

SCRIPTED_LOOKUPS = 10  # the scripted driver's lookups: with query and final_answer, a 12-step chain


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


def search_order(problem: Problem, workspace: RuleBase) -> list[str]:
    """The attributes a reader's depth-first proof search looks up, from the asked one: for each sentence
    about a looked-up attribute, in the order the lookup lists them, a fact about the asked entity settles
    it; a rule that applies to the entity has its conditions looked up in turn, is dropped at the first
    that does not hold (a dead end, which nothing states, is one) and settles the attribute when all hold.

    Trying rules in the order they are listed, not only the one the proof uses, puts dead ends in the
    middle of gold chains, followed by the next rule's conditions: a student taught only the needed
    lookups answers `unknown` at the first dead end of a rule base written elsewhere (docs/experiments.md,
    row 17); one taught an exhaustive search that ends in dead ends learned to stop early (row 19).
    Whether a condition holds is the engine's verdict over every sentence, which the search then reads.
    """
    sentences = workspace.sentences
    everything = RuleBase(world=workspace.world, sentences=sentences)
    for number in range(1, len(sentences) + 1):
        sentence(number, everything)
    entity = canonical_entity(problem.meta["query"][0])
    attributes = theory_attributes(Theory.from_dict(problem.meta["theory"]))
    # The theory's own names ("chases the mouse"), as the lookups are written, for the reader's canonical ones.
    names = {canonical_literal(render_literal(a, True))[0]: render_literal(a, True) for a in attributes}
    looked: list[str] = []

    def holds(attribute: str, positive: bool) -> bool:
        return query(entity, render_literal(names.get(attribute, attribute), positive), everything) == "true"

    def settles(attribute: str) -> bool:
        if attribute in looked:
            return False
        looked.append(attribute)
        for number in sentences_about(sentences, attribute)[0]:
            read = read_sentence(sentences[number - 1])
            for owner, a, positive in read.facts:
                if owner == entity and a == attribute and holds(a, positive):
                    return True
            for owner, conditions, conclusion in sorted(read.rules, key=repr):
                if conclusion[0] != attribute or owner not in (None, entity):
                    continue
                for condition, positive in sorted(conditions):
                    settles(condition)  # looked up, and searched under, before it can be judged
                    if not holds(condition, positive):
                        break  # this rule cannot fire: the next one may
                else:
                    return True
        return False

    settles(canonical_literal(asked_attribute(problem))[0])
    return [names.get(a, a) for a in looked]


class LogicLookupTask(LogicPassageTask):
    """Rule-base questions answered by looking up what the problem says about each needed attribute."""

    name = "logic-lookup"
    functions = [LOOKUP, QUERY]
    stating = ("lookup",)
    dead_end_rules = True  # so that gold chains show going on after a dead end (`search_order`)

    grounded_by_construction = True  # every premise comes from a lookup: "grounded" cannot fail, so it is n/a

    def statement_grounded(self, problem: Problem, call: dict) -> bool | None:
        """What a lookup states is read from the problem's sentences by construction."""
        return True if call.get("name") == "lookup" else None

    def reads_data(self, step: Step) -> bool:
        """A lookup read the problem when it found sentences: `no sentence states …` adds nothing, and a query
        after it returns only the world's default.
        """
        return step.call is None or step.call.get("name") != "lookup" or not (step.result or "").startswith("no ")

    def scripted_calls(self, problem: Problem) -> list[str] | None:
        """The scripted driver, no model: look up the asked attribute, then breadth first every condition of every
        rule a lookup returns (at most `SCRIPTED_LOOKUPS`, so the chain fits a 12-step budget), query the asked
        statement and answer what the engine returned. It reads only the question, so it runs on any rule base;
        what a tuned student adds over it is what the student learned beyond driving the engine.
        """
        sentences, ask = split_passage(problem.question)
        quoted = re.search(r'"([^"]+)"', ask)
        asked = read_sentence(quoted.group(1)).facts if quoted else []
        if len(asked) != 1:
            return None
        entity, attribute, positive = next(iter(asked))
        workspace = RuleBase(world=world_of(problem), sentences=sentences)
        queue, looked = [attribute], []
        while queue and len(looked) < SCRIPTED_LOOKUPS:
            wanted = queue.pop(0)
            if wanted in looked:
                continue
            looked.append(wanted)
            for number in _numbers(lookup(wanted, workspace)):
                rules = sorted(read_sentence(sentences[number - 1]).rules, key=repr)  # sets: a fixed order
                queue += [c for _, conditions, _ in rules for c, _ in sorted(conditions)]
        statement = render_literal(attribute, positive)
        verdict = query(entity, statement, workspace)
        return [
            *(f'lookup(attribute="{a}")' for a in looked),
            f'query(subject="{entity}", attribute="{statement}")',
            f'final_answer(answer="{verdict}")',
        ]

    def gold_chain(self, problem: Problem) -> list[tuple[str, str]] | None:
        """A generated problem's (call, result) gold chain: a lookup per attribute in `search_order`, query,
        answer.
        """
        workspace = self.new_workspace(problem)
        calls = [(f'lookup(attribute="{a}")', lookup(a, workspace)) for a in search_order(problem, workspace)]
        return [*calls, *answer_calls(problem, workspace)]

    def shows_selection(self, problem: Problem, example: Example) -> bool:
        """A worked example worth showing looks up at least two attributes and leaves some sentences unread;
        the closed-world one also goes on to another rule after a dead end, as every search may have to.
        """
        lookups = [(call, result) for call, result in example.calls if call.startswith("lookup(")]
        read = {n for _, result in lookups for n in _numbers(result)}
        goes_on = any(result.startswith("no sentence") for _, result in lookups[:-1])
        return (
            len(lookups) >= 2
            and len(read) < len(split_passage(problem.question)[0])
            and (goes_on or world_of(problem) != "closed")
        )


def _numbers(result: str) -> list[int]:
    """The sentence numbers a lookup's result lists ('3. noted: ... | 7. noted: ...' → [3, 7])."""
    return [int(part.split(".", 1)[0]) for part in result.split(" | ") if part.split(".", 1)[0].strip().isdigit()]


class LogicLookupDeepTask(LogicLookupTask):
    """`logic-lookup` with questions whose proof needs two to five rules, so that gold chains are as long as deep
    questions need (ProntoQA-style five-rule questions take about nine lookups; a third of `logic-lookup`'s
    questions take one or two). It reads `logic-lookup` files, so outside rule bases evaluate it directly.
    """

    name = "logic-lookup-deep"
    min_depth = 2
    reads_files_of = ("logic-lookup",)
