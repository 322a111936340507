r"""`fcdpo generate`: run the graph K times per problem with a teacher and keep every chain.

    fcdpo generate --model qwen2.5-coder-1.5b --task math,logic --problems 50 --samples 4 --out runs/t
    fcdpo generate --model openai:Qwen/Qwen2.5-7B-Instruct --base-url http://gpu:8000/v1 \
        --task logic --problems 500 --samples 8 --concurrency 32 --out runs/t7b

Each finished chain is one fsynced line of `DIR/traces.jsonl`; `DIR/manifest.json` records
the config, package versions and times. Re-running the same command resumes: every
(problem id, sample) already written is skipped. A failing model call is retried with backoff on its
own step (LangGraph's `RetryPolicy` on the `reason` node), then the chain is recorded as failed, so
one bad request never stops a batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import MISSING, asdict, dataclass, field, fields
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from langgraph.types import RetryPolicy
from tqdm.auto import tqdm

from fcdpo.errors import UserError
from fcdpo.graphs import Context, build_graph, solve
from fcdpo.graphs.context import BASE_URL_HELP, ChainSettings
from fcdpo.graphs.fingerprint import chain_fingerprint, code_version
from fcdpo.graphs.traces_io import TRACES, TraceWriter, read_traces, repair_tail
from fcdpo.graphs.user_graph import (
    GRAPH_HELP,
    graph_source_hash,
    load_graph_factory,
    run_user_graph,
    source_file_hash,
)
from fcdpo.models import DEFAULT_MODEL, load_chat_model, parse_spec
from fcdpo.models.reference import solver_model
from fcdpo.models.specs import PROGRAM, SOLVERS
from fcdpo.tasks import DEFAULT_TASKS, SPLITS, get_task
from fcdpo.tasks.dataset import dataset_sha256, load_dataset
from fcdpo.tasks.langsmith_dataset import is_langsmith
from fcdpo.types import Problem, Trace

MANIFEST = "manifest.json"
PACKAGES = ("fcdpo", "torch", "transformers", "langgraph", "langchain-core", "langchain-openai", "trl", "peft")


@dataclass(kw_only=True)
class GenerateConfig(ChainSettings):
    """What decides which chains a run produces (with the chain settings); a resumed run must match it exactly."""

    model: str = field(
        default=DEFAULT_MODEL, metadata={"help": "model spec that writes the chains (a teacher, or the student)"}
    )
    tasks: list[str] = field(
        default_factory=lambda: list(DEFAULT_TASKS),
        metadata={"help": "tasks to draw problems from: names or path/to/task.py:task"},
    )
    problems: int = field(default=10, metadata={"help": "problems per task (or from the dataset)"})
    samples: int = field(default=4, metadata={"help": "chains per problem"})
    split: str = field(default="train", metadata={"help": "generated split", "choices": list(SPLITS)})
    temperature: float = field(default=0.7, metadata={"help": "sampling temperature (0 = greedy)"})
    top_p: float = field(default=0.95, metadata={"help": "nucleus sampling mass"})
    seed: int = field(default=0, metadata={"help": "problem and sampling seed"})
    sampling_seed: int | None = field(
        default=None,
        metadata={"help": "sampling seed alone (default: --seed): other chains of the same problems, e.g. a repeat"},
    )
    dataset: str | None = field(
        default=None,
        metadata={"help": "JSONL problems (or langsmith:NAME, a LangSmith dataset) instead of generated ones"},
    )
    graph: str | None = field(default=None, metadata={"help": GRAPH_HELP})
    dataset_sha256: str | None = field(
        default=None, metadata={"help": "content hash of the dataset, set automatically"}
    )
    fingerprint: str | None = field(
        default=None, metadata={"help": "prompt and parser fingerprint, set automatically"}
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        parse_spec(self.model)  # an unknown spec is a user error before any chain runs
        for task in self.tasks:
            get_task(task)
        for name in ("problems", "samples"):
            if getattr(self, name) < 1:
                raise UserError(f"--{name.replace('_', '-')} must be at least 1, got {getattr(self, name)}")
        if self.split not in SPLITS:
            raise UserError(f"--split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        if self.temperature < 0:
            raise UserError(f"--temperature must be >= 0, got {self.temperature}")
        if self.dataset:
            self.dataset_sha256 = dataset_sha256(self.dataset)
        if self.graph and self.model in SOLVERS:
            raise UserError(f"--graph runs chat models; {self.model!r} writes chains of fcdpo's own graph")
        # Part of the config, so a run dir never mixes chains of another prompt or parser (see graphs/fingerprint.py)
        # or of another version of the user's graph.
        self.fingerprint = chain_fingerprint(self.tasks)
        if self.graph:
            self.fingerprint = f"{self.fingerprint}-graph-{graph_source_hash(self.graph)}"
        if PROGRAM.fullmatch(self.model):  # the user's program in the model's seat: its version, too
            self.fingerprint = f"{self.fingerprint}-model-{source_file_hash(self.model)}"


@dataclass
class RunOptions:
    """How a run executes; free to change between resumes."""

    concurrency: int = field(default=1, metadata={"help": "chains run at once"})
    retries: int = field(
        default=3, metadata={"help": "retries of a failing model call before its chain is recorded as failed"}
    )
    backoff: float = field(default=1.0, metadata={"help": "seconds before the first retry, doubling"})
    timeout: float = field(default=120.0, metadata={"help": "seconds per request to an openai: model"})
    chain_timeout: float = field(
        default=1800.0, metadata={"help": "seconds a --graph run may take before it is recorded as failed"}
    )
    base_url: str | None = field(default=None, metadata={"help": BASE_URL_HELP})
    force: bool = field(
        default=False, metadata={"help": "start the run dir over when its config differs (old files are kept aside)"}
    )
    progress: bool = field(default=True, metadata={"help": "show a progress bar"})


def select_problems(config: GenerateConfig) -> list[Problem]:
    """The problems a config names, in a fixed order."""
    if config.dataset:
        names = {get_task(task).name for task in config.tasks}  # a plug-in's lines name it by its own name
        problems = [
            p for p in load_dataset(config.dataset, dataset_task(config.dataset, config.tasks)) if p.task in names
        ]
        if not problems:
            raise UserError(f"--dataset {config.dataset}: no problems of task {', '.join(config.tasks)}")
        return problems[: config.problems]
    return [
        p for task in config.tasks for p in get_task(task).problems(config.split, config.problems, seed=config.seed)
    ]


def dataset_task(dataset: str, tasks: list[str]):
    """The task every line of `dataset` is read as, or None when each line names its own.

    A LangSmith dataset's examples name none: the one task named. A file's lines are read as the one task named
    when that task answers another task's files (`Task.file_tasks`): `--task math-calculator` on GSM-Symbolic's
    `math` lines runs them with the calculator.
    """
    if len(tasks) != 1:
        return None
    task = get_task(tasks[0])
    return task if is_langsmith(dataset) or task.file_tasks() != {task.name} else None


def sample_seed(seed: int, problem_id: str, sample: int) -> int:
    """A distinct, reproducible sampling seed for each chain."""
    digest = hashlib.sha256(f"{seed}:{problem_id}:{sample}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def _versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def _prepare_dir(out: Path, config: GenerateConfig, force: bool) -> dict[str, Any]:
    """Create or reopen DIR; a different config on an existing DIR is refused unless `force`."""
    out.mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST
    wanted = asdict(config)
    if manifest_path.is_file():
        old = json.loads(manifest_path.read_text()).get("config", {})
        # A setting added to the config after the run began, at its default, changes nothing the run did.
        defaults = {f.name: f.default for f in fields(GenerateConfig) if f.default is not MISSING}
        changed = sorted(k for k in set(old) | set(wanted) if old.get(k, defaults.get(k)) != wanted.get(k))
        if "fingerprint" in changed and not force:
            raise UserError(
                f"{out} holds chains made by another prompt or parser (fingerprint {old.get('fingerprint')} → "
                f"{wanted['fingerprint']}); one run dir never mixes them: use another --out, or --force to start "
                "it over"
            )
        if changed and not force:
            shown = ", ".join(f"{k}: {old.get(k)!r} → {wanted.get(k)!r}" for k in changed[:3])
            raise UserError(
                f"{out} holds a run with another config ({shown}); use another --out, or --force to start it over"
            )
        if changed:
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
            for name in (TRACES, MANIFEST):
                if (out / name).exists():
                    os.replace(out / name, out / f"{name}.{stamp}.old")
            print(f"fcdpo: --force: previous run moved aside as *.{stamp}.old", file=sys.stderr)
    manifest = {
        "config": wanted,
        "versions": _versions(),
        "code": code_version(),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "finished": None,
    }
    _write_json(manifest_path, manifest)
    return manifest


def _solve_once(problem: Problem, sample: int, config: GenerateConfig, options: RunOptions) -> Trace:
    seed = sample_seed(config.seed if config.sampling_seed is None else config.sampling_seed, problem.id, sample)
    if parse_spec(config.model).kind == "solver":
        model = solver_model(config.model, problem, config.call_format)
    else:  # fcdpo's graph retries a failing step itself (below), so the client makes no retries of its own
        model = load_chat_model(
            config.model,
            temperature=config.temperature,
            top_p=config.top_p,
            seed=seed,
            max_new_tokens=config.max_new_tokens,
            base_url=options.base_url,
            timeout=options.timeout,
            max_retries=options.retries if config.graph else 0,
        )
    if config.graph:  # the user's graph, as it is: its nodes have no retry policy of ours, the client retries
        trace = run_user_graph(
            load_graph_factory(config.graph),
            model,
            problem,
            spec=config.model,
            max_steps=config.max_steps,
            timeout=options.chain_timeout,
            sampling={"temperature": config.temperature, "top_p": config.top_p, "seed": seed, "graph": config.graph},
        )
        trace.sample = sample
        return trace
    context = Context(
        model=config.model,
        task=problem.task,
        temperature=config.temperature,
        top_p=config.top_p,
        seed=seed,
        base_url=options.base_url,
        **config.chain_settings(),
    )
    # Server down, HTTP 500, timeout: the failing step is retried with backoff (the chain so far is kept), then
    # the chain is recorded as failed.
    retry = RetryPolicy(
        max_attempts=options.retries + 1,
        initial_interval=options.backoff,
        backoff_factor=2.0,
        jitter=False,
        retry_on=lambda exc: not isinstance(exc, UserError),
    )
    try:
        trace = solve(problem, context, graph=build_graph(model, retry=retry))
    except UserError:
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    else:
        trace.sample = sample
        return trace
    return Trace(
        problem,
        config.model,
        [],
        [],
        None,
        "incorrect",
        "failed",
        sample=sample,
        error=error,
        sampling={"temperature": config.temperature, "seed": seed},
    )


def summarize(traces: list[Trace], fresh: list[Trace], seconds: float) -> dict[str, dict[str, float]]:
    """Per task over all `traces`: chains, correct rate, valid-call rate, mean steps, failed chains;
    and generated tokens/s of the `fresh` chains this run made in `seconds`.
    """
    summary = {}
    for task in sorted({t.problem.task for t in traces}):
        mine = [t for t in traces if t.problem.task == task]
        ran = [t for t in mine if t.status != "failed"]
        steps = [s for t in ran for s in t.steps]
        summary[task] = {
            "chains": len(mine),
            "failed": len(mine) - len(ran),
            "correct_rate": round(sum(t.verdict == "correct" for t in mine) / len(mine), 4),
            "valid_call_rate": round(sum(s.ok for s in steps) / len(steps), 4) if steps else 0.0,
            "mean_steps": round(sum(len(t.steps) for t in ran) / len(ran), 2) if ran else 0.0,
            "tokens_per_s": round(
                sum(t.usage.get("output_tokens", 0) for t in fresh if t.problem.task == task) / seconds, 2
            )
            if seconds > 0
            else 0.0,
        }
    return summary


def format_summary(summary: dict[str, dict[str, float]]) -> str:
    """The summary as a small table."""
    lines = [f"{'task':<8}{'chains':>8}{'failed':>8}{'correct':>9}{'valid calls':>13}{'mean steps':>12}{'tok/s':>8}"]
    for task, s in summary.items():
        lines.append(
            f"{task:<8}{s['chains']:>8}{s['failed']:>8}{s['correct_rate']:>9.1%}{s['valid_call_rate']:>13.1%}"
            f"{s['mean_steps']:>12.1f}{s['tokens_per_s']:>8.1f}"
        )
    return "\n".join(lines)


def run_generate(config: GenerateConfig, out: Path, options: RunOptions) -> dict[str, Any]:
    """Produce every missing chain of `config` into `out`; returns the manifest."""
    if options.concurrency < 1:
        raise UserError(f"--concurrency must be at least 1, got {options.concurrency}")
    problems = select_problems(config)
    manifest = _prepare_dir(out, config, options.force)
    traces_path = out / TRACES
    dropped = repair_tail(traces_path)
    if dropped:
        print(f"fcdpo: dropped a torn last line ({dropped} bytes) left by an interrupted run", file=sys.stderr)
    done = read_traces(traces_path)[0] if traces_path.exists() else []
    have = {(t.problem.id, t.sample) for t in done}
    todo = [(p, k) for p in problems for k in range(config.samples) if (p.id, k) not in have]
    if config.temperature == 0 and config.samples > 1:
        print("fcdpo: warning: --temperature 0 makes every sample of a problem the same chain", file=sys.stderr)
    new: list[Trace] = []
    started = time.perf_counter()
    with (
        TraceWriter(traces_path) as writer,
        tqdm(total=len(todo), desc="generate", unit="chain", disable=not options.progress) as bar,
    ):
        pool = ThreadPoolExecutor(max_workers=options.concurrency)
        try:
            futures = [pool.submit(_solve_once, p, k, config, options) for p, k in todo]
            for future in as_completed(futures):
                trace = future.result()
                writer.write(trace)
                new.append(trace)
                bar.update()
                bar.set_postfix(
                    correct=f"{sum(t.verdict == 'correct' for t in new)}/{len(new)}",
                    failed=sum(t.status == "failed" for t in new),
                )
        finally:
            # On Ctrl-C or an error, chains not started are dropped (a resume makes them) instead of awaited.
            pool.shutdown(wait=True, cancel_futures=True)
    elapsed = time.perf_counter() - started
    all_traces = done + new
    manifest["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    manifest["summary"] = summarize(all_traces, new, elapsed)
    manifest["chains"] = {"total": len(all_traces), "this_run": len(new), "resumed_from": len(done)}
    _write_json(out / MANIFEST, manifest)
    return manifest
