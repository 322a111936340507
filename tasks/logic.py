"""The logic task: ProofWriter-style rule bases in natural language, the rule engine, a true/false/unknown grader.

Generated theories are layered (every rule concludes an attribute ranked above all of its
conditions), which keeps closed-world negation well defined. A chain of rules of the wanted
depth is planted, distractor facts and rules are added, and the reference evaluator
(`logic_reference`) labels the question.
"""

from __future__ import annotations

import random

from fcdpo.tasks.base import Example, Task
from fcdpo.tasks.graders import read_label
from fcdpo.tasks.logic_reference import Theory, evaluate
from fcdpo.tasks.logic_sentences import GENERIC, canonical_entity, canonical_literal, read_passage
from fcdpo.tools import LOGIC, RuleBase
from fcdpo.tools.logic import (
    fact,
    is_relation,
    parse_literal,
    predicate,
    query,
    render_literal,
    rule,
    split_conditions,
)
from fcdpo.types import Problem, Trace

NAMES = ["Anne", "Bob", "Charlie", "Dave", "Erin", "Fiona", "Gary", "Harry"]
ANIMALS = [
    "the cat",
    "the dog",
    "the mouse",
    "the squirrel",
    "the lion",
    "the bear",
    "the cow",
    "the rabbit",
    "the tiger",
    "the bald eagle",
]
ATTRIBUTES = [
    "big",
    "small",
    "red",
    "blue",
    "green",
    "kind",
    "nice",
    "quiet",
    "rough",
    "round",
    "young",
    "cold",
    "furry",
    "smart",
    "white",
    "happy",
    "tall",
    "strong",
]
VERBS = ["chases", "likes", "sees", "needs", "visits", "eats"]
LABELS = ("true", "false", "unknown")
MAX_RELEVANT = 10  # statements a gold chain states: with query and final_answer it fits a 12-step budget


def _sentence_case(text: str) -> str:
    return text[0].upper() + text[1:]


def _clause(subject: str, literals: list[tuple[str, bool]], plural: bool = False) -> str:
    """'Anne is big and not red', 'the cat chases the mouse', 'they are kind'."""
    text = f"{subject} {predicate(literals)}"
    return text.replace(f"{subject} is ", f"{subject} are ", 1) if plural else text


def _render_rule(
    subject: str | None, conditions: list[tuple[str, bool]], conclusion: tuple[str, bool], rng: random.Random
) -> str:
    """One rule in one of the phrasings rule bases written by others use."""
    relations = any(is_relation(a) for a, _ in [*conditions, conclusion])
    plain = all(p for _, p in conditions) and conclusion[1] and not relations
    if subject is None and plain and rng.random() < 0.45:
        adjectives = [a for a, _ in conditions]
        kind = rng.choice(["people", "things"])
        shown = ", ".join(adjectives)
        return rng.choice(
            [
                f"All {shown} {kind} are {conclusion[0]}.",
                f"{_sentence_case(shown)} {kind} are {conclusion[0]}.",
                f"Someone who is {' and '.join(adjectives)} is {conclusion[0]}.",
            ]
        )
    ordered = sorted(conditions, key=lambda c: (is_relation(c[0]), not c[1]))  # "big and not red and chases the cat"
    if subject is not None:
        return f"If {_clause(subject, ordered)} then {_clause(subject, [conclusion])}."
    if relations or rng.random() < 0.5:
        return f"If {_clause('something', ordered)} then {_clause('it', [conclusion])}."
    return f"If {_clause('someone', ordered)} then {_clause('they', [conclusion], plural=True)}."


def render_theory(theory: Theory, rng: random.Random) -> list[str]:
    """The theory as English sentences in shuffled order, with varied phrasings (two facts of one entity are
    sometimes one sentence: 'Bob is big and kind.').
    """
    facts = list(theory.facts)
    lines = []
    while facts:
        entity, attribute, positive = facts.pop(0)
        literals = [(attribute, positive)]
        partner = next((f for f in facts if f[0] == entity and f[2] and not is_relation(f[1])), None)
        if partner and positive and not is_relation(attribute) and rng.random() < 0.3:
            facts.remove(partner)
            literals.append(partner[1:])
        lines.append(_sentence_case(_clause(entity, literals)) + ".")
    lines += [_render_rule(subject, conditions, conclusion, rng) for subject, conditions, conclusion in theory.rules]
    rng.shuffle(lines)
    return lines


