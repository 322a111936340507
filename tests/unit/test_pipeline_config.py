"""`fcdpo pipeline` presets: mistakes stop with one line naming the file and the key; the shipped presets load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fcdpo.errors import UserError
from fcdpo.evals.pipeline_report import before_after
from fcdpo.graphs import Context, solve
from fcdpo.graphs.generate import GenerateConfig
from fcdpo.pipeline import PipelineConfig, claim_run_dir, eval_settings, export_pairs
from fcdpo.training.pairs import PairSettings
from fcdpo.types import Problem

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


SHIPPED = [
    *sorted(CONFIGS.glob("*.yaml")),
    *sorted((CONFIGS / "experiments").glob("*.yaml")),
    *sorted((CONFIGS.parent / "examples").rglob("pipeline*.yaml")),
]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_presets_build_every_stages_settings(path):
    """Loading checks a preset's keys; building each stage's settings checks its values too."""
    config = PipelineConfig.load(path)
    generate = {k: v for k, v in config.generate.items() if k != "concurrency"}
    chains = GenerateConfig(model=config.teacher, tasks=config.tasks, split="train", **generate)
    if config.negatives:
        negatives = {k: v for k, v in config.negatives.items() if k not in ("concurrency", "model")}
        student = config.negatives.get("model", config.student)
        GenerateConfig(model=student, tasks=config.tasks, **{**generate, **negatives})
    PairSettings(**{k: v for k, v in config.export.items() if k not in ("chosen_from", "rejected_from")})
    settings = eval_settings(config)
    # Every model is evaluated with the prompt the student was trained on.
    assert (settings.call_format, settings.without_examples) == (chains.call_format, chains.without_examples)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_presets_repeat_no_default(path):
    """A preset says only what it changes: a value equal to its setting's default is noise that can go stale."""
    from dataclasses import MISSING, fields

    from fcdpo.evals.run import EvalSettings
    from fcdpo.graphs.generate import RunOptions
    from fcdpo.training.train_config import DEFAULTS, read_yaml

    def defaults(*classes):
        return {f.name: f.default for cls in classes for f in fields(cls) if f.default is not MISSING}

    expected = {
        "generate": defaults(GenerateConfig, RunOptions),
        "negatives": defaults(GenerateConfig, RunOptions),
        "export": defaults(PairSettings),
        "eval": defaults(EvalSettings),
    }
    config = PipelineConfig.load(path)
    repeated = [
        f"{section}.{key}: {value!r}"
        for section, known in expected.items()
        for key, value in getattr(config, section).items()
        if key in known and known[key] == value
    ]
    trained = read_yaml(DEFAULTS)
    repeated += [
        f"train.{section}.{key}: {value!r}"
        for section, values in config.train.items()
        for key, value in values.items()
        if trained.get(section, {}).get(key, MISSING) == value
    ]
    assert not repeated, ", ".join(repeated)


def test_a_preset_inherits_its_base_and_says_only_what_changes(tmp_path):
    base = {
        "teacher": "reference",
        "student": "smollm2-135m",
        "tasks": ["logic"],
        "generate": {"problems": 60, "max_steps": 12},
        "train": {"dpo": {"max_steps": 40, "learning_rate": 2.0e-4}, "lora": {"r": 8}},
    }
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    (tmp_path / "more").mkdir()
    child = {"base": "../base.yaml", "student": "qwen2.5-coder-0.5b", "generate": {"problems": 10}}
    child["train"] = {"dpo": {"max_steps": 5}}
    (tmp_path / "more" / "child.yaml").write_text(yaml.safe_dump(child))
    config = PipelineConfig.load(tmp_path / "more" / "child.yaml")
    assert (config.teacher, config.student, config.tasks) == ("reference", "qwen2.5-coder-0.5b", ["logic"])
    assert config.generate == {"problems": 10, "max_steps": 12}
    assert config.train == {"dpo": {"max_steps": 5, "learning_rate": 2.0e-4}, "lora": {"r": 8}}
    (tmp_path / "loop.yaml").write_text("base: loop.yaml\nteacher: reference\nstudent: smollm2-135m\n")
    with pytest.raises(UserError, match="inherits from itself"):
        PipelineConfig.load(tmp_path / "loop.yaml")
    (tmp_path / "orphan.yaml").write_text("base: gone.yaml\n")
    with pytest.raises(UserError, match="orphan.yaml: base: .*gone.yaml: no such preset"):
        PipelineConfig.load(tmp_path / "orphan.yaml")


def test_pipeline_config_mistakes_name_file_and_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"teacher": "smollm2-135m", "student": "smollm2-135m", "generate": {"samplez": 3}}))
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "pipeline", "--config", str(bad)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"fcdpo: error: {bad}: unknown key generate.samplez")
    bad.write_text(
        yaml.safe_dump({"teacher": "smollm2-135m", "student": "smollm2-135m", "train": {"dpo": {"beta": "high"}}})
    )
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "pipeline", "--config", str(bad)], capture_output=True, text=True
    )
    assert result.returncode == 2 and "train: dpo.beta must be a number" in result.stderr


