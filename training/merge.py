"""`fcdpo merge RUN --out MODEL_DIR`: fold the LoRA adapter into the base weights.

The result is a plain transformers checkpoint with its tokenizer, loadable as `hf:MODEL_DIR`
here and by OpenAI-compatible servers (vLLM, `transformers serve`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from fcdpo.errors import UserError
from fcdpo.models import local_weights
from fcdpo.models.merge import TRAIN_RECORD, merge_adapter


def run_merge(run: Path, out: Path) -> Path:
    """Merge `RUN/adapter` into the student it was trained on and save to `out`."""
    config_file, adapter = run / "config.yaml", run / "adapter"
    if not config_file.is_file() or not (adapter / "adapter_config.json").is_file():
        raise UserError(f"{run}: not a finished `fcdpo train` run (needs config.yaml and adapter/)")
    student = yaml.safe_load(config_file.read_text())["student"]
    path, _ = local_weights(student)
    merge_adapter(path, adapter, out)
    shutil.copyfile(config_file, out / TRAIN_RECORD)  # provenance: what the merged model was trained on
    return out
