"""Load a local transformers model and tokenizer once per process.

Loads are cached by (path, adapter): every chat model on the same weights shares one copy.
An adapter gets its own copy of the base, because PEFT injects LoRA layers into the
modules it wraps.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.models.batching import Batcher, GenerationRequest
from fcdpo.models.prefix_cache import PrefixCache

END_OF_TURN = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<end_of_turn>")


@dataclass
class LoadedModel:
    """A model ready to generate, with what generation needs alongside it."""

    model: object
    tokenizer: object
    stop_token_ids: list[int]
    renders_tools: bool
    prefix_cache: PrefixCache = field(default_factory=PrefixCache)
    batcher: Batcher = field(init=False)  # every generation on this copy goes through it

    def __post_init__(self):
        self.batcher = Batcher(self.model, self.stop_token_ids, self.prefix_cache)

    def complete(
        self,
        prompt: list[int],
        *,
        max_new_tokens: int,
        temperature: float,
        top_p: float,
        seed: int,
        reuse_prefix: bool = True,
        should_stop: Callable[[list[int]], bool] | None = None,
    ) -> tuple[list[int], str]:
        """Continue `prompt` through the micro-batcher; returns the new tokens and "stop" or "length"."""
        request = self.batcher.generate(
            GenerationRequest(
                prompt=prompt,
                max_new_tokens=max_new_tokens,
                temperature=temperature,
                top_p=top_p,
                seed=seed,
                reuse_prefix=reuse_prefix,
                should_stop=should_stop,
            )
        )
        return request.tokens, request.finish


_LOADING = threading.Lock()


def load_pretrained(path: str, adapter: str | None = None) -> LoadedModel:
    """Model (fp32 on CPU, bf16 on GPU) and tokenizer from a local dir or hub id, plus an optional LoRA adapter.

    Thread-safe: concurrent chains asking for the same model wait for one load (two
    simultaneous `from_pretrained` calls in one process break on meta tensors).
    """
    with _LOADING:
        return _load(path, adapter)


def release_models() -> None:
    """Drop every cached model so its memory can go back (e.g. the teacher before the student trains)."""
    import gc

    from fcdpo.models.llamacpp import release_llamacpp

    with _LOADING:
        _load.cache_clear()
    release_llamacpp()
    gc.collect()


@lru_cache(maxsize=4)
def _load(path: str, adapter: str | None) -> LoadedModel:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a cached local load takes seconds; its bar is noise in traces
    cuda = torch.cuda.is_available()
    try:
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForCausalLM.from_pretrained(path, dtype=torch.bfloat16 if cuda else torch.float32)
    except OSError as exc:
        raise UserError(f"cannot load model {path!r}: {str(exc).splitlines()[0]}") from None
    if adapter:
        from peft import PeftModel

        if not (Path(adapter) / "adapter_config.json").is_file():
            raise UserError(f"{adapter}: not a PEFT adapter dir (no adapter_config.json)")
        # Merged once at load: inference then runs plain linear layers, not base + two LoRA matmuls in each one
        # (the unmerged adapter made each decoded token ~15-25% slower on a CPU).
        model = PeftModel.from_pretrained(model, adapter).merge_and_unload()
    model.to("cuda" if cuda else "cpu").eval()
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return LoadedModel(model, tokenizer, stop_token_ids(tokenizer), renders_tools(tokenizer))


def stop_token_ids(tokenizer) -> list[int]:
    """The tokens that end a reply: end of sequence and the chat templates' end-of-turn markers."""
    vocab = tokenizer.get_vocab()
    stops = {tokenizer.eos_token_id, *(vocab[t] for t in END_OF_TURN if t in vocab)}
    return sorted(i for i in stops if i is not None)


def renders_tools(tokenizer) -> bool:
    """Whether the chat template shows `tools=` to the model (SmolLM2's silently drops them)."""
    probe = [{"role": "user", "content": "hi"}]
    tool = {
        "type": "function",
        "function": {
            "name": "zz_probe_fn",
            "description": "probe",
            "parameters": {"type": "object", "properties": {}},
        },
    }
    try:
        text = tokenizer.apply_chat_template(probe, tools=[tool], tokenize=False, add_generation_prompt=True)
    except Exception:  # a template that rejects tools does not render them
        return False
    return "zz_probe_fn" in text


def renders_tool_calls(tokenizer) -> bool:
    """Whether the chat template writes an assistant turn's `tool_calls` (SmolLM2's renders an empty turn)."""
    call = {"type": "function", "function": {"name": "zz_probe_fn", "arguments": {"zz_arg": 1}}}
    chat = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "", "tool_calls": [call]}]
    try:
        text = tokenizer.apply_chat_template(chat, tokenize=False)
    except Exception:  # a template that rejects tool calls does not render them
        return False
    return "zz_probe_fn" in text and "zz_arg" in text
