"""Rule-base questions in ProntoQA's published format, for evaluating logic students on another group's design.

No rule-base set written by people outside this project is reachable offline (no package on PyPI ships
ProofWriter, RuleTaker or ProntoQA), so this writes questions down from ProntoQA's published
description (Saparov & He, "Language Models Are Greedy Reasoners", ICLR 2023): a fictional ontology
(wumpus, yumpus, ...) as one chain of concepts, each with a property, stated as "Every X is a Y",
"Each X is not P" or "Xs are Ys"; one entity that is a member of one concept; a distractor concept with the
opposite of the asked property; and a question "is Alex (not) P" that takes 1, 3 or 5 rules to decide.
Format, vocabulary and phrasing are theirs and unlike fcdpo's generator (no fictional nouns, no
membership chains, no plural kinds); the instances are this code's, so report them as ProntoQA-style,
never as ProntoQA. For evaluation only.
"""

from __future__ import annotations

import random

from fcdpo.types import Problem

CONCEPTS = (
    "wumpus yumpus zumpus dumpus rompus numpus tumpus vumpus impus jompus gorpus shumpus lempus sterpus grimpus "
    "lorpus brimpus"
).split()
PROPERTY_FAMILIES = (
    ("blue", "red", "brown", "orange"),
    ("small", "large"),
    ("metallic", "wooden", "luminous", "liquid"),
    ("transparent", "opaque"),
    ("nervous", "happy", "feisty", "shy"),
    ("bright", "dull"),
    ("sweet", "sour", "spicy", "bitter", "floral", "fruity", "earthy"),
    ("hot", "cold", "temperate"),
    ("kind", "mean", "angry", "amenable", "aggressive"),
)
ENTITIES = ("Alex", "Fae", "Max", "Polly", "Rex", "Sally", "Sam", "Stella", "Wren")
CHAIN = 7  # concepts in the ontology's one chain; the entity's concept sits anywhere that leaves room for the hops
HOPS = (1, 3, 5)


def _statement(rng: random.Random, concept: str, singular: str, plural: str) -> str:
    """One of ProntoQA's three phrasings of 'members of `concept` are ...'."""
    text = rng.choice([f"every {concept} is {singular}", f"each {concept} is {singular}", f"{concept}es are {plural}"])
    return text[0].upper() + text[1:] + "."  # every fictional concept ends in "-us": plural "-uses"


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _membership(rng: random.Random, child: str, parent: str) -> str:
    return _statement(rng, child, _a(parent), f"{parent}es")


def _property(rng: random.Random, concept: str, prop: str, positive: bool) -> str:
    said = prop if positive else f"not {prop}"
    return _statement(rng, concept, said, said)


def prontoqa_style_problem(rng: random.Random, index: int, seed: int, task: str) -> Problem:
    """One question: a chain of CHAIN concepts with a property each, an entity in one of them, and a distractor."""
    concepts = rng.sample(CONCEPTS, CHAIN + 1)
    chain, distractor = concepts[:CHAIN], concepts[CHAIN]
    properties = [(rng.choice(family), rng.random() < 0.5) for family in rng.sample(PROPERTY_FAMILIES, CHAIN)]
    hops = HOPS[index % len(HOPS)]  # as many of each depth
    start = rng.randint(0, CHAIN - hops)
    asked, sign = properties[start + hops - 1]  # fact, hops - 1 memberships, then this concept's property rule
    entity = rng.choice(ENTITIES)
    sentences = []
    for i, concept in enumerate(chain):
        sentences.append(_property(rng, concept, *properties[i]))
        if i + 1 < CHAIN:
            sentences.append(_membership(rng, concept, chain[i + 1]))
    sentences.insert(rng.randint(0, len(sentences)), _property(rng, distractor, asked, not sign))
    sentences.append(f"{entity} is {_a(chain[start])}.")
    query_positive = rng.random() < 0.5
    statement = f"{entity} is {'' if query_positive else 'not '}{asked}"
    ask = (
        f'Is the statement "{statement}" true, false, or unknown? Only what follows from the facts and rules is known.'
    )
    question = " ".join(sentences) + "\n" + ask
    meta = {"source": "ProntoQA-style (written by fcdpo from the published format)", "hops": hops, "seed": seed}
    answer = "true" if query_positive == sign else "false"
    return Problem(f"prontoqa-style-{seed}-{index}", task, question, answer, meta)


def prontoqa_style(problems: int, seed: int = 0, task: str = "logic") -> list[Problem]:
    """`problems` ProntoQA-style questions for the logic task named `task` (any task built on `LogicTask`)."""
    rng = random.Random(seed)
    return [prontoqa_style_problem(rng, index, seed, task) for index in range(problems)]
