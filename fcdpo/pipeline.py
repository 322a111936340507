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
from fcdpo.graphs.user_graph import GRAPH_HELP
from fcdpo.models import REFERENCE, parse_spec
from fcdpo.tasks import DEFAULT_TASKS
from fcdpo.tasks.langsmith_dataset import is_langsmith
from fcdpo.training.export import run_export
from fcdpo.training.pairs import PairSettings

# A preset's generate: and negatives: sections take GenerateConfig's fields (the pipeline sets the model,
# tasks and split) and RunOptions' concurrency; negatives: may name another model.
GENERATE_KEYS = {f.name for f in dataclasses.fields(GenerateConfig)} - {
    "model",
    "tasks",
    "split",
    "dataset",
    "dataset_sha256",
    "fingerprint",
    "graph",
} | {"concurrency"}
# export.chosen_from / export.rejected_from: whose right chains may be chosen (default the teacher's) and whose
# wrong ones rejected (default the student's when there is a negatives: stage, else the teacher's).
EXPORT_KEYS = {f.name for f in dataclasses.fields(PairSettings)} | {"chosen_from", "rejected_from"}
CHAIN_SOURCES = ("generate", "negatives")
EVAL_KEYS = {f.name for f in dataclasses.fields(EvalSettings)} - {"graph"} | {"models", "datasets"}
BFCL_KEYS = {f.name for f in dataclasses.fields(BfclSettings)}
NEGATIVES_KEYS = GENERATE_KEYS | {"model"}


@dataclass
class PipelineConfig:
    """A pipeline preset (configs/*.yaml)."""

    teacher: str = field(metadata={"help": "model spec that writes the chains"})
    student: str = field(metadata={"help": "base model spec to tune"})
    tasks: list[str] = field(default_factory=lambda: list(DEFAULT_TASKS), metadata={"help": "tasks for every stage"})
    graph: str | None = field(default=None, metadata={"help": f"every stage's chains through it: {GRAPH_HELP}"})
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
        """Read and check a preset; every mistake names the file and the key.

        `base: OTHER.yaml` (a path relative to the preset) inherits that preset: this one says only what changes,
        section by section (`train:` field by field).
        """
        from fcdpo.training.train_config import check_sections

        data = _with_base(path)
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
            if not is_langsmith(dataset) and not Path(dataset).is_file():
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
    from fcdpo.models.loading import release_models

    config = PipelineConfig.load(config_path)
    claim_run_dir(out, config, config_path)
    run, stage = Run(config, out, progress), StageTimer(out / "timings.json")

    stage("generate", teacher_chains, run)
    if config.negatives:
        release_models()
        stage("negatives", student_chains, run)
    stats = stage("export", export_pairs, config, out)
    if stats["pairs"] == 0:
        raise UserError(
            f"the teacher's chains gave no pairs ({stats['no_pair']}); raise generate.problems or generate.samples"
        )
    # The teacher's weights and caches go first: both at once overflow 24 GiB with a 1.5B teacher.
    release_models()
    if not (run.adapter / "adapter_config.json").is_file():  # a finished training is not redone
        stage("train", train_student, run)
    results = stage("eval", evaluate_test_split, run) if eval_settings(config).problems > 0 else {}
    for dataset in config.eval.get("datasets", []):
        results.setdefault("outside", {})[dataset] = stage(
            f"eval on {Path(dataset).name}", evaluate_file, run, dataset
        )
    if config.bfcl:
        results.update(stage("bfcl", bfcl_check, run))
    write_report(config, out, results, stats, stage.timings)
    return results


@dataclass
class Run:
    """One pipeline run: its preset, its dir, whether to draw progress bars."""

    config: PipelineConfig
    out: Path
    progress: bool = True

    @property
    def adapter(self) -> Path:
        """Where the tuned student's LoRA adapter is written."""
        return self.out / "train" / "adapter"

    @property
    def models(self) -> list[str]:
        """The models compared side by side: teacher, `eval.models` (a scripted policy, say), student before, after."""
        teacher, student = self.config.teacher, self.config.student
        return [teacher, *self.config.eval.get("models", []), student, f"{student}+{self.adapter}"]

    def options(self, concurrency: int) -> RunOptions:
        """How a stage's chains run."""
        return RunOptions(concurrency=concurrency, base_url=self.config.base_url, progress=self.progress)


class StageTimer:
    """Runs a stage: prints its name and start time, adds its wall time to RUN/timings.json (across resumes)."""

    def __init__(self, path: Path):
        self.path = path
        self.timings: dict[str, float] = json.loads(path.read_text()) if path.is_file() else {}

    def __call__(self, name: str, stage, *args: Any) -> Any:
        """`stage(*args)`, timed."""
        print(f"[{time.strftime('%H:%M:%S')}] fcdpo pipeline: {name}", file=sys.stderr)
        started = time.perf_counter()
        result = stage(*args)
        self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - started, 1)
        self.path.write_text(json.dumps(self.timings, indent=2) + "\n")
        return result


