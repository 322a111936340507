"""Does an evaluation ask what a student was trained on? The run dirs record it.

A `BASE+RUN/adapter` spec points at `RUN/config.yaml`, a merged `hf:DIR` at
`DIR/fcdpo-train.yaml` (written by `fcdpo merge`); both name the pairs file the student saw.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from fcdpo.graphs.prompts import user_prompt
from fcdpo.models import parse_spec
from fcdpo.models.merge import TRAIN_RECORD
from fcdpo.types import Problem


def _normal(text: str) -> str:
    """Lower case, single spaces, without the sentence numbers a task may show (`logic-cite`)."""
    return re.sub(r"\s+", " ", re.sub(r"(?m)^\s*\d+\.\s", "", text)).strip().lower()


def training_record(spec: str) -> Path | None:
    """The `fcdpo train` record behind a model spec, if it has one."""
    parsed = parse_spec(spec)
    if parsed.adapter:
        candidate = Path(parsed.adapter).parent / "config.yaml"
    elif parsed.kind == "hf":
        candidate = Path(parsed.target) / TRAIN_RECORD
    else:
        return None
    return candidate if candidate.is_file() else None


def trained_questions(record: Path) -> set[str] | None:
    """Normalised questions of the pairs a run trained on; None when the pairs file is gone."""
    pairs = Path(yaml.safe_load(record.read_text()).get("pairs", ""))
    if not pairs.is_file():
        return None
    questions = set()
    prefix = user_prompt("").strip()
    with pairs.open(encoding="utf-8") as handle:
        for line in handle:
            for turn in json.loads(line)["prompt"]:
                if turn.get("role") == "user":
                    questions.add(_normal(str(turn.get("content", "")).strip().removeprefix(prefix)))
    return questions


def overlap(spec: str, problems: list[Problem]) -> tuple[list[str], str | None]:
    """Ids of `problems` the model behind `spec` was trained on, and a note when that cannot be known."""
    record = training_record(spec)
    if record is None:
        return [], None
    seen = trained_questions(record)
    if seen is None:
        return [], f"{spec}: cannot check for overlap, the pairs file named in {record} is gone"
    return [p.id for p in problems if _normal(p.question) in seen], None
