"""`fcdpo pipeline`: the whole method in one command, each stage resumable.

    fcdpo pipeline --config configs/demo.yaml --out runs/demo
    fcdpo pipeline --config configs/full.yaml --out runs/full     # hours on a CPU; re-run to resume

Stages (their outputs are the checkpoints, so re-running after an interruption continues):
generate (teacher, train split) → negatives (optional: the student's own chains on the same
problems, used as the rejected side: on-policy negatives) → export (pairs) → train (DPO + LoRA on the student) →
eval (teacher, student, student+adapter on the test split) → bfcl (student before/after on
BFCL, when the preset has a `bfcl:` section) → RUN/report.md.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fcdpo.errors import UserError
from fcdpo.evals.pipeline_report import write_report
from fcdpo.evals.run import BfclSettings, EvalSettings
from fcdpo.graphs.generate import GenerateConfig, RunOptions, run_generate
from fcdpo.models import REFERENCE, parse_spec
from fcdpo.tasks import DEFAULT_TASKS
from fcdpo.training.export import PairSettings, run_export

# A preset's generate: and negatives: sections take GenerateConfig's fields (the pipeline sets the model,
# tasks and split) and RunOptions' concurrency; negatives: may name another model.
GENERATE_KEYS = {f.name for f in dataclasses.fields(GenerateConfig)} - {
    "model",
    "tasks",
    "split",
    "dataset",
    "dataset_sha256",
    "fingerprint",
} | {"concurrency"}
# export.chosen_from / export.rejected_from: whose right chains may be chosen (default the teacher's) and whose
# wrong ones rejected (default the student's when there is a negatives: stage, else the teacher's).
EXPORT_KEYS = {f.name for f in dataclasses.fields(PairSettings)} | {"chosen_from", "rejected_from"}
CHAIN_SOURCES = ("generate", "negatives")
EVAL_KEYS = {f.name for f in dataclasses.fields(EvalSettings)} | {"models", "datasets"}
BFCL_KEYS = {f.name for f in dataclasses.fields(BfclSettings)}
NEGATIVES_KEYS = GENERATE_KEYS | {"model"}


@dataclass
class PipelineConfig:
    """A pipeline preset (configs/*.yaml)."""

    teacher: str = field(metadata={"help": "model spec that writes the chains"})
    student: str = field(metadata={"help": "base model spec to tune"})
    tasks: list[str] = field(default_factory=lambda: list(DEFAULT_TASKS), metadata={"help": "tasks for every stage"})
    note: str = field(default="", metadata={"help": "printed with the results (e.g. 'a demonstration')"})
    base_url: str | None = field(default=None, metadata={"help": "server of openai: models (else OPENAI_BASE_URL)"})
    generate: dict[str, Any] = field(default_factory=dict, metadata={"help": "fcdpo generate settings"})
    negatives: dict[str, Any] = field(
        default_factory=dict,
        metadata={
            "help": "on-policy negatives: rejected chains from the student (or `model:`) on the same problems "
            "(none: from the teacher)"
        },
    )
    export: dict[str, Any] = field(default_factory=dict, metadata={"help": "fcdpo export settings"})
    train: dict[str, Any] = field(default_factory=dict, metadata={"help": "dpo:/lora: sections as in a train config"})
    eval: dict[str, Any] = field(default_factory=dict, metadata={"help": "fcdpo eval settings (test split)"})
    bfcl: dict[str, Any] = field(
        default_factory=dict, metadata={"help": "BFCL regression check of the student before/after (none: skipped)"}
    )

    @classmethod
    def load(cls, path: Path) -> PipelineConfig:
        """Read and check a preset; every mistake names the file and the key."""
        from fcdpo.training.train_config import check_sections, load_yaml

        data = load_yaml(path)
        known = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict) or not {"teacher", "student"} <= set(data):
            raise UserError(f"{path}: needs at least teacher: and student:")
        for key in data:
            if key not in known:
                raise UserError(f"{path}: unknown key {key!r} (expected {', '.join(sorted(known))})")
        for section, allowed in (
            ("generate", GENERATE_KEYS),
            ("negatives", NEGATIVES_KEYS),
            ("export", EXPORT_KEYS),
            ("eval", EVAL_KEYS),
            ("bfcl", BFCL_KEYS),
        ):
            values = data.get(section) or {}
            if not isinstance(values, dict):
                raise UserError(f"{path}: {section}: must be a mapping")
            for key in values:
                if key not in allowed:
                    raise UserError(f"{path}: unknown key {section}.{key} (expected {', '.join(sorted(allowed))})")
        for key in ("chosen_from", "rejected_from"):
            sources = (data.get("export") or {}).get(key, ["generate"])
            if not isinstance(sources, list) or not sources or not set(sources) <= set(CHAIN_SOURCES):
                raise UserError(f"{path}: export.{key} must be a list of {' and '.join(CHAIN_SOURCES)}")
            if "negatives" in sources and not data.get("negatives"):
                raise UserError(f"{path}: export.{key} names negatives, but there is no negatives: section")
        check_sections(data.get("train") or {}, f"{path}: train")
        compared = (data.get("eval") or {}).get("models") or []
        if not isinstance(compared, list):
            raise UserError(f"{path}: eval.models must be a list of model specs")
        outside = (data.get("eval") or {}).get("datasets") or []
        if not isinstance(outside, list) or not all(isinstance(d, str) for d in outside):
            raise UserError(f"{path}: eval.datasets must be a list of JSONL files")
        for dataset in outside:
            if not Path(dataset).is_file():
                raise UserError(f"{path}: eval.datasets: {dataset}: no such file")
        roles = [
            ("teacher", data["teacher"]),
            ("student", data["student"]),
            ("negatives.model", (data.get("negatives") or {}).get("model")),
            *(("eval.models", spec) for spec in compared),
        ]
        for role, spec in roles:
            try:
                if spec is not None:
                    parse_spec(spec)
            except UserError as exc:
                raise UserError(f"{path}: {role}: {exc}") from None
        if isinstance(data.get("tasks"), str):
            data["tasks"] = [t.strip() for t in data["tasks"].split(",")]
        return cls(**{k: (v if v is not None else {}) for k, v in data.items()})


def run_pipeline(config_path: Path, out: Path, progress: bool = True) -> dict[str, Any]:
    """Run every unfinished stage; returns the eval results."""
    from fcdpo.evals.run import eval_configs, run_bfcl_eval, run_eval
    from fcdpo.models.loading import release_models

    config = PipelineConfig.load(config_path)
    claim_run_dir(out, config, config_path)
    timings_file = out / "timings.json"
    timings = json.loads(timings_file.read_text()) if timings_file.is_file() else {}

    def stage(name: str):
        """Announce a stage (with the time it starts) and add its wall time to RUN/timings.json (across resumes)."""
        print(f"[{time.strftime('%H:%M:%S')}] fcdpo pipeline: {name}", file=sys.stderr)
        started = time.perf_counter()

        def done():
            timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - started, 1)
            timings_file.write_text(json.dumps(timings, indent=2) + "\n")

        return done

    # 1. The teacher solves train-split problems, several sampled chains each (resumes chain by chain).
    done = stage("generate")
    gen = dict(config.generate)
    concurrency = gen.pop("concurrency", RunOptions.concurrency)
    run_generate(
        GenerateConfig(model=config.teacher, tasks=config.tasks, split="train", **gen),
        out / "generate",
        RunOptions(concurrency=concurrency, base_url=config.base_url, progress=progress),
    )
    done()

    # 1b. On-policy negatives: the student's own (wrong) chains on the same problems become the rejected side,
    # so DPO pushes down what the student does rather than the teacher's mistakes.
    if config.negatives:
        done = stage("negatives")
        neg = dict(config.negatives)
        release_models()
        run_generate(
            GenerateConfig(
                model=neg.pop("model", config.student),
                tasks=config.tasks,
                split="train",
                **{**gen, **{k: v for k, v in neg.items() if k != "concurrency"}},
            ),
            out / "negatives",
            RunOptions(concurrency=neg.get("concurrency", concurrency), base_url=config.base_url, progress=progress),
        )
        done()

    # 2. Correct vs incorrect chains of the same problem become preference pairs (cheap, deterministic: always redone).
    done = stage("export")
    stats = export_pairs(config, out)
    done()
    if stats["pairs"] == 0:
        raise UserError(
            f"the teacher's chains gave no pairs ({stats['no_pair']}); raise generate.problems or generate.samples"
        )

    # 3. DPO + LoRA on the student; an interrupted run continues from its last checkpoint.
    # The teacher's weights and caches go first: both at once overflow 24 GiB with a 1.5B teacher.
    release_models()
    adapter = out / "train" / "adapter"
    if not (adapter / "adapter_config.json").is_file():
        done = stage("train")
        train_yaml = out / "train.yaml"
        train_yaml.write_text(yaml.safe_dump(config.train, sort_keys=False))
        train_in_child(config.student, out / "pairs", out / "train", train_yaml, {}, resume=True)
        done()

    # 4. Teacher, student before and after, on the same held-out problems with the same grader.
    ev = dict(config.eval)
    settings = eval_settings(config)
    options = RunOptions(concurrency=settings.concurrency, base_url=config.base_url, progress=progress)
    results: dict[str, Any] = {}
    if settings.problems > 0:
        done = stage("eval")
        # `eval.models`: more models to compare with, e.g. a real teacher when `reference` wrote the chains.
        models = [config.teacher, *ev.get("models", []), config.student, f"{config.student}+{adapter}"]
        configs = eval_configs(models, config.tasks, dataclasses.replace(settings, limit=None))
        results = run_eval(configs, out / "eval", options, baselines=settings.baselines)
        done()

    # 4b. Problems written by others (`eval.datasets`): the student before and after (and `eval.models`) side by
    # side; a gain only on our own generators' output is not a gain. `reference` sits out: it can only solve
    # problems fcdpo generated (a `scripted` policy reads only the question, so it takes part).
    for dataset in ev.get("datasets", []):
        done = stage(f"eval on {Path(dataset).name}")
        outside = [
            spec
            for spec in (config.teacher, *ev.get("models", []), config.student, f"{config.student}+{adapter}")
            if spec != REFERENCE
        ]
        configs = eval_configs(outside, config.tasks, settings, dataset=dataset)
        results.setdefault("outside", {})[dataset] = run_eval(
            configs, out / "eval-outside" / Path(dataset).stem, options, baselines=settings.baselines
        )
        done()

    # 5. General function calling must not break: the student before/after on BFCL entries (resumes per entry).
    if config.bfcl:
        done = stage("bfcl")
        bf = BfclSettings(**config.bfcl)
        results.update(
            run_bfcl_eval(
                [config.student, f"{config.student}+{adapter}"],
                bf.categories,
                bf.limit,
                out / "eval",
                RunOptions(concurrency=bf.concurrency, base_url=config.base_url, progress=progress),
            )
        )
        done()

    write_report(config, out, results, stats, timings)
    return results


def train_in_child(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """`run_train` in a fresh process: its peak memory (weights, optimizer state, activations and the allocator's
    caches) goes back to the system when the process ends, instead of staying with the evaluation that follows
    (14–19 GiB resident through a whole eval when it trained in-process). Errors come back as they were raised.
    """
    from fcdpo.training.train import run_train

    context = multiprocessing.get_context("spawn")  # a fork would inherit the parent's memory and threads
    with ProcessPoolExecutor(1, mp_context=context, initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
        return pool.submit(run_train, *args, **kwargs).result()


def exit_with_parent(parent: int) -> None:
    """In the training process: end it when the pipeline that started it is gone (killed, say), so a resumed
    pipeline never trains beside an orphan writing the same checkpoints.
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def eval_settings(config: PipelineConfig) -> EvalSettings:
    """The eval: section as settings; models are evaluated with the prompt the student was trained on
    (generate.call_format and generate.without_examples) unless the eval: section says otherwise.
    """
    ev = {k: v for k, v in config.eval.items() if k not in ("models", "datasets")}
    ev.setdefault("call_format", config.generate.get("call_format", "text"))
    ev.setdefault("without_examples", config.generate.get("without_examples", False))
    return EvalSettings(**ev)


def export_pairs(config: PipelineConfig, out: Path) -> dict[str, Any]:
    """Stage 2: RUN/pairs, right chains of `export.chosen_from` against wrong ones of `export.rejected_from`;
    returns the stats.
    """
    export = dict(config.export)
    chosen_from = export.pop("chosen_from", ["generate"])
    rejected_from = export.pop("rejected_from", ["negatives"] if config.negatives else chosen_from)
    return run_export(
        [out / name for name in chosen_from],
        out / "pairs",
        rejected_from=[out / name for name in rejected_from] if rejected_from != chosen_from else None,
        **export,
    )


def claim_run_dir(out: Path, config: PipelineConfig, config_path: Path) -> None:
    """Record the preset in RUN/pipeline.yaml; refuse a run dir whose outputs came from other settings.

    The `bfcl:` section may be added to or changed in a finished run: no other stage's output depends on it.
    """
    record = out / "pipeline.yaml"
    wanted = dataclasses.asdict(config)
    if record.is_file():
        # Sections an older fcdpo did not know are absent from its record: they count as their defaults.
        defaults = {
            f.name: f.default_factory()
            for f in dataclasses.fields(PipelineConfig)
            if f.default_factory is not dataclasses.MISSING
        }
        earlier = {**defaults, **yaml.safe_load(record.read_text())}
        if _resumable(earlier) != _resumable(wanted):
            raise UserError(f"{out} was started with a different config than {config_path}; use another --out")
    out.mkdir(parents=True, exist_ok=True)
    record.write_text(yaml.safe_dump(wanted, sort_keys=False))


def _resumable(config: dict[str, Any]) -> dict[str, Any]:
    """The settings every stage's output depends on: not `bfcl:`, `eval.datasets` or `eval.baselines`, whose work
    runs after the chains and may be added to (or changed in) a finished run.
    """
    kept = {k: v for k, v in config.items() if k != "bfcl"}
    kept["eval"] = {k: v for k, v in (kept.get("eval") or {}).items() if k not in ("datasets", "baselines")}
    return kept
