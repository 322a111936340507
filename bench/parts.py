"""Benchmark parts; each runs in its own process (so its peak RSS is its own) and prints one JSON line.

python bench/parts.py load MODEL
python bench/parts.py prefix MODEL STEPS
python bench/parts.py graph MODEL
python bench/parts.py batch MODEL CHAINS STEPS
python bench/parts.py dpo MODEL STEPS [ROUNDS]
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.scripted (the small pairs file)


def peak_rss_mb() -> float:
    """This process's peak resident memory."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load(model: str) -> dict:
    """GGUF dequantizing load vs the cached safetensors load, same weights."""
    import torch
    from transformers import AutoModelForCausalLM

    from fcdpo.models.registry import checkpoint_dir, gguf_path, pull

    pull(model)
    started = time.perf_counter()
    AutoModelForCausalLM.from_pretrained(gguf_path(model).parent, gguf_file=gguf_path(model).name, dtype=torch.float32)
    gguf_s = time.perf_counter() - started
    started = time.perf_counter()
    AutoModelForCausalLM.from_pretrained(checkpoint_dir(model), dtype=torch.float32)
    cached_s = time.perf_counter() - started
    return {
        "gguf_load_s": round(gguf_s, 2),
        "cached_load_s": round(cached_s, 2),
        "load_speedup": round(gguf_s / cached_s, 2),
    }


def _replay_conversation(steps: int):
    """A real logic problem's gold chain, as the growing conversation an agent sends step by step."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    from fcdpo.graphs.prompts import system_prompt, user_prompt
    from fcdpo.tasks import get_task
    from fcdpo.tasks.logic import solution_calls

    task = get_task("logic")
    problem = next(p for p in task.iter_problems("test") if len(solution_calls(p)) >= steps)
    messages = [SystemMessage(system_prompt(task)), HumanMessage(user_prompt(problem.question))]
    prompts = []
    for call, result in solution_calls(problem)[:steps]:
        prompts.append(list(messages))
        messages += [AIMessage(call), HumanMessage(f"Result: {result}")]
    return prompts


def prefix(model: str, steps: int) -> dict:
    """Wall time of an agent's `steps` model calls with KV prefix reuse ÷ without."""
    from fcdpo.models import load_chat_model

    prompts = _replay_conversation(steps)
    timings, tokens = {}, {}
    for reuse in (False, True):
        chat = load_chat_model(model, max_new_tokens=24)
        chat.reuse_prefix = reuse
        chat.invoke("Hello")  # warm-up: the load and first-call costs stay out of the timing
        started = time.perf_counter()
        outs = [chat.invoke(p, stop_after_call=["fact", "rule", "query", "final_answer", "think"]) for p in prompts]
        timings[reuse] = time.perf_counter() - started
        tokens[reuse] = sum(o.usage_metadata["input_tokens"] for o in outs)
    return {
        "steps": steps,
        "prompt_tokens": tokens[False],
        "without_reuse_s": round(timings[False], 2),
        "with_reuse_s": round(timings[True], 2),
        "prefix_reuse_ratio": round(timings[True] / timings[False], 3),
        "peak_rss_mb": peak_rss_mb(),
    }


def graph(model: str) -> dict:
    """(graph run time − time inside the model) ÷ time inside the model, over real chains."""
    from langchain_core.callbacks import BaseCallbackHandler

    from fcdpo.graphs import Context, build_graph, solve
    from fcdpo.models import load_chat_model
    from fcdpo.tasks import get_task

    class ModelTime(BaseCallbackHandler):
        def __init__(self):
            self.total, self._start = 0.0, {}

        def on_chat_model_start(self, serialized, messages, *, run_id, **kwargs):
            self._start[run_id] = time.perf_counter()

        def on_llm_end(self, response, *, run_id, **kwargs):
            self.total += time.perf_counter() - self._start.pop(run_id)

    timer = ModelTime()
    chat = load_chat_model(model, max_new_tokens=48)
    chat.callbacks = [timer]
    compiled = build_graph(chat)
    total = 0.0
    for task in ("math", "logic"):
        problem = get_task(task).problems("test", 1)[0]
        started = time.perf_counter()
        solve(problem, Context(task=task, max_steps=6), graph=compiled)
        total += time.perf_counter() - started
    return {
        "graph_s": round(total, 2),
        "model_s": round(timer.total, 2),
        "graph_overhead": round((total - timer.total) / timer.total, 4),
    }


