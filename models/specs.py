"""Model specs and `load_chat_model`: one string names a model everywhere.

- `smollm2-135m`, `qwen2.5-coder-0.5b`, `qwen2.5-coder-1.5b`: packaged (pulled on first use);
- `hf:PATH_OR_ID`: any transformers causal LM on disk (or on a hub where one is reachable);
- `openai:MODEL`: an OpenAI-compatible server via langchain-openai
  (base URL from `base_url` / `OPENAI_BASE_URL`, key from `OPENAI_API_KEY`);
- `SPEC+ADAPTER_DIR`: a PEFT LoRA adapter on top of a local model;
- `SPEC@llamacpp` (e.g. `qwen2.5-coder-0.5b@llamacpp+ADAPTER_DIR`): generate with llama.cpp on the
  GGUF weights (a packaged model, or `hf:FILE.gguf`) instead of transformers — faster decoding,
  less memory; training always uses transformers. The spec, backend included, names the
  model in every result, so tables never mix backends unnoticed;
- `reference`: no model — the task's own solver writes the gold chain of each generated problem
  (a perfect teacher, see `fcdpo.models.reference`; generate, eval and pipeline only);
- `scripted`: no model — the task's scripted policy, a fixed program that drives the tools from the
  question alone (a baseline a tuned student should beat; tasks that declare one);
- `FILE.py:NAME`: no model — your own program: `NAME(problem)` returns the chat model that answers that
  problem, e.g. one replaying a demonstration in your graph's tools from the problem's labels (gold
  demonstrations as the teacher of `--graph`; generate, eval and pipeline only).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models import BaseChatModel

from fcdpo.errors import UserError
from fcdpo.models.registry import MODELS, gguf_path, pull

DEFAULT_MODEL = "qwen2.5-coder-0.5b"
REFERENCE = "reference"
SOLVERS = (REFERENCE, "scripted")  # specs that are a task's own program, not a model
PROGRAM = re.compile(r"\S+\.py:\w+")  # FILE.py:NAME, the user's own solver
BACKENDS = ("transformers", "llamacpp")


@dataclass(frozen=True)
class ModelSpec:
    """A parsed model spec."""

    kind: str  # "packaged", "hf", "openai" or "solver" (`reference`, `scripted`, `FILE.py:NAME`)
    target: str  # packaged name, path / hub id, or served model name
    adapter: str | None = None
    backend: str = "transformers"


def parse_spec(spec: str) -> ModelSpec:
    """Parse and validate a spec string; a UserError names what is wrong."""
    spec = (spec or "").strip()
    base, _, adapter = spec.partition("+")
    adapter = adapter.strip() or None
    if adapter is not None and not (Path(adapter) / "adapter_config.json").is_file():
        raise UserError(f"model spec {spec!r}: adapter dir {adapter!r} has no adapter_config.json")
    if base in SOLVERS or PROGRAM.fullmatch(base):
        if adapter:
            raise UserError(f"model spec {spec!r}: the {base} solver takes no adapter")
        return ModelSpec("solver", base)
    if base.startswith("openai:"):
        if adapter:
            raise UserError(f"model spec {spec!r}: adapters need a local model, not an openai: server")
        if not base[7:]:
            raise UserError("model spec 'openai:' needs a model name, e.g. openai:gpt-4o-mini")
        return ModelSpec("openai", base[7:])
    base, at, backend = base.rpartition("@") if "@" in base else (base, "", "transformers")
    if at and backend not in BACKENDS:
        raise UserError(f"model spec {spec!r}: unknown backend {backend!r}; use {' or '.join(BACKENDS)}")
    if base.startswith("hf:"):
        if not base[3:]:
            raise UserError("model spec 'hf:' needs a path or hub id, e.g. hf:runs/merged")
        if backend == "llamacpp" and not base.endswith(".gguf"):
            raise UserError(f"model spec {spec!r}: llama.cpp reads GGUF weights: use a packaged name or hf:FILE.gguf")
        return ModelSpec("hf", base[3:], adapter, backend)
    if base in MODELS:
        return ModelSpec("packaged", base, adapter, backend)
    raise UserError(
        f"unknown model spec {spec!r}; use a packaged name ({', '.join(MODELS)}), hf:PATH_OR_ID, openai:MODEL, "
        "SPEC+ADAPTER_DIR, reference, scripted or FILE.py:NAME"
    )


def local_weights(spec: str) -> tuple[str, str | None]:
    """(model path or hub id, adapter dir or None) of a local spec; packaged weights are pulled."""
    parsed = parse_spec(spec)
    if parsed.kind in ("openai", "solver"):
        raise UserError(
            f"model spec {spec!r}: needs local weights (a packaged name or hf:PATH), not an openai: server or a "
            "task's solver"
        )
    path = str(pull(parsed.target)) if parsed.kind == "packaged" else parsed.target
    return path, str(Path(parsed.adapter).resolve()) if parsed.adapter else None


def gguf_weights(spec: str) -> str:
    """The GGUF file a `@llamacpp` spec decodes: a packaged model's (pulled if needed) or `hf:FILE.gguf`."""
    parsed = parse_spec(spec)
    if parsed.kind == "packaged":
        pull(parsed.target)
        return str(gguf_path(parsed.target))
    if not Path(parsed.target).is_file():
        raise UserError(f"model spec {spec!r}: no such file {parsed.target!r}")
    return parsed.target


def load_chat_model(
    spec: str,
    *,
    temperature: float = 0.0,
    top_p: float = 1.0,
    max_new_tokens: int = 256,
    seed: int | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout: float = 120.0,
    max_retries: int = 2,
) -> BaseChatModel:
    """A LangChain chat model for `spec`; packaged weights are pulled on first use."""
    parsed = parse_spec(spec)
    if parsed.kind == "solver":
        raise UserError(
            f"model spec {spec!r} is a program that answers one problem at a time: use it with generate, eval "
            "or pipeline"
        )
    if parsed.kind == "openai":
        from langchain_openai import ChatOpenAI

        return ChatOpenAI(
            model=parsed.target,
            base_url=base_url or os.environ.get("OPENAI_BASE_URL"),
            api_key=api_key or os.environ.get("OPENAI_API_KEY") or "not-needed",
            temperature=temperature,
            top_p=top_p,
            max_completion_tokens=max_new_tokens,
            seed=seed,
            timeout=timeout,
            max_retries=max_retries,
        )
    from fcdpo.models.local_chat import LocalChatModel

    path, adapter = local_weights(spec)
    gguf_file = gguf_weights(spec) if parsed.backend == "llamacpp" else None
    if gguf_file and parsed.kind == "hf":
        path = None  # hf:FILE.gguf: its tokenizer is read from the GGUF itself
    return LocalChatModel(
        model_path=path,
        adapter=adapter,
        backend=parsed.backend,
        gguf_file=gguf_file,
        spec=spec,
        temperature=temperature,
        top_p=top_p,
        max_new_tokens=max_new_tokens,
        seed=seed,
    )
