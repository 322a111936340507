"""`fcdpo serve` (transformers serve underneath) as a real OpenAI-compatible teacher: ChatOpenAI,
`solve` in both call formats and `generate` through it; a BASE+ADAPTER spec is merged and served.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_openai import ChatOpenAI

from tests.servers import free_port, wait_until_up

pytestmark = pytest.mark.slow


def start(spec: str, tmp_path: Path, health: str = "/health"):
    """`fcdpo serve` on a free port, up once `health` answers; (process, base URL, the model name it printed)."""
    port = free_port()
    log = (tmp_path / f"serve-{port}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "fcdpo.cli", "serve", "--model", spec, "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_until_up(process, f"http://127.0.0.1:{port}{health}", tmp_path / f"serve-{port}.log")
    name = next(
        line.split("as model ")[1].strip().strip("'")
        for line in (tmp_path / f"serve-{port}.log").read_text().splitlines()
        if "as model" in line
    )
    return process, f"http://127.0.0.1:{port}/v1", name


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)  # exec'd: this pid is the server itself
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def fcdpo(*args):
    result = subprocess.run([sys.executable, "-m", "fcdpo.cli", *args], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_served_model_is_a_teacher_for_solve_and_generate(tmp_path):
    process, url, name = start("smollm2-135m", tmp_path)
    try:
        reply = ChatOpenAI(
            base_url=url, api_key="none", model=name, max_retries=0, temperature=0, max_tokens=16
        ).invoke("What is 2+2?")
        assert isinstance(reply.content, str) and reply.content
        for call_format in ("text", "native"):
            trace = json.loads(
                fcdpo(
                    "solve",
                    "--model",
                    f"openai:{name}",
                    "--base-url",
                    url,
                    "--task",
                    "math",
                    "--sample",
                    "1",
                    "--max-steps",
                    "2",
                    "--call-format",
                    call_format,
                    "--json",
                )
                .strip()
                .splitlines()[-1]
            )
            assert trace["verdict"] in ("correct", "incorrect") and trace["steps"]
            assert trace["sampling"]["call_format"] == call_format
        fcdpo(
            "generate",
            "--teacher",
            f"openai:{name}",
            "--base-url",
            url,
            "--task",
            "logic",
            "--problems",
            "2",
            "--samples",
            "2",
            "--max-steps",
            "2",
            "--concurrency",
            "2",
            "--out",
            str(tmp_path / "gen"),
        )
        traces = [json.loads(line) for line in (tmp_path / "gen" / "traces.jsonl").read_text().splitlines()]
        assert len(traces) == 4 and all(t["status"] in ("finished", "unfinished") for t in traces)  # no failed chain
    finally:
        stop(process)


def small_adapter(tmp_path: Path) -> Path:
    """A LoRA on smollm2's q_proj, saved by PEFT."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from fcdpo.models import local_weights

    base, _ = local_weights("smollm2-135m")
    adapter = tmp_path / "adapter"
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32), LoraConfig(r=2, target_modules=["q_proj"])
    )
    model.save_pretrained(str(adapter))
    return adapter


def test_an_adapter_spec_is_merged_and_served(tmp_path):
    process, url, name = start(f"smollm2-135m+{small_adapter(tmp_path)}", tmp_path)
    try:
        assert "merged" in name and (Path(name) / "config.json").is_file()
        reply = ChatOpenAI(
            base_url=url, api_key="none", model=name, max_retries=0, temperature=0, max_tokens=8
        ).invoke("Hi")
        assert isinstance(reply.content, str)
    finally:
        stop(process)


def test_a_llamacpp_spec_with_an_adapter_is_served_by_llamacpp(tmp_path):
    spec = f"smollm2-135m@llamacpp+{small_adapter(tmp_path)}"
    process, url, name = start(spec, tmp_path, health="/v1/models")
    try:
        assert name == spec
        reply = ChatOpenAI(
            base_url=url, api_key="none", model=name, max_retries=0, temperature=0, max_tokens=8
        ).invoke("What is 2+2?")
        assert isinstance(reply.content, str) and reply.content
    finally:
        stop(process)
