"""Bench parts for the llama.cpp backend (`SPEC@llamacpp`): the same agent chains and prompts on each engine.

- `fast_chains`: tokens/s of concurrent agent chains through the graph, llama.cpp ÷ transformers (batched),
  and whether the two backends reach the same verdicts on those chains;
- `engines`: raw greedy decode on the same first-step agent prompts — llama.cpp single-stream,
  CTranslate2 int8 batched (when installed) and transformers batched.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor


def _jobs(chains: int, steps: int):
    from fcdpo.graphs import Context
    from fcdpo.tasks import get_task

    return [
        (problem, Context(task=task, max_steps=steps))
        for task in ("math", "logic")
        for problem in get_task(task).problems("test", chains // 2)
    ]


def _run_chains(spec: str, jobs, max_new_tokens: int = 48):
    from fcdpo.graphs import build_graph, solve
    from fcdpo.models import load_chat_model

    chat = load_chat_model(spec, max_new_tokens=max_new_tokens)
    compiled = build_graph(chat)
    chat.invoke("Hello")  # warm-up: load and first-call costs stay out of the timing
    started = time.perf_counter()
    with ThreadPoolExecutor(len(jobs)) as pool:
        traces = list(pool.map(lambda job: solve(*job, graph=compiled), jobs))
    seconds = time.perf_counter() - started
    return traces, seconds


def fast_chains(model: str, chains: int, steps: int) -> dict:
    """Agent-chain tokens/s on llama.cpp ÷ the transformers batched path: same chains, same concurrency."""
    from parts import peak_rss_mb  # this file's parts run through parts.py

    jobs = _jobs(chains, steps)
    figures, verdicts = {}, {}
    for name, spec in (("transformers", model), ("llamacpp", f"{model}@llamacpp")):
        traces, seconds = _run_chains(spec, jobs)
        tokens = sum(t.usage["output_tokens"] for t in traces)
        figures[f"{name}_s"], figures[f"{name}_tokens"] = round(seconds, 2), tokens
        figures[f"{name}_tokens_per_s"] = round(tokens / seconds, 2)
        verdicts[name] = [t.verdict for t in traces]
    same = sum(a == b for a, b in zip(verdicts["transformers"], verdicts["llamacpp"], strict=True))
    return {
        "chains": len(jobs),
        "max_steps": steps,
        **figures,
        "same_verdicts": f"{same}/{len(jobs)}",
        "fast_chain_speedup": round(figures["llamacpp_tokens_per_s"] / figures["transformers_tokens_per_s"], 2),
        "peak_rss_mb": peak_rss_mb(),
    }


def _first_prompts(model: str, count: int) -> list[list[int]]:
    """The first-step prompts (system prompt with functions and examples, then the problem) as token ids."""
    from langchain_core.messages import HumanMessage, SystemMessage
    from transformers import AutoTokenizer

    from fcdpo.graphs.prompts import system_prompt, user_prompt
    from fcdpo.models import local_weights
    from fcdpo.models.local_chat import to_chat_dicts
    from fcdpo.tasks import get_task

    tokenizer = AutoTokenizer.from_pretrained(local_weights(model)[0])
    prompts = []
    for task in ("math", "logic"):
        t = get_task(task)
        for problem in t.problems("test", count // 2):
            chat = to_chat_dicts(
                [SystemMessage(system_prompt(t)), HumanMessage(user_prompt(t.present(problem.question)))]
            )
            prompts.append(
                tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_dict=True)["input_ids"]
            )
    return prompts


def engines(model: str, prompts: int, new_tokens: int) -> dict:
    """Greedy decode of `new_tokens` on the same agent prompts: llama.cpp one at a time, CTranslate2 int8 and
    transformers batched. Tokens/s include each prompt's prefill, as an agent step does.
    """
    from parts import peak_rss_mb

    from fcdpo.models import local_weights
    from fcdpo.models.llamacpp import open_llama
    from fcdpo.models.registry import gguf_path

    batch = _first_prompts(model, prompts)
    figures: dict = {
        "prompts": len(batch),
        "new_tokens": new_tokens,
        "mean_prompt_tokens": sum(map(len, batch)) // len(batch),
    }

    llm = open_llama(str(gguf_path(model)), n_ctx=4096)
    started = time.perf_counter()
    produced = 0
    for prompt in batch:
        llm.reset()  # no prefix reuse across prompts: each pays its prefill, as in the other engines
        for produced_here, _ in enumerate(llm.generate(prompt, temp=0.0, top_k=0, min_p=0.0), start=1):
            if produced_here >= new_tokens:
                break
        produced += produced_here
    figures["llamacpp_single_tokens_per_s"] = round(produced / (time.perf_counter() - started), 2)
    figures["llamacpp_peak_rss_mb"] = peak_rss_mb()  # measured first, so nothing else is in this process yet
    llm.close()

    try:
        import ctranslate2
    except ImportError:
        figures["ctranslate2"] = "not installed"
    else:
        import tempfile

        from transformers import AutoTokenizer

        path = local_weights(model)[0]
        tokenizer = AutoTokenizer.from_pretrained(path)
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            ctranslate2.converters.TransformersConverter(path).convert(out, quantization="int8", force=True)
            figures["ctranslate2_convert_s"] = round(time.perf_counter() - started, 1)
            generator = ctranslate2.Generator(out, device="cpu", compute_type="int8")
            tokens = [tokenizer.convert_ids_to_tokens(p) for p in batch]
            started = time.perf_counter()
            results = generator.generate_batch(
                tokens, max_length=new_tokens, sampling_topk=1, include_prompt_in_result=False, end_token=[]
            )
            seconds = time.perf_counter() - started
            figures["ctranslate2_batched_tokens_per_s"] = round(
                sum(len(r.sequences_ids[0]) for r in results) / seconds, 2
            )

    import torch

    from fcdpo.models.loading import load_pretrained

    lm = load_pretrained(local_weights(model)[0], None)
    started = time.perf_counter()
    with ThreadPoolExecutor(len(batch)) as pool:
        outputs = list(
            pool.map(
                lambda p: lm.complete(
                    p, max_new_tokens=new_tokens, temperature=0.0, top_p=1.0, seed=0, should_stop=lambda t: False
                ),
                batch,
            )
        )
    figures["transformers_batched_tokens_per_s"] = round(
        sum(len(t) for t, _ in outputs) / (time.perf_counter() - started), 2
    )
    figures["torch_threads"] = torch.get_num_threads()
    return figures
