"""`fcdpo serve` on real weights: a teacher for `solve` (both call formats) and `generate`; a tuned
student (BASE+ADAPTER, on transformers and on llama.cpp) returning OpenAI tool calls to ChatOpenAI,
plain and streamed; a stock LangGraph agent running on it by URL.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

from tests.servers import free_port, wait_until_up
from tests.unit.test_openai_api import prebuilt_agent


@tool
def multiply(a: float, b: float) -> float:
    """Multiply two numbers."""
    return a * b


pytestmark = pytest.mark.slow


def start(spec: str, tmp_path: Path, *options: str):
    """`fcdpo serve` on a free port, up once /health answers; (process, base URL, the model name it printed)."""
    port = free_port()
    log = (tmp_path / f"serve-{port}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "fcdpo.cli", "serve", "--model", spec, "--port", str(port), *options],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_until_up(process, f"http://127.0.0.1:{port}/health", tmp_path / f"serve-{port}.log")
    name = next(
        line.split("as model ")[1].strip().strip("'")
        for line in (tmp_path / f"serve-{port}.log").read_text().splitlines()
        if "as model" in line
    )
    return process, f"http://127.0.0.1:{port}/v1", name


def stop(process) -> None:
    process.send_signal(signal.SIGTERM)
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
            "--model",
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


def small_adapter(tmp_path: Path, base: str = "smollm2-135m") -> Path:
    """A LoRA on the base's q_proj, saved by PEFT (B starts at zero: it does not change the replies)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from fcdpo.models import local_weights

    path, _ = local_weights(base)
    adapter = tmp_path / f"adapter-{base}"
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32), LoraConfig(r=2, target_modules=["q_proj"])
    )
    model.save_pretrained(str(adapter))
    return adapter


# A base model that follows the call protocol when shown a task's worked chains; smollm2-135m mostly does not.
STUDENT = "qwen2.5-coder-0.5b"
QUESTION = "A pen costs $3. How much do 4 pens cost?"


def test_a_tuned_student_returns_tool_calls_to_chat_openai_and_runs_a_stock_agent(tmp_path):
    spec = f"{STUDENT}+{small_adapter(tmp_path, STUDENT)}"
    process, url, name = start(spec, tmp_path, "--task", "math")
    try:
        assert name == spec
        llm = ChatOpenAI(base_url=url, api_key="none", model=name, max_retries=0, temperature=0, max_tokens=48)
        reply = llm.bind_tools([multiply]).invoke(QUESTION)
        assert [(c["name"], sorted(c["args"].values())) for c in reply.tool_calls] == [("multiply", [3, 4])], reply
        streamed = list(llm.bind_tools([multiply]).stream(QUESTION))
        merged = streamed[0]
        for chunk in streamed[1:]:
            merged += chunk
        assert [(c["name"], c["args"]) for c in merged.tool_calls] == [
            (c["name"], c["args"]) for c in reply.tool_calls
        ]

        outcome = prebuilt_agent().run_agent(QUESTION, url, name, "math", 4)
        executed = [m for m in outcome["messages"] if isinstance(m, ToolMessage) and m.status != "error"]
        assert executed, outcome["messages"]  # the student's calls reached the agent's tools and ran
        assert outcome["finished"] == (executed[-1].name == "final_answer")
    finally:
        stop(process)


def test_a_llamacpp_spec_with_an_adapter_is_served_with_tool_calls(tmp_path):
    spec = f"{STUDENT}@llamacpp+{small_adapter(tmp_path, STUDENT)}"
    process, url, name = start(spec, tmp_path, "--task", "math")
    try:
        assert name == spec
        llm = ChatOpenAI(base_url=url, api_key="none", model=name, max_retries=0, temperature=0, max_tokens=48)
        reply = llm.bind_tools([multiply]).invoke(QUESTION)
        assert [(c["name"], sorted(c["args"].values())) for c in reply.tool_calls] == [("multiply", [3, 4])], reply
    finally:
        stop(process)
