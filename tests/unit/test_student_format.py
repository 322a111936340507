"""Native-format pairs (here from a stock agent run by `--graph`) as each packaged template can show them: kept as
`tool_calls` where the template renders them (Qwen2.5), as call text with the tools described in the system turn
where it does not (SmolLM2) — the prompt the local chat model gives that student — and in both the loss mask holds
the calls and leaves the tool results out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fcdpo.graphs.generate import GenerateConfig, RunOptions, run_generate
from fcdpo.models.local_chat import with_tools_described
from fcdpo.models.registry import checkpoint_dir
from fcdpo.training.assistant_loss import assistant_token_mask
from fcdpo.training.export import load_pairs, run_export
from fcdpo.training.student_format import in_student_format
from tests.fake_openai import FakeOpenAI, native_adder, sum_problems

AGENT = Path(__file__).resolve().parents[1] / "fixtures" / "calculator_agent.py"


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    base = tmp_path_factory.mktemp("graph")
    (base / "sums.jsonl").write_text("".join(json.dumps(r) + "\n" for r in sum_problems(2)))
    config = GenerateConfig(
        model="openai:fake", tasks=["math"], problems=2, samples=4, dataset=str(base / "sums.jsonl"),
        graph=f"{AGENT}:make_agent",
    )  # fmt: skip
    with FakeOpenAI(native_adder) as server:
        run_generate(config, base / "t", RunOptions(base_url=server.url, timeout=5, progress=False))
    run_export([base / "t"], base / "p", mode="chain")
    return load_pairs(base / "p" / "pairs.jsonl")


def tokenizer(name: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(checkpoint_dir(name)))


def scored(tok, row) -> str:
    tools = json.loads(row["tools"]) or None
    full = tok.apply_chat_template(row["prompt"] + row["chosen"], tools=tools, tokenize=True, return_dict=True)
    mask = assistant_token_mask(tok, row["prompt"], row["chosen"], tools)
    return tok.decode([t for t, m in zip(full["input_ids"], mask, strict=True) if m])


def test_a_template_that_renders_tool_calls_trains_on_them_unchanged(pairs):
    tok = tokenizer("qwen2.5-coder-0.5b")
    assert in_student_format(pairs, tok) is pairs
    text = scored(tok, pairs[0])
    assert '"name": "add"' in text and "The sum is" in text and "<tool_response>" not in text


def test_a_template_without_tool_calls_trains_on_call_text_with_the_tools_described(pairs):
    tok = tokenizer("smollm2-135m")
    row, original = in_student_format(pairs, tok)[0], pairs[0]
    tools = json.loads(original["tools"])
    assert row["tools"] == "[]" and row["prompt"] == with_tools_described(original["prompt"], tools)
    assert row["prompt"][0]["content"].startswith("You are a careful calculator")  # the graph's prompt, then tools
    call = row["chosen"][0]
    assert call["content"] == "add(a={a}, b={b})".format(
        **original["chosen"][0]["tool_calls"][0]["function"]["arguments"]
    )
    text = scored(tok, row)
    assert call["content"] in text and "The sum is" in text
    result = row["chosen"][1]["content"]
    assert row["chosen"][1]["role"] == "tool" and result not in text.replace(call["content"], "")
