"""`fcdpo train` under `accelerate launch` (single process on CPU, with the shipped config)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def test_train_runs_under_accelerate_launch(tmp_path, small_pairs):
    pairs = small_pairs("step")
    accelerate = Path(sys.executable).parent / "accelerate"
    result = subprocess.run(
        [
            str(accelerate),
            "launch",
            "--config_file",
            str(ROOT / "configs" / "accelerate" / "cpu.yaml"),
            "-m",
            "fcdpo.cli",
            "train",
            "--student",
            "smollm2-135m",
            "--pairs",
            str(pairs),
            "--out",
            str(tmp_path / "run"),
            "--max-steps",
            "2",
            "--batch-size",
            "1",
            "--grad-accum",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "2 steps" in result.stdout
    assert (tmp_path / "run" / "adapter" / "adapter_config.json").is_file()
    steps = [json.loads(line)["step"] for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2]
