"""`fcdpo eval` on the real smollm2-135m: problems written by others, two specs of one base
(greedy, so the same chains), results files and the BFCL check on a few entries.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
EXTERNAL = Path(__file__).resolve().parents[1] / "fixtures" / "external.jsonl"


def fcdpo(*args, timeout=900):
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", *args], capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_eval_on_a_dataset_written_by_others(tmp_path):
    result = fcdpo(
        "eval",
        "--model",
        "smollm2-135m",
        "--model",
        "hf:" + _checkpoint(),
        "--dataset",
        str(EXTERNAL),
        "--max-steps",
        "3",
        "--max-new-tokens",
        "48",
        "--out",
        str(tmp_path),
        "--json",
    )
    results = json.loads(result.stdout)
    figures = results["models"]["smollm2-135m"]
    assert set(figures) == {"logic", "math"} and figures["logic"]["problems"] == 2 and figures["math"]["problems"] == 2
    for task in ("logic", "math"):
        assert 0 <= figures[task]["ci_low"] <= figures[task]["accuracy"] <= figures[task]["ci_high"] <= 1
        assert 0 <= figures[task]["valid_call_rate"] <= 1 and figures[task]["mean_output_tokens"] > 0
    # The same weights under two specs, greedy: the same verdicts, so McNemar finds nothing.
    assert all(c["only_a"] == c["only_b"] == 0 and c["mcnemar_p"] == 1.0 for c in results["comparisons"])
    assert (tmp_path / "accuracy.png").stat().st_size > 0 and "| `smollm2-135m` | logic |" in (
        tmp_path / "results.md"
    ).read_text()


def test_bfcl_check_on_a_real_model(tmp_path):
    result = fcdpo(
        "eval",
        "--bfcl",
        "simple,multiple",
        "--limit",
        "2",
        "--model",
        "smollm2-135m",
        "--out",
        str(tmp_path),
        "--json",
    )
    results = json.loads(result.stdout)
    for category in ("simple", "multiple"):
        assert results["bfcl"]["smollm2-135m"][category]["problems"] == 2
    records = [json.loads(line) for line in next((tmp_path / "bfcl").glob("*.jsonl")).read_text().splitlines()]
    assert len(records) == 4 and all(isinstance(r["reply"], str) and r["reply"] for r in records)


def _checkpoint() -> str:
    from fcdpo.models.registry import checkpoint_dir

    return str(checkpoint_dir("smollm2-135m"))


def test_cot_baseline_beside_the_chains_with_a_real_model(tmp_path):
    """Two problems per task: the same model through the graph and with plain chain-of-thought, side by side."""
    result = fcdpo("eval", "--model", "smollm2-135m", "--task", "math,logic", "--problems", "2", "--max-steps", "3",
                   "--max-new-tokens", "48", "--baseline", "cot", "--out", str(tmp_path), "--json")  # fmt: skip
    results = json.loads(result.stdout)
    for task in ("math", "logic"):
        cot = results["cot"]["smollm2-135m"][task]
        assert cot["problems"] == 2 and cot["token_budget"] >= 256 and 0 < cot["mean_output_tokens"] <= 256
    records = [json.loads(line) for f in (tmp_path / "cot").glob("*.jsonl") for line in f.read_text().splitlines()]
    assert len(records) == 4 and all(r["reply"] for r in records)
    assert "no tools (CoT)" in (tmp_path / "results.md").read_text()
