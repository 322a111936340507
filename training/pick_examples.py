"""`fcdpo examples pick`: the shortest clean right chains of a `generate` run become a task's few-shot examples.

A chain qualifies when it is right, every call ran without an error, its premises are grounded and
its problem is a train problem (a test question shown in the prompt would leak into every evaluation).
One chain per problem, shortest first, preferring problems of templates not yet shown.
"""

from __future__ import annotations

import json
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.graphs.generate import MANIFEST
from fcdpo.graphs.traces_io import TRACES
from fcdpo.tasks import Example, get_task
from fcdpo.tools.protocol import Call
from fcdpo.training.export import load_run_traces
from fcdpo.types import Trace


def pick_examples(run: Path, task_spec: str, count: int) -> list[Example]:
    """Up to `count` examples from the run's chains of `task_spec`'s task."""
    manifest = run / MANIFEST
    if not manifest.is_file() or not (run / TRACES).is_file():
        raise UserError(f"{run}: not a `fcdpo generate` run dir (no {MANIFEST} / {TRACES})")
    config = json.loads(manifest.read_text()).get("config", {})
    if config.get("split") == "test":
        raise UserError(f"{run} solved test problems; examples come from train problems only")
    traces, _ = load_run_traces([run], skip_bad=False)  # also loads the run's tasks, as export does
    task = get_task(task_spec)
    clean = [trace for trace in traces if trace.problem.task == task.name and _clean(trace)]
    clean = [trace for trace in clean if task.split_of(trace.problem.question) == "train"]
    clean.sort(key=lambda trace: (len(trace.steps), sum(len(step.text) for step in trace.steps)))
    chosen: list[Trace] = []
    seen_problems: set[str] = set()
    seen_templates: set[object] = set()
    for prefer_new_template in (True, False):
        for trace in clean:
            template = trace.problem.meta.get("template")
            if len(chosen) == count or trace.problem.id in seen_problems:
                continue
            if prefer_new_template and template is not None and template in seen_templates:
                continue
            chosen.append(trace)
            seen_problems.add(trace.problem.id)
            seen_templates.add(template)
    if not chosen:
        raise UserError(f"{run}: no right, error-free chain of task {task.name} on a train problem to pick")
    return [
        Example(trace.problem.question, [(Call(**step.call).render(), step.result or "") for step in trace.steps])
        for trace in chosen
    ]


def _clean(trace: Trace) -> bool:
    return (
        trace.verdict == "correct"
        and all(step.ok and step.call for step in trace.steps)
        and get_task(trace.problem.task).premises_grounded(trace)
    )
