"""Read a rule base's sentences into facts and rules, so a chain's statements can be checked against the text.

A statement a chain makes (`fact(...)`, `rule(...)`) is *grounded* when the problem says it: a
right answer derived from facts and rules the problem never states is a lucky guess with extra
steps. The reader is tolerant to the phrasings rule bases written by others use:

    Anne is big.  The bald eagle is not red.  Bob is big and kind.
    The cat chases the mouse.  The cat does not like the dog.                  (relations)
    All big people are red.  Big things are red.  Big, young people are red.
    If someone is big and not red then they are kind.
    If something chases the mouse and it is big then it is round.
    If Bob is big then Bob is red.  Someone who is big is red.

Rules whose conclusion is about another entity than their conditions ("If the cat chases the
mouse then the mouse is big") are outside what the rule engine can state, and are not read.
Statements are compared in one canonical form (lower case, no articles, a relation's verb in
its -s form, negation as a flag), for the sentences and the chain's calls alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from fcdpo.tools.logic import canonical_literal as engine_literal

Literal = tuple[str, bool]  # (attribute or relation, positive)
GENERIC = {"someone", "something", "anyone", "anything", "everyone", "everything", "a person", "a thing"}
PRONOUNS = {"they", "it", "he", "she", "that person", "that thing"}
_KINDS = r"(?:people|persons|things|animals|ones|creatures)"
_EVERY = r"(?:every|each)"  # a quantifier, never an entity: "every wumpus is a jompus" is a rule
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_ENTITY_WORDS = 3
MAX_ATTRIBUTE_WORDS = 5


@dataclass
class Passage:
    """What a passage states.

    Facts are (entity, attribute, positive); rules are (subject or None, conditions, conclusion).
    """

    facts: set[tuple[str, str, bool]] = field(default_factory=set)
    rules: set[tuple[str | None, frozenset[Literal], Literal]] = field(default_factory=set)

    def states_fact(self, entity: str, literal: Literal) -> bool:
        """Does the passage say this fact?"""
        return (entity, *literal) in self.facts

    def states_rule(self, subject: str | None, conditions: frozenset[Literal], conclusion: Literal) -> bool:
        """Does the passage say this rule — as written, or a general rule applied to one entity?"""
        return any(c == conditions and k == conclusion and s in (None, subject) for s, c, k in self.rules)


def canonical_entity(text: str) -> str:
    """'The Bald  Eagle' → 'bald eagle' (the engine's entity key, without raising on odd text)."""
    text = " ".join(str(text).lower().strip(" .").split())
    return re.sub(r"^(?:the|a|an)\s+", "", text)


def canonical_literal(text: str) -> Literal | None:
    """The engine's canonical literal ('does not chase the mouse' → ('chases mouse', False)), or None when the
    text is too long to be one attribute or relation (prose read as a sentence is not a statement).
    """
    literal = engine_literal(text)
    return literal if literal and len(literal[0].split()) <= MAX_ATTRIBUTE_WORDS else None


def _predicate(text: str) -> list[Literal] | None:
    """'is big and not red' → [('big', True), ('red', False)]; 'chases the mouse' → [('chases mouse', True)]."""
    text = text.strip()
    copula = re.match(r"^(?:is|are)\b\s*(.*)$", text) or re.match(r"^((?:isn't|aren't)\s.*)$", text)
    if copula:
        parts = re.split(r",\s*(?:and\s+)?|\s+and\s+", copula.group(1))
        literals = [
            canonical_literal(("not " + p[len("isn't ") :]) if p.startswith(("isn't ", "aren't ")) else p)
            for p in parts
        ]
    else:
        literals = [canonical_literal(text)]
    return None if any(lit is None for lit in literals) else literals


def _subject_split(clause: str) -> tuple[str, str] | None:
    """'the bald eagle is big' → ('the bald eagle', 'is big'); 'bob chases the cat' → ('bob', 'chases the cat')."""
    words = clause.split()
    for i in range(1, min(len(words), MAX_ENTITY_WORDS + 1)):
        word = words[i]
        if word in ("is", "are", "isn't", "aren't", "does", "do", "doesn't", "don't") or (
            word.endswith("s") and i + 1 < len(words) and words[i - 1] not in ("the", "a", "an")
        ):
            return " ".join(words[:i]), " ".join(words[i:])
    return None


def _clause(text: str, subject: str | None = None) -> tuple[str, list[Literal]] | None:
    """A clause's subject and literals; a clause without its own subject continues `subject`."""
    text = text.strip()
    split = _subject_split(text)
    if split and (split[0] in GENERIC | PRONOUNS or subject is None or canonical_entity(split[0]) == subject):
        who, rest = split
        literals = _predicate(rest)
        return (who if who in GENERIC | PRONOUNS else canonical_entity(who)), literals if literals else None
    if split is None and subject is not None:  # "... is big and not red": a continuation of the last predicate
        literals = _predicate(
            text if re.match(r"^(?:is|are|isn't|aren't)\b", text) or " " in text.removeprefix("not ") else f"is {text}"
        )
        return (subject, literals) if literals else None
    return None


def _if_rule(sentence: str) -> list[tuple[str | None, frozenset[Literal], Literal]]:
    """'if someone is big and not red then they are kind' → one rule per concluded literal."""
    match = re.match(r"^if (.+?),? then (.+)$", sentence)
    if not match:
        return []
    conditions: list[Literal] = []
    subject: str | None = None
    for part in re.split(r"\s+and\s+", match.group(1)):
        clause = _clause(part, subject)
        if clause is None or clause[1] is None:
            return []
        who, literals = clause
        if who in PRONOUNS:
            who = subject
        if subject is not None and who != subject:
            return []  # conditions about two different entities
        subject = who
        conditions += literals
    concluded = _clause(match.group(2), subject)
    if concluded is None or concluded[1] is None or subject is None:
        return []
    who, literals = concluded
    if who not in PRONOUNS and who != subject:
        return []  # concludes about another entity than the conditions: not one rule of the engine
    owner = None if subject in GENERIC else subject
    return [(owner, frozenset(conditions), literal) for literal in literals]


def _kind_rule(sentence: str) -> list[tuple[str | None, frozenset[Literal], Literal]]:
    """'all big, young people are red' / 'big things are not red' / 'someone who is big is red' /
    'every wumpus is a jompus' (ProntoQA's phrasing: the kind itself is the condition).
    """
    match = (
        re.match(rf"^(?:all\s+)?(.+?)\s+{_KINDS}\s+are\s+(.+)$", sentence)
        or re.match(
            r"^(?:someone|something|anyone|everyone|everything|people|things) (?:who|that) (?:is|are) (.+?) "
            r"(?:is|are) (.+)$",
            sentence,
        )
        or re.match(rf"^{_EVERY}\s+(.+?)(?:\s+(?:person|thing|animal|one|creature))?\s+is\s+(.+)$", sentence)
    )
    if not match:
        return _plural_rule(sentence)
    conditions = [canonical_literal(p) for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", match.group(1))]
    conclusions = _predicate("is " + match.group(2))
    if not conditions or any(c is None for c in conditions) or not conclusions:
        return []
    return [(None, frozenset(conditions), literal) for literal in conclusions]


def singular_noun(word: str) -> str:
    """'wumpuses' → 'wumpus', 'cats' → 'cat', 'foxes' → 'fox'; words that are not plurals ('nervous') stay."""
    if re.search(r"(?:us|ss|is)$", word) or not word.endswith("s"):
        return word
    if re.search(r"(?:uses|sses|xes|ches|shes|zes)$", word):
        return word[:-2]
    return word[:-3] + "y" if word.endswith("ies") else word[:-1]


def _plural_rule(sentence: str) -> list[tuple[str | None, frozenset[Literal], Literal]]:
    """'wumpuses are tumpuses' / 'cats are not red': a plural kind's members are what the rest says."""
    match = re.match(r"^([a-z]+s) are (not )?([a-z]+)$", sentence)
    if not match or match.group(1) in GENERIC | PRONOUNS or re.fullmatch(_KINDS, match.group(1)):
        return []
    kind, negated, what = match.groups()
    conclusion = canonical_literal((negated or "") + singular_noun(what))
    return [(None, frozenset({(singular_noun(kind), True)}), conclusion)] if conclusion else []


def _fact(sentence: str) -> list[tuple[str, str, bool]]:
    """'the cat is big and not red' → two facts; 'bob likes the cat' → ('bob', 'likes cat', True)."""
    split = _subject_split(sentence)
    if (
        not split
        or split[0] in GENERIC | PRONOUNS
        or re.match(rf"^(?:all|if|{_EVERY}|no|nobody|none|some)\b", split[0])
    ):
        return []
    literals = _predicate(split[1])
    entity = canonical_entity(split[0])
    return [(entity, *literal) for literal in literals] if literals and entity else []


def read_sentence(sentence: str) -> Passage:
    """The facts and rules one sentence states (none for a question, a quote or a sentence the reader cannot read)."""
    passage = Passage()
    if "?" in sentence or '"' in sentence:
        return passage
    sentence = " ".join(sentence.lower().strip().rstrip(".!").split())
    if not sentence:
        return passage
    rules = _if_rule(sentence) if sentence.startswith("if ") else _kind_rule(sentence)
    if rules:
        passage.rules.update(rules)
    elif not sentence.startswith("if "):
        passage.facts.update(_fact(sentence))
    return passage


@lru_cache(maxsize=256)
def read_passage(text: str) -> Passage:
    """Every fact and rule the sentences of `text` state; questions, quotes and unreadable sentences are skipped."""
    passage = Passage()
    for sentence in _SENTENCE.split(text):
        read = read_sentence(sentence)
        passage.facts |= read.facts
        passage.rules |= read.rules
    return passage


@lru_cache(maxsize=256)
def split_passage(text: str) -> tuple[tuple[str, ...], str]:
    """A problem as its passage's sentences and the question after them.

    The passage is the run of sentences before the first one that asks (a '?') or quotes the
    statement asked about; the rest is the question. 'Anne is big. If ... Is "Anne is red" true?'
    → (('Anne is big.', 'If ...'), 'Is "Anne is red" true?').
    """
    sentences = [s.strip() for s in _SENTENCE.split(text) if s.strip()]
    end = next((i for i, s in enumerate(sentences) if "?" in s or '"' in s), len(sentences))
    return tuple(sentences[:end]), " ".join(sentences[end:])
