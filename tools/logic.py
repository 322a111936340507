"""A small rule engine the model drives to solve natural-language rule bases.

The model states facts (`fact`), rules (`rule`) and asks (`query`); the engine forward-chains
to a fixpoint. Two semantics, chosen per problem:
- closed world: what cannot be derived is false (negation as failure, evaluated stratum by
  stratum so negated conditions are only read once they are settled);
- open world: facts and conclusions may be negative; a statement is true or false only
  when derived, otherwise unknown.
The rule base lives in the graph state as a plain dict, so a chain can be resumed or replayed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fcdpo.tools.base import Function, ToolError

SOMEONE = "someone"
MAX_ITEMS = 200  # facts or rules per chain: plenty for any rule base, bounded for the engine

_NEGATION = re.compile(r"^(?:(?:is|are)\s+not|isn't|aren't|is\s+no|not|no)\s+")
_NEGATED_VERB = re.compile(r"^(?:does|do)\s*(?:not|n't)\s+(\w+)\s*(.*)$")  # "does not chase the mouse"
_ARTICLES = re.compile(r"\b(?:the|a|an)\s+")
_WORD_RUN = re.compile(r"\s+")


def normalize_name(text: Any) -> str:
    """Entity text as a canonical key: lower case, single spaces, no leading article or 'is'."""
    text = _WORD_RUN.sub(" ", str(text).strip().strip(".").lower())
    for prefix in ("the ", "a ", "an ", "is ", "are "):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if not text or len(text) > 60:
        raise ToolError(f"bad name {str(text)[:60]!r}")
    return text


def third_person(verb: str) -> str:
    """'chase' → 'chases', 'watch' → 'watches', 'worry' → 'worries': a relation's canonical verb form."""
    if re.search(r"(s|sh|ch|x|z|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def base_form(verb: str) -> str:
    """Inverse of `third_person`: 'chases' → 'chase', 'watches' → 'watch', 'worries' → 'worry'."""
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if re.search(r"(ss|sh|ch|x|z|o)es$", verb):
        return verb[:-2]
    return verb[:-1] if verb.endswith("s") else verb


def canonical_literal(text: Any) -> tuple[str, bool] | None:
    """An attribute or relation in one canonical form, with its polarity; None when empty or too long.

    'not big' → ('big', False); 'is big' → ('big', True); 'chases the mouse' → ('chases mouse', True);
    "does not chase the mouse" / "doesn't chase the mouse" / 'not chases the mouse' → ('chases mouse', False).
    """
    raw = _WORD_RUN.sub(" ", str(text).strip().strip(".").lower()).strip()
    positive = True
    negated_verb = _NEGATED_VERB.match(raw)
    if negated_verb:
        raw, positive = f"{third_person(negated_verb.group(1))} {negated_verb.group(2)}", False
    else:
        match = _NEGATION.match(raw)
        if match:
            raw, positive = raw[match.end() :], False
    raw = re.sub(r"^(?:is|are)\s+", "", raw)
    raw = _ARTICLES.sub("", raw).strip()
    if not raw or len(raw) > 60:
        return None
    return raw, positive


def parse_literal(text: Any) -> tuple[str, bool]:
    """`canonical_literal`, or a ToolError the model sees."""
    literal = canonical_literal(text)
    if literal is None:
        raise ToolError(f"bad attribute {str(text)[:60]!r}")
    return literal


def split_conditions(text: str) -> list[str]:
    """Conditions given as one string, as models often write them: 'big and not red' → ['big', 'not red']."""
    return [c for c in re.split(r"\s*(?:,|\band\b)\s*", text) if c.strip()]


def is_relation(attribute: str) -> bool:
    """'chases mouse' is a relation (a verb and its object); 'big' is an attribute."""
    words = attribute.split()
    return len(words) >= 2 and words[0].endswith("s")


def render_literal(attribute: str, positive: bool) -> str:
    """Inverse of `parse_literal`: 'not big', 'chases mouse', 'does not chase mouse'."""
    if is_relation(attribute) and not positive:
        verb, rest = attribute.split(" ", 1)
        return f"does not {base_form(verb)} {rest}"
    return attribute if positive else f"not {attribute}"


def predicate(literals: list[tuple[str, bool]]) -> str:
    """What a subject is or does: 'is big and not red', 'chases mouse', 'is big and does not see cat'."""
    adjectives = [render_literal(*lit) for lit in literals if not is_relation(lit[0])]
    relations = [render_literal(*lit) for lit in literals if is_relation(lit[0])]
    return " and ".join(([f"is {' and '.join(adjectives)}"] if adjectives else []) + relations)


@dataclass
class Rule:
    """`subject` (an entity, or None for anyone) having all `conditions` implies `conclusion`."""

    subject: str | None
    conditions: list[tuple[str, bool]]
    conclusion: tuple[str, bool]


@dataclass
class RuleBase:
    """Facts and rules stated so far, and the semantics to answer queries with."""

    world: str = "closed"
    facts: set[tuple[str, str, bool]] = field(default_factory=set)
    rules: list[Rule] = field(default_factory=list)
    sentences: tuple[
        str, ...
    ] = ()  # the problem's passage, for citing a sentence by number; not saved (the problem has it)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form kept in the graph state."""
        return {
            "world": self.world,
            "facts": sorted([e, a, p] for e, a, p in self.facts),
            "rules": [
                {"subject": r.subject, "conditions": [list(c) for c in r.conditions], "conclusion": list(r.conclusion)}
                for r in self.rules
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RuleBase:
        """Inverse of `to_dict`; None gives an empty closed-world base."""
        data = data or {}
        return cls(
            world=data.get("world", "closed"),
            facts={(e, a, bool(p)) for e, a, p in data.get("facts", [])},
            rules=[
                Rule(
                    r["subject"],
                    [(c, bool(p)) for c, p in r["conditions"]],
                    (r["conclusion"][0], bool(r["conclusion"][1])),
                )
                for r in data.get("rules", [])
            ],
        )

    def entities(self, extra: str | None = None) -> set[str]:
        """Every entity named by a fact, a rule or the query."""
        names = {e for e, _, _ in self.facts} | {r.subject for r in self.rules if r.subject}
        return names | ({extra} if extra else set())

    def derive(self, extra_entity: str | None = None) -> set[tuple[str, str, bool]]:
        """All literals that hold, as (entity, attribute, positive)."""
        entities = self.entities(extra_entity)
        if self.world == "open":
            return self._chain(set(self.facts), self.rules, entities, negation_as_failure=False)
        known = {f for f in self.facts if f[2]}
        for stratum in self._strata():
            known = self._chain(known, stratum, entities, negation_as_failure=True)
        return known

    def _strata(self) -> list[list[Rule]]:
        """Rules grouped so that a negated condition is settled before any rule reads it."""
        attributes = {r.conclusion[0] for r in self.rules} | {c for r in self.rules for c, _ in r.conditions}
        level = dict.fromkeys(attributes, 0)
        for _ in range(len(attributes) + 1):
            changed = False
            for r in self.rules:
                for cond, positive in r.conditions:
                    need = level[cond] + (0 if positive else 1)
                    if level[r.conclusion[0]] < need:
                        level[r.conclusion[0]] = need
                        changed = True
            if not changed:
                break
        else:
            raise ToolError("the rules depend on their own negation, so closed-world answers are undefined")
        top = max(level.values(), default=0)
        return [[r for r in self.rules if level[r.conclusion[0]] == s] for s in range(top + 1)]

    @staticmethod
    def _chain(known, rules, entities, negation_as_failure):
        """Forward chaining to a fixpoint."""
        known = set(known)
        changed = True
        while changed:
            changed = False
            for rule in rules:
                for entity in [rule.subject] if rule.subject else sorted(entities):
                    if all(
                        ((entity, c, True) not in known)
                        if (negation_as_failure and not p)
                        else ((entity, c, p) in known)
                        for c, p in rule.conditions
                    ):
                        new = (entity, *rule.conclusion)
                        if new not in known:
                            known.add(new)
                            changed = True
        return known

    def query(self, entity: str, attribute: str, positive: bool) -> str:
        """'true', 'false' or 'unknown' for the statement 'entity is [not] attribute'."""
        known = self.derive(entity)
        if self.world == "closed":
            holds = (entity, attribute, True) in known
            return "true" if holds == positive else "false"
        yes, no = (entity, attribute, True) in known, (entity, attribute, False) in known
        if yes and no:
            raise ToolError(f"the facts and rules contradict each other about '{entity} is {attribute}'")
        if not (yes or no):
            return "unknown"
        return "true" if yes == positive else "false"


def _check_room(items) -> None:
    if len(items) >= MAX_ITEMS:
        raise ToolError(f"too many facts or rules (limit {MAX_ITEMS})")


def fact(subject: str, attribute: str, workspace: RuleBase) -> str:
    """State that `subject` has (or, with 'not ...', lacks) `attribute`."""
    _check_room(workspace.facts)
    entity = normalize_name(subject)
    attr, positive = parse_literal(attribute)
    if workspace.world == "closed" and not positive:
        return f"noted: {entity} {predicate([(attr, False)])} (closed world: this already holds unless derived)"
    workspace.facts.add((entity, attr, positive))
    return f"noted: {entity} {predicate([(attr, positive)])}"


def rule(conditions: list, conclusion: str, workspace: RuleBase, subject: str = SOMEONE) -> str:
    """State 'if subject is all of `conditions` then subject is `conclusion`'."""
    _check_room(workspace.rules)
    if isinstance(conditions, str):
        conditions = split_conditions(conditions)
    if not isinstance(conditions, (list, tuple)) or not conditions or len(conditions) > 10:
        raise ToolError('conditions must be a list of 1 to 10 attributes, e.g. ["big", "not red"]')
    conds = [parse_literal(c) for c in conditions]
    concl = parse_literal(conclusion)
    if workspace.world == "closed" and not concl[1]:
        raise ToolError("in a closed world a rule concludes what holds, not what does not")
    who = normalize_name(subject)
    workspace.rules.append(Rule(None if who in (SOMEONE, "something", "anyone", "everyone") else who, conds, concl))
    if workspace.world == "closed":
        workspace._strata()  # reject an unstratifiable rule now, when the model can still fix it
    return f"noted: if {who} {predicate(conds)} then {who} {predicate([concl])}"


def query(subject: str, attribute: str, workspace: RuleBase) -> str:
    """Is 'subject is [not] attribute' true, false or unknown from the facts and rules stated?"""
    entity = normalize_name(subject)
    attr, positive = parse_literal(attribute)
    return workspace.query(entity, attr, positive)


LOGIC = [
    Function(
        fact,
        "State a fact about an entity; use 'not ...' for a negative fact.",
        'fact(subject="Anne", attribute="big")',
    ),
    Function(
        rule,
        "State a rule: if the subject (default: someone) has all the conditions, it has the conclusion.",
        'rule(conditions=["big", "not red"], conclusion="small")',
    ),
    Function(
        query,
        "Ask whether a statement follows: returns true, false or unknown.",
        'query(subject="Anne", attribute="small")',
    ),
]