def batch(model: str, chains: int, steps: int) -> dict:
    """Generated tokens/s of `chains` agent chains run concurrently ÷ the same chains one at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from fcdpo.graphs import Context, build_graph, solve
    from fcdpo.models import load_chat_model
    from fcdpo.models.loading import load_pretrained
    from fcdpo.tasks import get_task

    chat = load_chat_model(model, max_new_tokens=48)
    lm = load_pretrained(chat.model_path, None)
    compiled = build_graph(chat)
    jobs = [
        (problem, Context(task=task, max_steps=steps))
        for task in ("math", "logic")
        for problem in get_task(task).problems("test", chains // 2)
    ]
    chat.invoke("Hello")  # warm-up: the load and first-call costs stay out of the timing
    figures, outputs = {}, {}
    for mode, workers in (("single", 1), ("concurrent", len(jobs))):
        lm.prefix_cache.clear()  # neither run may start from the other's KV caches
        b = lm.batcher
        before = (b.steps, b.row_steps, b.prefill_s, b.decode_s)
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            traces = list(pool.map(lambda job: solve(*job, graph=compiled), jobs))
        seconds = time.perf_counter() - started
        tokens = sum(t.usage["output_tokens"] for t in traces)
        outputs[mode] = [[s.text for s in t.steps] for t in traces]
        figures[f"{mode}_s"], figures[f"{mode}_tokens"] = round(seconds, 2), tokens
        figures[f"{mode}_tokens_per_s"] = round(tokens / seconds, 2)
        steps_, rows, prefill_s, decode_s = (
            after - first for after, first in zip((b.steps, b.row_steps, b.prefill_s, b.decode_s), before, strict=True)
        )
        figures[f"{mode}_rows_per_forward"] = round(rows / max(1, steps_), 2)
        figures[f"{mode}_prefill_s"], figures[f"{mode}_decode_s"] = round(prefill_s, 2), round(decode_s, 2)
        figures[f"{mode}_decode_tokens_per_s"] = round(rows / decode_s, 2) if decode_s else 0.0
    # The same model on replies that run to the token budget: the ceiling batching reaches when
    # decoding, not prefilling, is the work (agent steps are short replies to long prompts).
    texts = [
        f"Write a short story about a {animal}." for animal in ("cat", "dog", "fox", "owl", "bee", "elk", "yak", "emu")
    ]
    free = load_chat_model(model, max_new_tokens=48)
    for mode, workers in (("single", 1), ("concurrent", len(texts))):
        lm.prefix_cache.clear()
        started = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            replies = list(pool.map(free.invoke, texts))
        seconds = time.perf_counter() - started
        figures[f"free_text_{mode}_tokens_per_s"] = round(
            sum(r.usage_metadata["output_tokens"] for r in replies) / seconds, 2
        )
    return {
        "chains": len(jobs),
        "max_steps": steps,
        **figures,
        "free_text_speedup": round(
            figures["free_text_concurrent_tokens_per_s"] / figures["free_text_single_tokens_per_s"], 2
        ),
        "same_chains": outputs["single"] == outputs["concurrent"],
        "batch_speedup": round(figures["concurrent_tokens_per_s"] / figures["single_tokens_per_s"], 2),
        "decode_only_speedup": round(
            figures["concurrent_decode_tokens_per_s"] / figures["single_decode_tokens_per_s"], 2
        ),
        "peak_rss_mb": peak_rss_mb(),
    }


def dpo(model: str, steps: int, rounds: int = 2) -> dict:
    """Step time of `fcdpo train` ÷ a plain TRL DPOTrainer script with the same config and pairs.

    And the same with --precompute-ref.
    """
    import torch
    from datasets import load_dataset
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import DPOTrainer

    from fcdpo.models import local_weights
    from fcdpo.training.train import run_train
    from fcdpo.training.train_config import build, resolve
    from tests.scripted import small_pairs

    work = Path(tempfile.mkdtemp(prefix="fcdpo-bench-"))
    pairs = small_pairs(work, "chain")
    settings = {
        "dpo": {
            "max_steps": steps,
            "per_device_train_batch_size": 1,
            "gradient_accumulation_steps": 1,
            "save_steps": 10_000,
        }
    }
    precompute = {"dpo": {**settings["dpo"], "precompute_ref_log_probs": True}}
    path, _ = local_weights(model)

    def plain_trl(out: Path) -> float:
        # The plain script: TRL as its docs show it, same settings, same file, no fcdpo code in the loop.
        dpo_config, lora_config = build(resolve(None, settings), out, cuda=False)
        trainer = DPOTrainer(
            model=AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32),
            args=dpo_config,
            train_dataset=load_dataset("json", data_files=str(pairs / "pairs.jsonl"), split="train"),
            processing_class=AutoTokenizer.from_pretrained(path),
            peft_config=lora_config,
        )
        return trainer.train().metrics["train_runtime"]

    plain_trl(work / "warm-up")  # one-time costs (first kernels, page cache) land on no measured run
    # Interleaved rounds, best of each: on a shared 2-core VM single runs vary by ~10%.
    times: dict[str, list[float]] = {"ours": [], "plain": [], "ours_pre": []}
    for round_ in range(rounds):
        times["ours"].append(run_train(model, pairs, work / f"ours-{round_}", None, settings)["train_runtime"])
        times["plain"].append(plain_trl(work / f"plain-{round_}"))
        times["ours_pre"].append(run_train(model, pairs, work / f"pre-{round_}", None, precompute)["train_runtime"])
    ours, plain, ours_pre = (min(times[k]) for k in ("ours", "plain", "ours_pre"))
    return {
        "steps": steps,
        "rounds": rounds,
        "ours_step_s": round(ours / steps, 2),
        "ours_precompute_step_s": round(ours_pre / steps, 2),
        "plain_trl_step_s": round(plain / steps, 2),
        "dpo_step_ratio": round(ours / plain, 3),
        "dpo_step_ratio_precompute": round(ours_pre / plain, 3),
        "precompute_saving": round(1 - ours_pre / ours, 3),
        "peak_rss_mb": peak_rss_mb(),
    }


if __name__ == "__main__":
    part, model, *rest = sys.argv[1:]
    from fast import engines, fast_chains

    parts = {"load": load, "prefix": prefix, "graph": graph, "batch": batch, "dpo": dpo}
    parts |= {"fast_chains": fast_chains, "engines": engines}
    result = parts[part](model, *map(int, rest))
    print(json.dumps({"part": part, "model": model, **result}))