def teacher_chains(run: Run) -> None:
    """Stage 1: the teacher solves train-split problems, several sampled chains each (resumes chain by chain)."""
    gen = dict(run.config.generate)
    concurrency = gen.pop("concurrency", RunOptions.concurrency)
    config = GenerateConfig(
        model=run.config.teacher, tasks=run.config.tasks, split="train", graph=run.config.graph, **gen
    )
    run_generate(config, run.out / "generate", run.options(concurrency))


def student_chains(run: Run) -> None:
    """Stage 1b, on-policy negatives: the student's own (wrong) chains on the same problems become the rejected
    side, so DPO pushes down what the student does rather than the teacher's mistakes.
    """
    gen, neg = dict(run.config.generate), dict(run.config.negatives)
    concurrency = neg.pop("concurrency", gen.pop("concurrency", RunOptions.concurrency))
    model = neg.pop("model", run.config.student)
    config = GenerateConfig(
        model=model, tasks=run.config.tasks, split="train", graph=run.config.graph, **{**gen, **neg}
    )
    run_generate(config, run.out / "negatives", run.options(concurrency))


def train_student(run: Run) -> None:
    """Stage 3: DPO + LoRA on the student; an interrupted run continues from its last checkpoint."""
    train_yaml = run.out / "train.yaml"
    train_yaml.write_text(yaml.safe_dump(run.config.train, sort_keys=False))
    train_in_child(run.config.student, run.out / "pairs", run.out / "train", train_yaml, resume=True)


def evaluate_test_split(run: Run) -> dict[str, Any]:
    """Stage 4: every model of the run on the same held-out problems with the same grader."""
    from fcdpo.evals.run import eval_configs, run_eval

    settings = eval_settings(run.config)
    configs = eval_configs(run.models, run.config.tasks, dataclasses.replace(settings, limit=None))
    return run_eval(
        configs,
        run.out / "eval",
        run.options(settings.concurrency),
        baselines=settings.baselines,
        cot_budget=settings.cot_budget,
    )


def evaluate_file(run: Run, dataset: str) -> dict[str, Any]:
    """Stage 4b, problems written by others (`eval.datasets`): the same models side by side; a gain only on our own
    generators' output is not a gain. `reference` sits out: it can only solve problems fcdpo generated (a
    `scripted` policy reads only the question, so it takes part).
    """
    from fcdpo.evals.run import eval_configs, run_eval

    settings = eval_settings(run.config)
    models = [spec for spec in run.models if spec != REFERENCE]
    configs = eval_configs(models, run.config.tasks, settings, dataset=dataset)
    out = run.out / "eval-outside" / Path(dataset).stem
    return run_eval(
        configs, out, run.options(settings.concurrency), baselines=settings.baselines, cot_budget=settings.cot_budget
    )


def bfcl_check(run: Run) -> dict[str, Any]:
    """Stage 5: general function calling must not break: the student before/after on BFCL entries."""
    from fcdpo.evals.run import run_bfcl_eval

    bf = BfclSettings(**run.config.bfcl)
    student = run.config.student
    return run_bfcl_eval(
        [student, f"{student}+{run.adapter}"], bf.categories, bf.limit, run.out / "eval", run.options(bf.concurrency)
    )


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
    (generate's call_format, without_examples and think_first) unless the eval: section says otherwise.
    """
    ev = {k: v for k, v in config.eval.items() if k not in ("models", "datasets")}
    ev["graph"] = config.graph
    for prompt_setting, default in (("call_format", "text"), ("without_examples", False), ("think_first", False)):
        ev.setdefault(prompt_setting, config.generate.get(prompt_setting, default))
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


def _with_base(path: Path, seen: tuple[Path, ...] = ()) -> Any:
    """A preset's YAML merged over the preset its `base:` names (recursively; a cycle is a one-line error)."""
    from fcdpo.training.train_config import load_yaml

    data = load_yaml(path)
    if not isinstance(data, dict) or "base" not in data:
        return data
    base = path.parent / str(data.pop("base"))
    if base.resolve() in seen or base.resolve() == path.resolve():
        raise UserError(f"{path}: base: {base} inherits from itself")
    if not base.is_file():
        raise UserError(f"{path}: base: {base}: no such preset")
    merged = _with_base(base, (*seen, path.resolve()))
    for key, value in data.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            inner = {**merged[key], **value}
            if key == "train":  # dpo: / lora: are merged field by field too
                inner = {s: {**(merged[key].get(s) or {}), **(value.get(s) or {})} for s in inner}
            merged[key] = inner
        else:
            merged[key] = value
    return merged


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
    """The settings every stage's output depends on: not `bfcl:`, `eval.datasets`, `eval.baselines` or
    `eval.cot_budget`, whose work runs after the chains and may be added to (or changed in) a finished run.
    """
    kept = {k: v for k, v in config.items() if k != "bfcl"}
    added_later = ("datasets", "baselines", "cot_budget")
    kept["eval"] = {k: v for k, v in (kept.get("eval") or {}).items() if k not in added_later}
    return kept
