"""The llama.cpp backend on real packaged models: the graph on both tasks, greedy and seeded determinism,
a LoRA adapter that moves llama.cpp's next-token logits the way it moves transformers', and one trained by
`fcdpo train` that changes both backends' replies alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from langchain_core.messages import HumanMessage

from fcdpo.models import load_chat_model

pytestmark = pytest.mark.slow
SMOL = "smollm2-135m@llamacpp"


def fcdpo(*args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "fcdpo.cli", *args], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("task", ["math", "logic"])
def test_solve_runs_the_graph_on_llamacpp(task):
    out = fcdpo("solve", "--model", SMOL, "--task", task, "--sample", "1", "--max-steps", "3", "--json")
    trace = json.loads(out.strip().splitlines()[-1])
    assert trace["model"] == SMOL
    assert trace["steps"] and trace["status"] in ("finished", "unfinished")
    assert trace["steps"][0]["text"]  # the model wrote something, parsed or not


def test_greedy_is_deterministic_and_sampling_follows_the_seed():
    prompt = [HumanMessage("Name three colours of the rainbow.")]
    greedy = load_chat_model(SMOL, max_new_tokens=24)
    assert greedy.invoke(prompt).content == greedy.invoke(prompt).content
    replies = {
        seed: [
            load_chat_model(SMOL, temperature=1.0, max_new_tokens=24, seed=seed).invoke(prompt).content for _ in "ab"
        ]
        for seed in (1, 2)
    }
    assert replies[1][0] == replies[1][1] and replies[2][0] == replies[2][1]
    assert replies[1][0] != replies[2][0]


@pytest.mark.parametrize(
    "question", ["What is the capital of France? Answer in one word.", "Name three colours of the rainbow."]
)
def test_greedy_replies_match_transformers_token_for_token(question):
    """On short prompts the two backends' greedy replies agree whole (16 tokens; measured equal on this CPU)."""
    prompt = [HumanMessage(question)]
    fast = load_chat_model(SMOL, max_new_tokens=16).invoke(prompt).content
    reference = load_chat_model("smollm2-135m", max_new_tokens=16).invoke(prompt).content
    assert fast == reference and len(reference.split()) >= 5


def _scaled_adapter(tmp_path: Path, scale: float) -> Path:
    """A LoRA on every linear layer of smollm2 (random A and B, alpha/r = `scale`): at 1.0 its effect on the
    logits is far above the numerical differences between the two backends.
    """
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from fcdpo.models import local_weights

    torch.manual_seed(0)
    base, _ = local_weights("smollm2-135m")
    model = get_peft_model(
        AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32),
        LoraConfig(r=4, lora_alpha=4 * scale, target_modules="all-linear", init_lora_weights=False),
    )
    adapter = tmp_path / "adapter"
    model.save_pretrained(str(adapter))
    return adapter


def test_an_adapter_moves_llamacpp_logits_like_transformers_logits(tmp_path):
    """Rows of q/k must be permuted for llama's GGUF layout; a wrong map or permutation breaks the agreement."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from fcdpo.models import local_weights
    from fcdpo.models.gguf_lora import gguf_adapter
    from fcdpo.models.llamacpp import open_llama
    from fcdpo.models.registry import gguf_path

    adapter = _scaled_adapter(tmp_path, 1.0)
    base, _ = local_weights("smollm2-135m")
    tokens = AutoTokenizer.from_pretrained(base)("The cat sat on the mat because it was")["input_ids"]

    def hf_logits(with_adapter: bool) -> np.ndarray:
        model = AutoModelForCausalLM.from_pretrained(base, dtype=torch.float32)
        if with_adapter:
            model = PeftModel.from_pretrained(model, str(adapter))
        with torch.no_grad():
            return model(torch.tensor([tokens])).logits[0, -1].numpy()

    def cpp_logits(lora: str | None) -> np.ndarray:
        llm = open_llama(str(gguf_path("smollm2-135m")), lora_path=lora, n_ctx=256, logits_all=True)
        llm.eval(tokens)
        return np.array(llm.scores[llm.n_tokens - 1])

    hf_delta = hf_logits(True) - hf_logits(False)
    cpp_delta = cpp_logits(str(gguf_adapter(str(adapter), str(gguf_path("smollm2-135m"))))) - cpp_logits(None)
    assert np.abs(hf_delta).max() > 1.0  # the adapter does change the prediction
    assert np.corrcoef(hf_delta, cpp_delta)[0, 1] > 0.95  # 0.98 measured; 0.84 without the q/k permutation


def test_an_adapter_from_fcdpo_train_teaches_both_backends_the_same_call(tmp_path):
    """A real `fcdpo train` run, on pairs whose chosen first steps are calls, turns the base's prose into a
    call on transformers and on llama.cpp alike (10 steps at lr 1e-3: the 3-step adapter of the training
    tests moves the logits less than the two backends differ, so it cannot tell a conversion error).
    """
    from fcdpo.graphs import Context, solve
    from fcdpo.types import Problem
    from tests.scripted import small_pairs

    run = tmp_path / "run"
    pairs = small_pairs(tmp_path, "step")
    fcdpo("train", "--student", "smollm2-135m", "--pairs", str(pairs), "--out", str(run), "--max-steps", "10",
          "--lr", "1e-3", "--batch-size", "1", "--grad-accum", "1")  # fmt: skip
    problem = Problem("p1", "math", "A pen costs $3. How much do 4 pens cost?", "12")

    def first_call(spec: str):
        return solve(problem, Context(model=spec, task="math", max_steps=1)).steps[0].call

    assert first_call("smollm2-135m") is None and first_call(SMOL) is None  # the base answers in prose
    on_transformers = first_call(f"smollm2-135m+{run / 'adapter'}")
    on_llamacpp = first_call(f"{SMOL}+{run / 'adapter'}")
    assert on_transformers is not None and on_llamacpp == on_transformers  # the same function, the same arguments


def test_a_step_after_another_chain_restores_its_kv_snapshot_exactly():
    """A chain's second step gives the same tokens whether its KV stayed in the context or another chain's call
    came between (evicting it) and the step started from the snapshot.
    """
    from fcdpo.models.llamacpp import LlamaCppModel
    from fcdpo.models.registry import checkpoint_dir, gguf_path

    model = LlamaCppModel(str(gguf_path("smollm2-135m")), str(checkpoint_dir("smollm2-135m")), None)
    encode = model.tokenizer.encode
    first = encode("Question: what is 12 times 7? Think step by step.\nAnswer:")
    other = encode("Write a list of five fruits, one per line:")

    def step(prompt):
        return model.complete(prompt, max_new_tokens=24, temperature=0.0, top_p=1.0, seed=0)[0]

    def second_step(interrupted: bool) -> list[int]:
        model.llama.reset()
        reply = step(first)
        if interrupted:
            step(other)  # another chain's call: the context now holds its KV, not this chain's
        return step(first + reply + encode("\nResult: 84\nSo the answer is"))

    restored = model.snapshots.restored
    assert second_step(interrupted=True) == second_step(interrupted=False)
    assert model.snapshots.restored > restored
