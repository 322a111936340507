"""The llama.cpp backend (`SPEC@llamacpp`): GGUF weights decoded by llama-cpp-python.

Why: llama.cpp decodes the packaged 4-bit weights about 2.5× faster than the transformers path, which
dequantizes them to fp32, and holds a quarter of the memory; its prefill is not faster on every CPU,
so agent chains (mostly prefill) may not gain (measured in docs/performance.md).
What stays the same as the transformers path, so chains are comparable: the prompt is rendered
by the same Hugging Face chat template and tokenizer (the GGUF's vocabulary is the tokenizer's),
generation stops at the same end-of-turn tokens and text-level stops, and sampling is only
temperature and top-p (llama.cpp's own top-k, min-p and repeat penalty are switched off) with a
per-call seed. Greedy decoding at temperature 0.

One llama.cpp context serves one chain at a time (a lock): concurrent chains queue. Because the
calls of interleaved chains alternate on that one context, the KV cache of each call is kept as
a snapshot (`KVSnapshots`, an LRU of llama.cpp's per-sequence state) and the next call starts from
the snapshot sharing the longest prefix with its prompt — its own chain's history, or at least the
system prompt and examples — so a step prefills only what is new. On a CPU, prefill is the cost
of an agent step: its prompt is long and its reply short.
A LoRA adapter is converted once to llama.cpp's adapter format and applied natively
(`fcdpo.models.gguf_lora`). Training always uses transformers.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager

from fcdpo.errors import UserError

INSTALL_HINT = "the llama.cpp backend needs llama-cpp-python: pip install 'fcdpo[llamacpp]'"
_LOADING = threading.Lock()
_MODELS: dict[tuple[str, str | None, str | None], LlamaCppModel] = {}


class LlamaCppModel:
    """A llama.cpp context over one GGUF file (plus an optional LoRA), with the tokenizer of its chat template."""

    def __init__(self, gguf_file: str, tokenizer_dir: str | None, adapter: str | None):
        from transformers import AutoTokenizer

        from fcdpo.models.gguf_lora import gguf_adapter
        from fcdpo.models.loading import renders_tools, stop_token_ids

        if tokenizer_dir:
            self.tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir)
        else:
            self.tokenizer = AutoTokenizer.from_pretrained(os.path.dirname(gguf_file), gguf_file=gguf_file)
        self.llama = open_llama(
            gguf_file,
            lora_path=str(gguf_adapter(adapter, gguf_file)) if adapter else None,
            n_ctx=0,  # the model's own context length
        )
        self.stop_token_ids = set(stop_token_ids(self.tokenizer))
        self.renders_tools = renders_tools(self.tokenizer)
        self.lock = threading.Lock()
        self.snapshots = KVSnapshots()

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
        """Continue `prompt`; returns the new tokens (a final end-of-turn token included) and "stop" or "length"."""
        room = self.llama.n_ctx() - len(prompt)
        if room <= 0:
            raise UserError(f"prompt of {len(prompt)} tokens exceeds the model's context of {self.llama.n_ctx()}")
        tokens: list[int] = []
        finish = "length"
        with self.lock:
            if not reuse_prefix:
                self.llama.reset()
            else:
                self.snapshots.restore_best(self.llama, prompt)
            self.llama.set_seed(seed)
            for token in self.llama.generate(
                prompt, temp=temperature, top_p=top_p, top_k=0, min_p=0.0, typical_p=1.0, repeat_penalty=1.0
            ):
                tokens.append(token)
                if token in self.stop_token_ids or (should_stop and should_stop(tokens)):
                    finish = "stop"
                    break
                if len(tokens) >= min(max_new_tokens, room):
                    break
            if reuse_prefix:
                self.snapshots.save(self.llama)
        return tokens, finish


class KVSnapshots:
    """The KV cache of recent calls (llama.cpp's state of sequence 0), keyed by the tokens it holds; LRU."""

    def __init__(self, max_entries: int = 24, min_gain: int = 16):
        self.max_entries, self.min_gain = max_entries, min_gain
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self.restored = 0  # calls that started from a snapshot (the tests check snapshots are used)

    def save(self, llama) -> None:
        """Keep the context's current KV cache under the tokens it holds."""
        import llama_cpp

        key = tuple(llama.input_ids[: llama.n_tokens].tolist())
        if not key or key in self._states:
            if key:
                self._states.move_to_end(key)
            return
        size = llama_cpp.llama_state_seq_get_size(llama.ctx, 0)
        buffer = (ctypes.c_uint8 * size)()
        written = llama_cpp.llama_state_seq_get_data(llama.ctx, buffer, size, 0)
        self._states[key] = bytes(buffer[:written])
        while len(self._states) > self.max_entries:
            self._states.popitem(last=False)

    def restore_best(self, llama, prompt: list[int]) -> None:
        """Load the snapshot sharing the longest prefix with `prompt`, if it beats what the context holds."""
        import llama_cpp

        current = llama.longest_token_prefix(llama.input_ids[: llama.n_tokens].tolist(), prompt)
        best, best_len = None, current
        for key in self._states:
            length = llama.longest_token_prefix(key, prompt)
            if length > best_len:
                best, best_len = key, length
        if best is None or best_len - current < self.min_gain:
            return
        data = self._states[best]
        self._states.move_to_end(best)
        llama._ctx.kv_cache_clear()
        buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if llama_cpp.llama_state_seq_set_data(llama.ctx, buffer, len(data), 0) != len(data):
            llama.reset()  # could not restore: start from an empty cache rather than a wrong one
            return
        llama.input_ids[: len(best)] = best
        llama.n_tokens = len(best)
        llama._requires_eval = True  # logits are not part of the snapshot: a fully cached prompt replays a token
        self.restored += 1


def open_llama(gguf_file: str, **options):
    """A `llama_cpp.Llama` on `gguf_file` using every core, quiet, safe from the AMX crash below."""
    try:
        from llama_cpp import Llama
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    threads = len(os.sched_getaffinity(0))
    with _without_amx_repacking():
        return Llama(gguf_file, **{"n_threads": threads, "n_threads_batch": threads, "verbose": False, **options})


@contextmanager
def _without_amx_repacking():
    """Keep llama.cpp off its AMX weight-repacking buffers when the library was built with AMX.

    A llama-cpp-python 0.3.36 build with AMX (what a native build gives on an AMX CPU) repacked the
    weights and then crashed in the first decode (segmentation fault) on an AMX Xeon; its other
    extra buffers (the portable AVX2 repacking) are fine. `Llama()` has no switch for it, so the
    default model params it starts from are adjusted while it loads (under the loading lock).
    """
    import llama_cpp
    import llama_cpp.llama as module

    if "AMX_INT8 = 1" not in llama_cpp.llama_print_system_info().decode():
        yield
        return
    defaults = module.llama_cpp.llama_model_default_params

    def without_extra_buffers():
        params = defaults()
        params.use_extra_bufts = False
        return params

    module.llama_cpp.llama_model_default_params = without_extra_buffers
    try:
        yield
    finally:
        module.llama_cpp.llama_model_default_params = defaults


def load_llamacpp(gguf_file: str, tokenizer_dir: str | None, adapter: str | None) -> LlamaCppModel:
    """The llama.cpp model for these weights, loaded once per process (thread-safe)."""
    key = (gguf_file, tokenizer_dir, adapter)
    with _LOADING:
        if key not in _MODELS:
            _MODELS[key] = LlamaCppModel(*key)
        return _MODELS[key]


@atexit.register  # closed before interpreter teardown, where llama-cpp-python's own finalizer fails noisily
def release_llamacpp() -> None:
    """Close every loaded llama.cpp model."""
    with _LOADING:
        models = list(_MODELS.values())
        _MODELS.clear()
    for model in models:
        model.llama.close()