def make_theory(
    rng: random.Random, world: str, depth: int, max_facts: int = 20, max_rules: int = 12, dead_end: bool = False
) -> Theory:
    """A random layered theory with a planted proof chain of `depth` rules, and distractors.

    People (names, attributes) or animals (relations between them too: 'the cat chases the mouse'), up to
    four entities, up to `max_facts` facts and `max_rules` rules, as in ProofWriter (n_max = 20). With
    `dead_end`, one more rule concludes an attribute of the chain from a condition nothing states.
    """
    animals = rng.random() < 0.5
    entities = rng.sample(ANIMALS if animals else NAMES, rng.randint(2 if animals else 1, 4))
    attrs = rng.sample(ATTRIBUTES, rng.randint(max(depth + 2, 5), max(depth + 2, 9)))
    if animals:
        # Objects are the other entities, so the planted subject never "chases itself".
        relations = {
            f"{verb} {other}" for verb in rng.sample(VERBS, rng.randint(1, 3)) for other in rng.sample(entities[1:], 1)
        }
        attrs += sorted(relations)
        rng.shuffle(attrs)  # list order = rank: relations mix with attributes on the proof chain
    theory = Theory(world)
    subject = entities[0]
    spine = sorted(rng.sample(range(len(attrs)), depth + 1))
    theory.facts.append((subject, attrs[spine[0]], True))
    for lower, upper in zip(spine, spine[1:], strict=False):
        conditions = [(attrs[lower], True)]
        if rng.random() < 0.3 and lower > 0:
            extra = attrs[rng.randrange(lower)]
            conditions.append((extra, True))
            theory.facts.append((subject, extra, True))
        theory.rules.append((subject if rng.random() < 0.15 else None, conditions, (attrs[upper], True)))
    # Distractors never touch the planted chain's attributes, so they cannot shortcut it.
    on_chain = {attrs[i] for i in spine}
    for _ in range(rng.randint(max_facts // 2, max(max_facts // 2, max_facts - len(theory.facts)))):
        positive = world == "closed" or rng.random() < 0.7
        entity, attribute = rng.choice(entities), rng.choice(attrs)
        if not (entity == subject and attribute in on_chain) and not attribute.endswith(entity):
            theory.facts.append((entity, attribute, positive))
    for _ in range(rng.randint(max(1, max_rules // 2), max_rules)):
        top = rng.randrange(1, len(attrs))
        if attrs[top] in on_chain:
            continue
        conditions = [
            (attrs[i], not (rng.random() < 0.3)) for i in rng.sample(range(top), min(top, rng.randint(1, 2)))
        ]
        positive = world == "closed" or rng.random() < 0.75
        owner = None if rng.random() < 0.85 else rng.choice(entities)
        if owner is None or not any(a.endswith(owner) for a, _ in [*conditions, (attrs[top], positive)]):
            theory.rules.append((owner, conditions, (attrs[top], positive)))
    if dead_end:
        # It never fires, but a proof search that tries it first meets a dead end and has to go on with
        # another rule, as in rule bases written by others (ProofWriter's unmet rules, ProntoQA's
        # distractor concept with the opposite property).
        positive = world == "closed" or rng.random() < 0.5  # closed-world rules conclude positives only
        unstated = rng.choice([a for a in ATTRIBUTES if a not in attrs])
        theory.rules.append((None, [(unstated, True)], (attrs[rng.choice(spine[1:] or spine)], positive)))
    theory.facts = list(dict.fromkeys(theory.facts))
    return theory


def theory_attributes(theory: Theory) -> set[str]:
    """Every attribute a theory names: in its facts, its rules' conditions and their conclusions."""
    return (
        {a for _, a, _ in theory.facts} | {c for r in theory.rules for c, _ in r[1]} | {r[2][0] for r in theory.rules}
    )


def _candidates(theory: Theory, depth: int) -> dict[str, list[tuple[str, str, bool, int]]] | None:
    """Statements about the theory grouped by answer, preferring the planted depth; None if inconsistent."""
    entities = sorted({e for e, _, _ in theory.facts} | {s for s, _, _ in theory.rules if s})
    attributes = sorted(theory_attributes(theory))
    found: dict[str, list] = {label: [] for label in LABELS}
    try:
        for entity in entities:
            for attribute in attributes:
                for positive in (True, False):
                    label, proof = evaluate(theory, entity, attribute, positive)
                    found[label].append((entity, attribute, positive, proof))
    except ValueError:
        return None
    return found


class LogicTask(Task):
    """Rule-base questions: closed world (true/false) or open world (true/false/unknown)."""

    name = "logic"
    functions = LOGIC
    kind = "logic problems about facts and rules"
    labels = LABELS
    stating = ("fact", "rule")  # the calls that state a premise
    dead_end_rules = False  # plant a rule that never fires on the proof chain (`make_theory`)
    min_depth = 0  # the fewest rules a generated question's proof needs

    def __init__(self, max_depth: int = 5, max_facts: int = 20):
        if not 0 <= max_depth <= 5:
            raise ValueError("max_depth must be between 0 and 5")
        self.max_depth = max_depth
        self.max_facts = max_facts

    def make_problem(self, rng: random.Random) -> Problem:
        """One question, its answer and proof depth, by the reference evaluator."""
        world = rng.choice(["closed", "open"])
        depth = rng.randint(self.min_depth, self.max_depth)
        while True:
            theory = make_theory(rng, world, depth, self.max_facts, dead_end=self.dead_end_rules)
            found = _candidates(theory, depth)
            if found is None:
                continue
            labels = [lab for lab in (LABELS if world == "open" else LABELS[:2]) if found[lab]]
            # Prefer answers reached at the planted depth; distractors can shortcut the chain.
            deep = [lab for lab in labels if lab != "unknown" and any(c[3] == depth for c in found[lab])]
            label = rng.choice(labels if depth == 0 or not deep else deep + ["unknown"] * ("unknown" in labels))
            at_depth = [c for c in found[label] if c[3] == depth] or found[label]
            entity, attribute, positive, proof = rng.choice(at_depth)
            if proof < self.min_depth:
                continue  # a distractor shortcut the planted chain
            relevant = relevant_part(theory, entity, attribute)
            if len(relevant.facts) + len(relevant.rules) > MAX_RELEVANT:
                continue  # a gold chain longer than the step budget allows would teach running out of steps
            return self._problem(theory, rng, entity, attribute, positive, label, proof)

    def _problem(self, theory, rng, entity, attribute, positive, label, depth) -> Problem:
        statement = _sentence_case(_clause(entity, [(attribute, positive)]))
        if theory.world == "closed":
            ask = (
                f'Is the statement "{statement}" true or false? '
                "Anything that cannot be derived from the facts and rules is false."
            )
        else:
            ask = (
                f'Is the statement "{statement}" true, false, or unknown? '
                "Only what follows from the facts and rules is known."
            )
        question = " ".join(render_theory(theory, rng)) + "\n" + ask
        meta = {
            "world": theory.world,
            "depth": depth,
            "theory": theory.to_dict(),
            "query": [entity, render_literal(attribute, positive)],
        }
        return Problem(id="", task=self.name, question=question, answer=label, meta=meta)

    def check(self, predicted: str | None, truth: str, problem: Problem | None = None) -> bool:
        """The answer is exactly one label (true / false / unknown), the truth's."""
        return read_label(predicted, LABELS) == read_label(truth, LABELS) is not None

    def truth_error(self, truth: str) -> str | None:
        """A logic answer must be one of the labels."""
        return None if read_label(truth, LABELS) else f"{self.name} answer {truth!r} is not one of {', '.join(LABELS)}"

    def answer_derived(self, trace: Trace) -> bool:
        """A query returned the final answer after the chain stated at least one fact or rule (for
        `logic-lookup`: after a lookup that found sentences).

        On an empty rule base the engine returns only its world's default (closed: false, open:
        unknown), which the question's wording gives away; answering that is not a derivation.
        """
        stated = False
        for step in trace.steps:
            name = step.call.get("name") if step.ok and step.call else None
            stated = stated or (name in self.stating and self.reads_data(step))
            if name == "query" and stated and self.check(trace.answer, step.result):
                return True
        return False

    def statement_grounded(self, problem: Problem, call: dict) -> bool | None:
        """A `fact` or `rule` call is grounded when a sentence of the problem states it (`logic_sentences`)."""
        name, args = call.get("name"), call.get("args") or {}
        if name not in ("fact", "rule"):
            return None
        passage = read_passage(problem.question)
        if name == "fact":
            literal = canonical_literal(args.get("attribute", ""))
            return literal is not None and passage.states_fact(canonical_entity(args.get("subject", "")), literal)
        conditions = args.get("conditions")
        if isinstance(conditions, str):  # read as the engine reads it
            conditions = split_conditions(conditions)
        if not isinstance(conditions, (list, tuple)):
            return False
        literals = [canonical_literal(c) for c in conditions]
        conclusion = canonical_literal(args.get("conclusion", ""))
        subject = canonical_entity(args.get("subject") or "someone")
        if conclusion is None or not literals or None in literals:
            return False
        return passage.states_rule(None if subject in GENERIC else subject, frozenset(literals), conclusion)

    def reference_calls(self, problem: Problem) -> list[str] | None:
        """A generated problem's gold chain, stating only what the question depends on; None for others."""
        if "theory" not in problem.meta:
            return None
        return [call for call, _ in solution_calls(problem, relevant_only=True)]

    def new_workspace(self, problem: Problem) -> RuleBase:
        """An empty rule base with the problem's semantics."""
        return RuleBase(world=world_of(problem))

    def save_workspace(self, workspace: RuleBase) -> dict:
        """The rule base as a dict."""
        return workspace.to_dict()

    def load_workspace(self, data, problem: Problem) -> RuleBase:
        """The rule base from the graph state, or a new one."""
        return RuleBase.from_dict(data) if data else self.new_workspace(problem)

    def examples(self) -> list[Example]:
        """A closed-world (false) and an open-world (unknown) worked chain, answered by the real engine."""
        return [
            self.worked_example(
                self.example_problem(f"example:{world}", world, label, depth, max_facts=3, max_rules=1)
            )
            for world, label, depth in (("closed", "false", 2), ("open", "unknown", 0))
        ]

    def example_problem(
        self, seed: str, world: str, label: str, depth: int, max_facts: int, max_rules: int
    ) -> Problem:
        """The first small generated problem (from `seed`) whose answer is `label` at proof depth `depth`."""
        rng = random.Random(seed)
        while True:
            theory = make_theory(rng, world, 2, max_facts, max_rules, dead_end=self.dead_end_rules)
            found = _candidates(theory, 2)
            matches = [c for c in (found or {}).get(label, []) if c[3] == depth]
            if matches:
                entity, attribute, positive, _ = matches[0]
                return self._problem(theory, rng, entity, attribute, positive, label, depth)

    def worked_example(self, problem: Problem) -> Example:
        """A few-shot chain: every fact and rule stated, then query and answer."""
        return Example(problem.question, solution_calls(problem))


def world_of(problem: Problem) -> str:
    """Closed or open world: from the generator's meta, else from how the question is asked."""
    world = problem.meta.get("world")
    if world in ("closed", "open"):
        return world
    return "open" if "unknown" in problem.question.lower() else "closed"


def relevant_part(theory: Theory, entity: str, attribute: str) -> Theory:
    """The facts and rules the question 'is `entity` `attribute`' depends on.

    Rules that apply to the entity and conclude a needed attribute make their conditions needed
    (negated ones too: closed-world negation reads them); facts count when they are about the
    entity and a needed attribute. The answer is the same as from the whole theory, because
    every rule is about one entity at a time, and the chain is short enough for a step budget
    that the whole rule base overruns.
    """
    rules = [r for r in theory.rules if r[0] in (None, entity)]
    needed, grown = {attribute}, True
    while grown:
        grown = False
        for _, conditions, conclusion in rules:
            if conclusion[0] in needed and not {c for c, _ in conditions} <= needed:
                needed |= {c for c, _ in conditions}
                grown = True
    return Theory(
        theory.world,
        [f for f in theory.facts if f[0] == entity and f[1] in needed],
        [r for r in rules if r[2][0] in needed],
    )


def asked_attribute(problem: Problem) -> str:
    """The theory's own name of the attribute a generated problem asks about ('chases the mouse')."""
    theory = Theory.from_dict(problem.meta["theory"])
    wanted = parse_literal(problem.meta["query"][1])[0]  # canonical: 'does not chase the mouse' → 'chases mouse'
    return next((a for a in theory_attributes(theory) if parse_literal(a)[0] == wanted), wanted)


def relevant_theory(problem: Problem) -> Theory:
    """The part of a generated problem's theory its question depends on (`relevant_part`)."""
    return relevant_part(Theory.from_dict(problem.meta["theory"]), problem.meta["query"][0], asked_attribute(problem))


def solution_calls(problem: Problem, relevant_only: bool = False) -> list[tuple[str, str]]:
    """The gold chain for a generated problem, run through the real engine: (call, result) texts.

    It states every fact and rule in the order given, or with `relevant_only` just those the
    question depends on (`relevant_theory`), then queries and answers.
    """
    theory = relevant_theory(problem) if relevant_only else Theory.from_dict(problem.meta["theory"])
    asked, statement = problem.meta["query"]
    workspace = RuleBase(world=theory.world)
    calls = []
    for entity, attribute, positive in theory.facts:
        calls.append(
            (
                f'fact(subject="{entity}", attribute="{render_literal(attribute, positive)}")',
                fact(entity, render_literal(attribute, positive), workspace),
            )
        )
    for subject, conditions, conclusion in theory.rules:
        conds = ", ".join(f'"{render_literal(*c)}"' for c in conditions)
        who = f', subject="{subject}"' if subject else ""
        text = f'rule(conditions=[{conds}], conclusion="{render_literal(*conclusion)}"{who})'
        calls.append(
            (
                text,
                rule(
                    [render_literal(*c) for c in conditions],
                    render_literal(*conclusion),
                    workspace,
                    subject or "someone",
                ),
            )
        )
    return [*calls, *answer_calls(problem, workspace)]


def answer_calls(problem: Problem, workspace: RuleBase) -> list[tuple[str, str]]:
    """A gold chain's end: query the engine about the asked statement, answer what it returns."""
    asked, statement = problem.meta["query"]
    answer = query(asked, statement, workspace)
    return [(f'query(subject="{asked}", attribute="{statement}")', answer), (f"final_answer(answer={answer})", "")]
