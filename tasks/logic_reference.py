"""The logic task's reference evaluator: ground truth for generated rule bases.

Deliberately a different algorithm from the tool engine (`fcdpo.tools.logic`, forward
chaining): goal-directed backward chaining over the generator's own data structures, which
also yields the proof depth. Tests check that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Literal = tuple[str, bool]  # (attribute, positive)


@dataclass
class Theory:
    """A rule base: facts (entity, attribute, positive) and rules (subject or None, conditions, conclusion)."""

    world: str
    facts: list[tuple[str, str, bool]] = field(default_factory=list)
    rules: list[tuple[str | None, list[Literal], Literal]] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready form stored in a problem's meta."""
        return {
            "world": self.world,
            "facts": [list(f) for f in self.facts],
            "rules": [[s, [list(c) for c in conds], list(concl)] for s, conds, concl in self.rules],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Theory:
        """Inverse of `to_dict`."""
        return cls(
            data["world"],
            [(e, a, bool(p)) for e, a, p in data["facts"]],
            [(s, [(c, bool(p)) for c, p in conds], (concl[0], bool(concl[1]))) for s, conds, concl in data["rules"]],
        )


def proof_depth(
    theory: Theory, entity: str, attribute: str, positive: bool, _ancestors: frozenset = frozenset()
) -> int | None:
    """Fewest rule applications proving 'entity is [not] attribute', or None when unprovable.

    Closed world: only positive literals are proven; a negated condition holds when its
    attribute is unprovable (negation as failure). Open world: negative literals need a proof.
    """
    if (entity, attribute, positive) in theory.facts:
        return 0
    goal = (entity, attribute, positive)
    best = None
    for subject, conditions, conclusion in theory.rules:
        if conclusion != (attribute, positive) or (subject is not None and subject != entity):
            continue
        depths = []
        for cond_attr, cond_pos in conditions:
            if theory.world == "closed" and not cond_pos:
                holds = proof_depth(theory, entity, cond_attr, True) is None
                depths.append(0 if holds else None)
            elif (entity, cond_attr, cond_pos) in _ancestors or (entity, cond_attr, cond_pos) == goal:
                depths.append(None)
            else:
                depths.append(proof_depth(theory, entity, cond_attr, cond_pos, _ancestors | {goal}))
        if all(d is not None for d in depths):
            depth = 1 + max(depths, default=0)
            best = depth if best is None else min(best, depth)
    return best


def evaluate(theory: Theory, entity: str, attribute: str, positive: bool = True) -> tuple[str, int]:
    """('true' | 'false' | 'unknown', proof depth) for the statement 'entity is [not] attribute'.

    Raises ValueError when an open-world theory proves both a statement and its negation.
    """
    yes = proof_depth(theory, entity, attribute, True)
    if theory.world == "closed":
        holds = yes is not None
        return ("true" if holds == positive else "false"), (yes or 0)
    no = proof_depth(theory, entity, attribute, False)
    if yes is not None and no is not None:
        raise ValueError(f"inconsistent theory about {entity} {attribute}")
    if yes is None and no is None:
        return "unknown", 0
    truth = yes is not None
    return ("true" if truth == positive else "false"), (yes if truth else no)
