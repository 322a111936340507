"""Pairing judged chains into DPO preference pairs (TRL's conversational format).

- chain mode (the paper): prompt = system + problem; chosen = the rest of a correct chain
  (calls, tool results, feedback); rejected = an incorrect chain's, for the same problem. Training
  scores only the assistant turns (training/assistant_loss.py).
- step mode (after TP-LLaMA): for a correct and an incorrect chain that share a prefix,
  prompt = the shared prefix; chosen / rejected = the first diverging assistant turn.

Failed chains (the teacher errored) are not model behaviour and are never paired. A right answer
reached from premises the problem does not state (a made-up rule base that lands on the right
label) is never chosen: it is rejected, like a wrong answer (`Task.premises_grounded`).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fcdpo.errors import UserError
from fcdpo.graphs.prompts import native_tools
from fcdpo.models.local_chat import to_chat_dicts
from fcdpo.tasks import get_task
from fcdpo.types import Trace

MODES = ("chain", "step")
PROMPT_TURNS = 2  # fcdpo's graph: system prompt + problem
NO_PAIR_REASONS = (
    "all_correct",
    "all_incorrect",
    "correct_too_short",
    "correct_not_grounded",
    "correct_not_derived",
    "no_shared_prefix",
)


@dataclass
class PairingResult:
    """Pairs and, for each problem that gave none, why."""

    pairs: list[dict[str, Any]] = field(default_factory=list)
    no_pair: dict[str, str] = field(default_factory=dict)  # problem id → reason


def tools_column(trace: Trace) -> str:
    """The `tools` column TRL hands to the chat template, as a JSON string.

    Native-format chains saw the schemas through the template, so training does too: a user's graph's own
    (recorded from its model calls), else the task's. Text-format chains saw the functions in the system prompt
    only; passing them again would train on a prompt the graph never shows (so the column is an empty list there).
    """
    if trace.sampling.get("tools") is not None:
        return json.dumps(trace.sampling["tools"])
    if trace.sampling.get("call_format") == "native":
        return json.dumps(native_tools(get_task(trace.problem.task)))
    return "[]"


def _turns(trace: Trace) -> list[dict[str, Any]]:
    """Chat turns without call ids: ids differ between runs and templates do not show them."""
    turns = to_chat_dicts(trace.messages)
    for turn in turns:
        turn.pop("tool_call_id", None)
        for call in turn.get("tool_calls", []):
            call.pop("id", None)
    return turns


def _row(trace_chosen: Trace, prompt, chosen, rejected, rejected_trace: Trace, mode: str) -> dict[str, Any]:
    problem = trace_chosen.problem
    return {
        "prompt": prompt,
        "chosen": chosen,
        "rejected": rejected,
        "tools": tools_column(trace_chosen),
        "id": problem.id,
        "task": problem.task,
        "mode": mode,
        "chosen_model": trace_chosen.model,
        "rejected_model": rejected_trace.model,
    }


def prompt_turns(trace: Trace) -> int:
    """How many turns open the chain before the model's first reply (a user's graph records what its model saw)."""
    return trace.sampling.get("prompt_turns") or PROMPT_TURNS


def _chain_pair(good: Trace, bad: Trace) -> dict[str, Any] | None:
    good_turns, bad_turns, opening = _turns(good), _turns(bad), prompt_turns(good)
    if good_turns[:opening] != bad_turns[:opening]:
        return None
    return _row(good, good_turns[:opening], good_turns[opening:], bad_turns[opening:], bad, "chain")


def _step_pair(good: Trace, bad: Trace) -> dict[str, Any] | None:
    good_turns, bad_turns, opening = _turns(good), _turns(bad), prompt_turns(good)
    if good_turns[:opening] != bad_turns[:opening]:
        return None
    split = opening
    while split < min(len(good_turns), len(bad_turns)) and good_turns[split] == bad_turns[split]:
        split += 1
    if split >= min(len(good_turns), len(bad_turns)) or good_turns[split]["role"] != "assistant":
        return None  # one chain is a prefix of the other, or they part on a result rather than a choice
    return _row(good, good_turns[:split], [good_turns[split]], [bad_turns[split]], bad, "step")


@dataclass
class PairSettings:
    """How judged chains become pairs: the `fcdpo export` flags and a preset's `export:` section."""

    mode: str = field(
        default="chain", metadata={"help": "chain (the paper: whole chains) or step", "choices": list(MODES)}
    )
    max_pairs_per_problem: int | None = field(default=4, metadata={"help": "at most this many pairs per problem"})
    min_chosen_steps: int = field(
        default=1,
        metadata={"help": "only correct chains of at least this many steps are chosen; 2 drops one-step guesses"},
    )
    derived_only: bool = field(
        default=False,
        metadata={
            "help": "only right chains whose answer a function derived are chosen "
            "(not stated, not a query on an empty rule base)"
        },
    )
    allow_ungrounded: bool = field(
        default=False,
        metadata={"help": "choose right chains even when they state premises the problem does not say"},
    )
    seed: int = field(default=0, metadata={"help": "seed for choosing pairs"})

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UserError(f"--mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if self.max_pairs_per_problem is not None and self.max_pairs_per_problem < 1:
            raise UserError(f"--max-pairs-per-problem must be at least 1, got {self.max_pairs_per_problem}")
        if self.min_chosen_steps < 1:
            raise UserError(f"--min-chosen-steps must be at least 1, got {self.min_chosen_steps}")
        for name in ("derived_only", "allow_ungrounded"):  # a YAML `derived_only: "no"` must not read as true
            if not isinstance(getattr(self, name), bool):
                raise UserError(f"{name} must be true or false, got {getattr(self, name)!r}")


def make_pairs(
    traces: list[Trace], settings: PairSettings | None = None, rejected_traces: list[Trace] | None = None
) -> PairingResult:
    """Pair each problem's correct chains with incorrect ones (from `rejected_traces` when given).

    Correct chains shorter than `min_chosen_steps` are not chosen: a one-step `final_answer` that happens
    to be right is a lucky guess, and preferring it teaches the student to guess. With `derived_only`,
    only right chains whose answer one of the task's functions derived are chosen (`Task.answer_derived`):
    a step count still lets `query` on an empty rule base, then `final_answer`, through.

    A right chain that states a premise the problem does not say is a negative too (on the rejected side,
    from `rejected_traces` when given), unless `allow_ungrounded` (e.g. a task whose sentences the reader
    cannot parse).
    """
    settings = settings or PairSettings()
    pair = _chain_pair if settings.mode == "chain" else _step_pair
    by_problem: dict[str, list[Trace]] = defaultdict(list)
    for trace in traces:
        if trace.status != "failed":
            by_problem[trace.problem.id].append(trace)

    def grounded(trace: Trace) -> bool:
        return settings.allow_ungrounded or get_task(trace.problem.task).premises_grounded(trace)

    negatives: dict[str, list[Trace]] = defaultdict(list)
    for trace in rejected_traces if rejected_traces is not None else traces:
        if trace.status != "failed" and (trace.verdict == "incorrect" or not grounded(trace)):
            negatives[trace.problem.id].append(trace)
    rng = random.Random(settings.seed)
    result = PairingResult()
    for problem_id in sorted(by_problem):
        correct = [t for t in by_problem[problem_id] if t.verdict == "correct"]
        incorrect = negatives.get(problem_id, [])
        if not correct:
            result.no_pair[problem_id] = "all_incorrect"
            continue
        correct = [t for t in correct if len(t.steps) >= settings.min_chosen_steps]
        if not correct:
            result.no_pair[problem_id] = "correct_too_short"
            continue
        correct = [t for t in correct if grounded(t)]
        if not correct:
            result.no_pair[problem_id] = "correct_not_grounded"
            continue
        if settings.derived_only:
            correct = [t for t in correct if get_task(t.problem.task).answer_derived(t)]
            if not correct:
                result.no_pair[problem_id] = "correct_not_derived"
                continue
        if not incorrect:
            result.no_pair[problem_id] = "all_correct"
            continue
        rows, seen = [], set()
        for good in correct:
            for bad in incorrect:
                row = pair(good, bad)
                key = json.dumps([row["prompt"], row["chosen"], row["rejected"]], sort_keys=True) if row else None
                if row and key not in seen:
                    seen.add(key)
                    rows.append(row)
        if not rows:
            result.no_pair[problem_id] = "no_shared_prefix"
            continue
        rng.shuffle(rows)
        cap = settings.max_pairs_per_problem
        result.pairs.extend(rows[:cap] if cap else rows)
    return result
