"""What the sentence-reading logic tasks share: the passage shown with numbered sentences, the engine reading a
sentence into the rule base, worked examples chosen to show selection, and the problem's sentences in the
workspace. `logic-cite` (a premise by sentence number) and `logic-lookup` (by what it is about) build on it.
"""

from __future__ import annotations

import math

from fcdpo.tasks.base import Example
from fcdpo.tasks.logic import LogicTask, world_of
from fcdpo.tasks.logic_sentences import read_sentence, split_passage
from fcdpo.tools import LOGIC, RuleBase
from fcdpo.tools.base import ToolError
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


QUERY = next(f for f in LOGIC if f.name == "query")


def numbered(question: str) -> str:
    """The passage one numbered sentence a line ('1. Anne is big.', '2. If ...'), then the question."""
    sentences, ask = split_passage(question)
    return "\n".join([*(f"{i}. {text}" for i, text in enumerate(sentences, start=1)), ask])


class LogicPassageTask(LogicTask):
    """Rule-base questions over a passage the engine reads sentence by sentence; a subclass names its functions,
    its gold chain and what a worked example must show.
    """

    stream = "logic"  # the logic task's own questions, shown differently

    def present(self, question: str) -> str:
        """The passage with its sentences numbered, then the question."""
        return numbered(question)

    def reference_calls(self, problem: Problem) -> list[str] | None:
        """The calls of the gold chain (`gold_chain`): read what the answer needs, query, answer; None for problems
        written by others (they carry no theory to derive a gold chain from).
        """
        if "theory" not in problem.meta:
            return None
        chain = self.gold_chain(problem)
        return None if chain is None else [call for call, _ in chain]

    def gold_chain(self, problem: Problem) -> list[tuple[str, str]] | None:
        """A generated problem's (call, result) gold chain."""
        raise NotImplementedError

    def examples(self) -> list[Example]:
        """A closed-world (true) and an open-world (unknown) worked chain over passages with distractors: each
        reads only sentences its answer needs and answers what the engine returns, `unknown` included.
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
        """Whether a candidate worked example shows choosing what to read."""
        raise NotImplementedError

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