def test_bfcl_section_keys_are_checked(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"teacher": "smollm2-135m", "student": "smollm2-135m", "bfcl": {"limt": 3}}))
    with pytest.raises(UserError, match=r"unknown key bfcl\.limt"):
        PipelineConfig.load(bad)


def test_negatives_section_keys_and_model_are_checked(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({"teacher": "smollm2-135m", "student": "smollm2-135m", "negatives": {"sample": 2}}))
    with pytest.raises(UserError, match=r"unknown key negatives\.sample "):
        PipelineConfig.load(bad)
    bad.write_text(
        yaml.safe_dump({"teacher": "smollm2-135m", "student": "smollm2-135m", "negatives": {"model": "nosuch:thing"}})
    )
    with pytest.raises(UserError, match=rf"{bad}: negatives\.model: "):
        PipelineConfig.load(bad)


def test_eval_models_are_checked(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        yaml.safe_dump({"teacher": "reference", "student": "smollm2-135m", "eval": {"models": "qwen2.5-coder-1.5b"}})
    )
    with pytest.raises(UserError, match=r"eval\.models must be a list"):
        PipelineConfig.load(bad)
    bad.write_text(
        yaml.safe_dump(
            {"teacher": "reference", "student": "smollm2-135m", "eval": {"models": ["qwen2.5-coder-1.5b", "nosuch"]}}
        )
    )
    with pytest.raises(UserError, match=rf"{bad}: eval\.models: "):
        PipelineConfig.load(bad)


PRESET = {"teacher": "smollm2-135m", "student": "smollm2-135m", "generate": {"problems": 2}}


def claim(out, path, preset):
    """Write `preset` to `path` and claim the run dir `out` with it, as `fcdpo pipeline` does."""
    path.write_text(yaml.safe_dump(preset))
    claim_run_dir(out, PipelineConfig.load(path), path)


def test_run_dir_refuses_other_settings_but_takes_a_later_bfcl_section(tmp_path):
    path, out = tmp_path / "p.yaml", tmp_path / "run"
    claim(out, path, PRESET)
    claim(out, path, {**PRESET, "bfcl": {"limit": 5}})  # BFCL added after the run: no earlier output depends on it
    assert yaml.safe_load((out / "pipeline.yaml").read_text())["bfcl"] == {"limit": 5}
    # Baselines run after every model's chains: a run made without them takes them later.
    claim(out, path, {**PRESET, "eval": {"baselines": ["cot"], "cot_budget": 384}})
    with pytest.raises(UserError, match="started with a different config"):
        claim(out, path, {**PRESET, "eval": {"problems": 7}})
    with pytest.raises(UserError, match="started with a different config"):
        claim(out, path, {**PRESET, "generate": {"problems": 3}})


def test_run_dir_recorded_before_a_section_existed_is_still_resumable(tmp_path):
    path, out = tmp_path / "p.yaml", tmp_path / "run"
    claim(out, path, PRESET)
    record = yaml.safe_load((out / "pipeline.yaml").read_text())
    del record["negatives"]  # as written by an fcdpo without on-policy negatives
    (out / "pipeline.yaml").write_text(yaml.safe_dump(record))
    claim(out, path, PRESET)
    with pytest.raises(UserError, match="started with a different config"):
        claim(out, path, {**PRESET, "negatives": {"samples": 2}})


def test_headline_table_shows_change_interval_baselines_and_grounded_answers(tmp_path):
    config = PipelineConfig(teacher="T", student="S", tasks=["logic"], eval={"models": ["scripted"]})
    after = f"S+{tmp_path / 'train' / 'adapter'}"

    def figures(correct, grounded):
        return {
            "accuracy": correct / 40,
            "ci_low": 0.1,
            "ci_high": 0.5,
            "correct": correct,
            "correct_grounded": grounded,
            "majority_baseline": 0.5,
            "majority_truth": "false",
        }

    results = {
        "models": {
            "T": {"logic": figures(19, 1)},
            "scripted": {"logic": figures(40, 40)},
            "S": {"logic": figures(11, 0)},
            after: {"logic": figures(16, 1)},
        },
        "comparisons": [
            {
                "a": after,
                "b": "S",
                "task": "logic",
                "mcnemar_p": 0.383,
                "difference": -0.125,
                "difference_ci_low": -0.3,
                "difference_ci_high": 0.05,
            }
        ],
    }
    row = before_after(config, tmp_path, results).splitlines()[-1]
    # The comparison is stored as (after, before): the table turns it into after − before, interval included.
    assert row == (
        "| logic | 48% [10%, 50%], 1/19 grounded | `scripted` 100% [10%, 50%], 40/40 grounded "
        "| 28% [10%, 50%], 0/11 grounded | 40% [10%, 50%], 1/16 grounded "
        "| +12 pts (-5 to +30) | 0.383 | 50% (`false`) |"
    )


