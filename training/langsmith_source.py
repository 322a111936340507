"""Traces from a LangSmith project: graded root runs of any LangGraph agent, for `fcdpo export`.

Users already trace their agents to LangSmith and often grade them there (a feedback key such as
`correct`, scored 1 or 0 by a person or an evaluator). Each root run whose outputs hold the agent's
`messages` and whose feedback under the key is 1 or 0 becomes a Trace (via `fcdpo.training.collect`,
verdict `correct` / `incorrect`); runs of the same question share a problem id, so `export` pairs a
right run with a wrong one of the same input. Runs without that feedback, with another score, or
without messages are skipped and counted.

    fcdpo export --from-langsmith my-agent --task my_task.py:task --feedback-key correct --out runs/pairs
"""

from __future__ import annotations

import warnings
from collections import Counter
from datetime import datetime
from typing import Any

from langchain_core.load import load
from langchain_core.messages import BaseMessage, convert_to_messages, messages_from_dict

from fcdpo.errors import UserError
from fcdpo.training.collect import trace_from_messages
from fcdpo.types import Trace

FEEDBACK_BATCH = 100  # run ids per feedback request
SCORES = {1: "correct", 0: "incorrect"}


def _messages(raw: Any) -> list[BaseMessage]:
    """Messages as LangSmith stores them: LangChain's serialized form, `{"type", "data"}` dicts, or role dicts."""
    out: list[BaseMessage] = []
    for item in raw or []:
        if isinstance(item, dict) and item.get("lc") == 1:
            out.append(load(item, allowed_objects="messages"))  # run outputs are data: messages only
        elif isinstance(item, dict) and "data" in item and "type" in item:
            out += messages_from_dict([item])
        else:
            out += convert_to_messages([item])
    return out


def _feedback_scores(client, run_ids: list[str], key: str) -> dict[str, float]:
    """Each run's score under `key`, by run id (the last one listed, if a run has several)."""
    scores = {}
    for start in range(0, len(run_ids), FEEDBACK_BATCH):
        for feedback in client.list_feedback(run_ids=run_ids[start : start + FEEDBACK_BATCH], feedback_key=[key]):
            if feedback.score is not None:
                scores[str(feedback.run_id)] = float(feedback.score)
    return scores


def traces_from_langsmith(
    project: str,
    task: str,
    feedback_key: str = "correct",
    since: datetime | None = None,
    client=None,
) -> tuple[list[Trace], dict[str, int]]:
    """The project's graded root runs as Traces, and counts of what was read and skipped."""
    from langsmith import Client
    from langsmith.utils import LangSmithError

    client = client or Client()
    try:
        with warnings.catch_warnings():
            # list_runs is deprecated for runs.query_v2, which self-hosted LangSmith before v0.16 lacks.
            warnings.simplefilter("ignore", DeprecationWarning)
            runs = list(client.list_runs(project_name=project, is_root=True, start_time=since))
        scores = _feedback_scores(client, [str(run.id) for run in runs], feedback_key)
    except LangSmithError as exc:
        raise UserError(f"--from-langsmith {project}: {str(exc).splitlines()[0]}") from None
    counts = Counter({"runs": len(runs)})
    traces = []
    for run in runs:
        score = scores.get(str(run.id))
        if score is None:
            counts["skipped_no_feedback"] += 1
            continue
        if score not in SCORES:
            counts["skipped_other_score"] += 1
            continue
        messages = _messages((run.outputs or {}).get("messages"))
        if not messages:
            counts["skipped_no_messages"] += 1
            continue
        trace = trace_from_messages(messages, task, verdict=SCORES[int(score)], model=f"langsmith:{project}")
        traces.append(trace)
        counts[trace.verdict] += 1
    return traces, dict(counts)
