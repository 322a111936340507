"""Per model × task figures from judged chains, and paired comparisons between two models."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from fcdpo.evals.stats import mcnemar_exact, min_detectable_effect, paired_bootstrap, wilcoxon_p, wilson
from fcdpo.tasks import get_task
from fcdpo.tools.protocol import Call, parse_call
from fcdpo.types import Trace


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 3) if values else 0.0


def regrade(traces: list[Trace]) -> list[Trace]:
    """The same chains judged by today's grader: a stored verdict may come from an older, more lenient one.

    Chains without ground truth, and failed ones, keep their verdict.
    """
    for trace in traces:
        if trace.problem.answer is not None and trace.status != "failed":
            right = trace.status == "finished" and get_task(trace.problem.task).check(
                trace.answer, trace.problem.answer, trace.problem
            )
            trace.verdict = "correct" if right else "incorrect"
    return traces


def task_figures(traces: list[Trace]) -> dict[str, Any]:
    """Accuracy with its 95% Wilson interval, valid-call and unfinished rates, steps, tokens, latency, and
    how many right answers were derived by a function (`correct_derived`) from premises the problem states
    (`correct_grounded`: the headline for logic, where a made-up rule base often lands on the right label).
    """
    steps = [step for trace in traces for step in trace.steps]
    correct = sum(trace.verdict == "correct" for trace in traces)
    # What derived or grounded an answer is read from the task's functions; a user's graph with tools of its
    # own (a stock SQL agent's `sql_db_query`) calls none of them, and 0 derived would be a false verdict.
    task_tools = runs_task_tools(traces)
    low, high = wilson(correct, len(traces))
    return {
        "problems": len(traces),
        "correct": correct,
        "accuracy": round(correct / len(traces), 4) if traces else 0.0,
        "ci_low": round(low, 4),
        "ci_high": round(high, 4),
        "valid_call_rate": round(sum(step.ok for step in steps) / len(steps), 4) if steps else 0.0,
        "unfinished_rate": round(sum(trace.status != "finished" for trace in traces) / len(traces), 4)
        if traces
        else 0.0,
        "failed": sum(trace.status == "failed" for trace in traces),
        "mean_steps": _mean([len(trace.steps) for trace in traces]),
        "mean_output_tokens": _mean([trace.usage.get("output_tokens", 0) for trace in traces]),
        "mean_latency_s": _mean([trace.seconds for trace in traces]),
        "correct_derived": sum(
            trace.verdict == "correct" and get_task(trace.problem.task).answer_derived(trace) for trace in traces
        )
        if task_tools
        else None,
        # None (n/a) where the tools read every premise from the problem themselves: it cannot fail there.
        "correct_grounded": None
        if not task_tools or (traces and get_task(traces[0].problem.task).grounded_by_construction)
        else sum(
            trace.verdict == "correct" and get_task(trace.problem.task).answer_grounded(trace) for trace in traces
        ),
        **statement_grounding(traces),
        **answer_spread(traces),
        **(against_scripted(traces) if task_tools else {}),
    }


def runs_task_tools(traces: list[Trace]) -> bool:
    """Whether the chains call the task's own functions: false when a user's graph (`--graph`) offered its model
    any tool the task does not define.
    """
    for trace in traces:
        offered = trace.sampling.get("tools") if trace.sampling.get("source") == "graph" else None
        if offered:
            own = {function.name for function in get_task(trace.problem.task).all_functions()}
            if any(_tool_name(tool) not in own for tool in offered):
                return False
    return True


def _tool_name(tool: dict[str, Any]) -> str | None:
    """A recorded tool schema's name, in OpenAI's format (`{"type": "function", "function": {...}}`) or flat."""
    return (tool.get("function") or tool).get("name")


def against_scripted(traces: list[Trace]) -> dict[str, Any]:
    """How each chain's tool calls (not think / final_answer) compare with the task's scripted policy's on the same
    problem: the same set, a subset (fewer), a superset (more) or another set; {} when the task declares no policy.
    What a student adds over a script is where it differs from it and is right.
    """
    counts = Counter()
    for trace in traces:
        task = get_task(trace.problem.task)
        script = task.scripted_calls(trace.problem)
        if script is None:
            continue
        own = {f.name for f in task.functions}
        theirs = {_call_key(call) for call in _parsed(script, task) if call["name"] in own}
        mine = {_call_key(s.call) for s in trace.steps if s.ok and s.call and s.call["name"] in own}
        counts["same" if mine == theirs else "fewer" if mine < theirs else "more" if mine > theirs else "other"] += 1
    return {"calls_vs_scripted": dict(counts)} if counts else {}


def _parsed(calls: list[str], task) -> list[dict[str, Any]]:
    signatures = {f.name: f.signature for f in task.all_functions()}
    return [parsed.to_dict() for call in calls if isinstance(parsed := parse_call(call, signatures), Call)]


def _call_key(call: dict[str, Any]) -> str:
    """A call as a comparable key: its name and arguments, lower case, single spaces, no leading article."""
    args = {
        k: re.sub(r"^(the|a|an) ", "", " ".join(str(v).lower().split())) for k, v in (call.get("args") or {}).items()
    }
    return f"{call['name']}{sorted(args.items())}"


def statement_grounding(traces: list[Trace]) -> dict[str, Any]:
    """How many premises the chains stated (logic facts and rules that ran) and how many the problem says."""
    verdicts = [
        get_task(trace.problem.task).statement_grounded(trace.problem, step.call)
        for trace in traces
        for step in trace.steps
        if step.ok and step.call
    ]
    stated = [v for v in verdicts if v is not None]
    return {"statements": len(stated), "statements_grounded": sum(stated)}


def answer_spread(traces: list[Trace]) -> dict[str, Any]:
    """The model's commonest answer and its share, and what answering the commonest truth every time would score.

    A model that gives one answer to every logic problem scores the share of that truth (about half on a
    closed-world set) without reasoning; these two figures make such a shortcut visible next to the accuracy.
    """
    answers = Counter(str(t.answer).strip().lower() for t in traces if t.answer is not None)
    truths = Counter(str(t.problem.answer).strip().lower() for t in traces)
    top, top_count = _commonest(answers)
    truth, truth_count = _commonest(truths)
    return {
        "top_answer": top,
        "top_answer_share": round(top_count / len(traces), 4) if traces else 0.0,
        "majority_truth": truth,
        "majority_baseline": round(truth_count / len(traces), 4) if traces else 0.0,
    }


def _commonest(counts: Counter) -> tuple[str | None, int]:
    """The commonest value and its count; a tie goes to the value first in text order, so every model's traces
    (which come in the order their chains finished) name the same one.
    """
    return min(counts.items(), key=lambda item: (-item[1], item[0])) if counts else (None, 0)


def paired(a: list[Trace], b: list[Trace]) -> dict[str, Any]:
    """Two models on the same problems: who solved what, exact McNemar and Wilcoxon p-values, the accuracy
    difference B − A with its paired bootstrap 95% interval, and the smallest difference n problems can detect.
    """
    return paired_outcomes(
        {t.problem.id: t.verdict == "correct" for t in a}, {t.problem.id: t.verdict == "correct" for t in b}
    )


def paired_outcomes(right_a: dict[str, bool], right_b: dict[str, bool]) -> dict[str, Any]:
    """`paired` on right/wrong per problem id (e.g. a model's chains against its own plain chain-of-thought)."""
    shared = sorted(right_a.keys() & right_b.keys())
    only_a = sum(right_a[i] and not right_b[i] for i in shared)
    only_b = sum(right_b[i] and not right_a[i] for i in shared)
    scores_a, scores_b = [float(right_a[i]) for i in shared], [float(right_b[i]) for i in shared]
    low, high = paired_bootstrap(scores_a, scores_b)
    mde = min_detectable_effect(len(shared), only_a + only_b)
    return {
        "problems": len(shared),
        "both": sum(right_a[i] and right_b[i] for i in shared),
        "only_a": only_a,
        "only_b": only_b,
        "neither": sum(not right_a[i] and not right_b[i] for i in shared),
        "mcnemar_p": mcnemar_exact(only_a, only_b),  # unrounded: a strong result is 1e-7, not 0
        "wilcoxon_p": wilcoxon_p(scores_a, scores_b),
        "difference": round((only_b - only_a) / len(shared), 4) if shared else 0.0,
        "difference_ci_low": round(low, 4),
        "difference_ci_high": round(high, 4),
        "min_detectable_effect": None if mde is None else round(mde, 4),
    }