def test_eval_datasets_are_checked_and_may_be_added_to_a_finished_run(tmp_path):
    from fcdpo.pipeline import _resumable

    preset = tmp_path / "p.yaml"
    preset.write_text("teacher: reference\nstudent: smollm2-135m\neval:\n  datasets: [missing.jsonl]\n")
    with pytest.raises(UserError, match="eval.datasets: missing.jsonl: no such file"):
        PipelineConfig.load(preset)
    preset.write_text("teacher: reference\nstudent: smollm2-135m\neval:\n  datasets: outside.jsonl\n")
    with pytest.raises(UserError, match="eval.datasets must be a list"):
        PipelineConfig.load(preset)
    before = {"teacher": "T", "eval": {"problems": 20}, "bfcl": {}}
    assert _resumable(before) == _resumable({**before, "eval": {"problems": 20, "datasets": ["a.jsonl"]}})
    assert _resumable(before) != _resumable({**before, "eval": {"problems": 40}})


def test_sql_agent_presets_load_with_their_plugin_tasks():
    config = PipelineConfig.load(CONFIGS.parent / "examples" / "sql_agent" / "pipeline.yaml")
    assert config.tasks == ["examples/sql_agent/task.py:task"] and config.teacher == "qwen2.5-coder-1.5b"
    gold = PipelineConfig.load(CONFIGS.parent / "examples" / "sql_agent" / "pipeline-gold.yaml")
    assert gold.tasks == ["examples/sql_agent/task.py:task_new_templates"] and gold.teacher == "reference"


def test_export_chain_sources_are_checked(tmp_path):
    bad = tmp_path / "bad.yaml"
    preset = {"teacher": "smollm2-135m", "student": "smollm2-135m"}
    bad.write_text(yaml.safe_dump({**preset, "export": {"chosen_from": ["teacher"]}}))
    with pytest.raises(UserError, match=rf"{bad}: export\.chosen_from must be a list of generate and negatives"):
        PipelineConfig.load(bad)
    bad.write_text(yaml.safe_dump({**preset, "export": {"rejected_from": ["generate", "negatives"]}}))
    with pytest.raises(UserError, match="export.rejected_from names negatives, but there is no negatives: section"):
        PipelineConfig.load(bad)


def test_chosen_and_rejected_chains_come_from_the_stages_named(tmp_path, scripted):
    """By default the teacher's right chains are chosen against the student's wrong ones; chosen_from adds the
    student's right chains, rejected_from the teacher's wrong ones (here: a guess without a call).
    """
    problem = Problem("p1", "math", "What is 2 + 3?", "5")

    def write(stage: str, *chains: tuple[str, ...]) -> None:
        (tmp_path / stage).mkdir(exist_ok=True)
        traces = [solve(problem, Context(task="math", max_steps=4), model=scripted(*c)) for c in chains]
        (tmp_path / stage / "traces.jsonl").write_text("".join(json.dumps(t.to_dict()) + "\n" for t in traces))

    def pairs(**export) -> list[tuple[str, str]]:
        config = PipelineConfig(teacher="T", student="S", negatives={"samples": 2}, export=export)
        export_pairs(config, tmp_path)
        rows = [json.loads(line) for line in (tmp_path / "pairs" / "pairs.jsonl").read_text().splitlines()]
        return sorted((r["chosen"][0]["content"], r["rejected"][0]["content"]) for r in rows)

    write("generate", ("final_answer(answer=4)",))
    write("negatives", ("add(a=2, b=3)", "final_answer(answer=5)"), ("multiply(a=2, b=3)", "final_answer(answer=6)"))
    assert pairs() == []  # the teacher was never right
    assert pairs(chosen_from=["generate", "negatives"]) == [("add(a=2, b=3)", "multiply(a=2, b=3)")]
    assert pairs(chosen_from=["generate", "negatives"], rejected_from=["generate", "negatives"]) == [
        ("add(a=2, b=3)", "final_answer(answer=4)"),
        ("add(a=2, b=3)", "multiply(a=2, b=3)"),
    ]


def test_the_reference_teacher_runs_in_the_native_protocol_too(tmp_path):
    preset = tmp_path / "native.yaml"
    preset.write_text(
        yaml.safe_dump({"teacher": "reference", "student": "smollm2-135m", "generate": {"call_format": "native"}})
    )
    assert eval_settings(PipelineConfig.load(preset)).call_format == "native"


def test_models_are_evaluated_in_the_students_training_protocol_unless_told():
    native = {"teacher": "T", "student": "S", "generate": {"call_format": "native"}}
    assert eval_settings(PipelineConfig(**native)).call_format == "native"
    assert eval_settings(PipelineConfig(**native, eval={"call_format": "text"})).call_format == "text"
    assert eval_settings(PipelineConfig(teacher="T", student="S", eval={"problems": 5})).call_format == "text"


def test_models_are_evaluated_with_the_prompt_the_student_was_trained_on():
    bare = {"teacher": "T", "student": "S", "generate": {"without_examples": True}}
    assert eval_settings(PipelineConfig(**bare)).without_examples is True
    assert eval_settings(PipelineConfig(**bare, eval={"without_examples": False})).without_examples is False
    assert eval_settings(PipelineConfig(teacher="T", student="S")).without_examples is False
