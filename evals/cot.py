r"""The no-tools baseline: the same model, the same problem, plain chain-of-thought and one `Answer:` line.

Whether calling functions helps a small model reason is the question the method has to answer, so
every evaluation can put each model's chain accuracy beside its own plain chain-of-thought on the same
problems (`fcdpo eval --baseline cot`). The answer is the last `Answer:` line, graded by the task's
one strict grader; a reply without one is wrong. What a lenient reader would have found (a
`\boxed{}` value, the last number, the last label) is reported separately, never as the accuracy.
"""

from __future__ import annotations

import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from tqdm.auto import tqdm

from fcdpo.evals.stats import wilson
from fcdpo.graphs.prompts import user_prompt
from fcdpo.models import load_chat_model
from fcdpo.tasks import Task, get_task
from fcdpo.types import Problem

MIN_BUDGET = 256  # tokens: room to think, whatever the chains spent
SYSTEM = (
    "You solve {kind}. Think step by step in plain text, then end with one last line of the form\n"
    "Answer: <the answer only>"
)
_ANSWER_LINE = re.compile(r"^\W*(?:final\s+)?answer\W*[:：][ \t]*(.+?)[ \t]*$", re.IGNORECASE | re.MULTILINE)
_BOXED = re.compile(r"\\boxed\{([^{}]*)\}")
_NUMBER = re.compile(r"[-+]?\$?\d[\d,]*(?:\.\d+)?")


def cot_messages(task: Task, problem: Problem) -> list:
    """The baseline's prompt: what the problems are, how to end, and the problem as the agent sees it."""
    question = user_prompt(task.present(problem.question), problem.meta.get("context"))
    return [SystemMessage(SYSTEM.format(kind=task.kind)), HumanMessage(question)]


def extract_answer(text: str, labels: tuple[str, ...] = ()) -> tuple[str | None, str | None]:
    r"""(strict, lenient) answers of a reply: strict is the last `Answer:` line (a `\boxed{}` in it is
    unwrapped); lenient falls back to the last `\boxed{}`, the last label, or the last number.
    """
    lines = _ANSWER_LINE.findall(text or "")
    strict = None
    if lines:
        strict = lines[-1]
        boxed = _BOXED.findall(strict)
        strict = (boxed[-1] if boxed else strict).strip().strip("*").strip()
    if strict:
        return strict, strict
    boxed = _BOXED.findall(text or "")
    if boxed:
        return None, boxed[-1].strip()
    if labels:
        found = re.findall(rf"\b({'|'.join(map(re.escape, labels))})\b", text or "", re.IGNORECASE)
        if found:
            return None, found[-1].lower()
    numbers = _NUMBER.findall(text or "")
    return None, numbers[-1] if numbers else None


def run_cot(
    spec: str,
    problems: list[Problem],
    out: Path,
    budget: int,
    concurrency: int = 4,
    base_url: str | None = None,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """One greedy plain reply per problem, appended to `out` (JSONL; a re-run answers only what is missing)."""
    done = {}
    if out.is_file():
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                done[record["id"]] = record
    todo = [p for p in problems if p.id not in done]
    if todo:
        model = load_chat_model(spec, temperature=0.0, max_new_tokens=budget, base_url=base_url)
        out.parent.mkdir(parents=True, exist_ok=True)

        def answer(problem: Problem) -> dict[str, Any]:
            task = get_task(problem.task)
            reply = model.invoke(cot_messages(task, problem))
            text = reply.content if isinstance(reply.content, str) else str(reply.content)
            strict, lenient = extract_answer(text, getattr(task, "labels", ()))
            usage = getattr(reply, "usage_metadata", None) or {}
            return {
                "id": problem.id,
                "task": problem.task,
                "reply": text,
                "answer": strict,
                "lenient_answer": lenient,
                "correct": task.check(strict, problem.answer, problem),
                "lenient_correct": task.check(lenient, problem.answer, problem),
                "output_tokens": usage.get("output_tokens", 0),
            }

        print(f"fcdpo: plain chain-of-thought baseline of {spec} ({len(todo)} problems)", file=sys.stderr)
        with out.open("a", encoding="utf-8") as handle, ThreadPoolExecutor(max_workers=concurrency) as pool:
            for record in tqdm(
                pool.map(answer, todo), total=len(todo), desc="cot", unit="reply", disable=not progress
            ):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                handle.flush()
                done[record["id"]] = record
    return [done[p.id] for p in problems]


def cot_figures(records: list[dict[str, Any]], budget: int) -> dict[str, Any]:
    """Strict accuracy with its 95% Wilson interval, the lenient reader's accuracy, the budget used and how many
    replies it cut short.
    """
    correct = sum(r["correct"] for r in records)
    low, high = wilson(correct, len(records))
    n = len(records) or 1
    return {
        "problems": len(records),
        "correct": correct,
        "accuracy": round(correct / n, 4),
        "ci_low": round(low, 4),
        "ci_high": round(high, 4),
        "lenient_correct": sum(r["lenient_correct"] for r in records),
        "lenient_accuracy": round(sum(r["lenient_correct"] for r in records) / n, 4),
        "no_answer_line": sum(r["answer"] is None for r in records),
        "token_budget": budget,
        "cut_at_budget": sum(r["output_tokens"] >= budget for r in records),
        "mean_output_tokens": round(sum(r["output_tokens"] for r in records) / n, 1),
    }
