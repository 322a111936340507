"""`fcdpo serve --model SPEC [--port P]`: any model spec behind an OpenAI-compatible chat API.

Agent apps in any language then swap teacher and student by base URL. The server is
`transformers serve` on the model's local directory; a `BASE+ADAPTER` spec is merged once
into the cache first (servers load plain checkpoints), keyed by the adapter's contents.
A `SPEC@llamacpp` spec is served by llama-cpp-python's own OpenAI-compatible server on the GGUF
weights (chat template from the GGUF, the same one the tokenizer carries), with the adapter
converted once to llama.cpp's format and applied natively.

    fcdpo serve --model smollm2-135m+runs/s/adapter --port 8000
    # then: ChatOpenAI(base_url="http://127.0.0.1:8000/v1", api_key="none", model="<the printed name>")
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from fcdpo.errors import UserError
from fcdpo.models.registry import cache_dir
from fcdpo.models.specs import gguf_weights, local_weights, parse_spec


def servable_dir(spec: str) -> Path:
    """A plain checkpoint dir for `spec`: the model's own, or a cached merge of base + adapter."""
    if parse_spec(spec).kind == "openai":
        raise UserError(f"--model {spec!r} is already a server; serve a local model")
    path, adapter = local_weights(spec)
    if adapter is None:
        if not Path(path).is_dir():
            raise UserError(f"--model {spec!r}: serving needs weights on disk, not a hub id")
        return Path(path)
    digest = hashlib.sha256(str(path).encode())
    for file in sorted(Path(adapter).glob("adapter_*")):
        digest.update(file.read_bytes())
    target = cache_dir() / "merged" / digest.hexdigest()[:16]
    if not (target / "config.json").is_file():
        from fcdpo.models.merge import merge_adapter

        print(f"fcdpo: merging {adapter} into {path} for serving → {target}", file=sys.stderr)
        partial = target.with_name(target.name + ".partial")
        merge_adapter(path, adapter, partial)
        os.replace(partial, target)
    return target


def llamacpp_server_args(spec: str, host: str, port: int) -> list[str]:
    """The `python -m llama_cpp.server` command line serving a `SPEC@llamacpp` spec, adapter converted."""
    from fcdpo.models.gguf_lora import gguf_adapter
    from fcdpo.models.llamacpp import INSTALL_HINT

    try:
        import llama_cpp.server.app  # noqa: F401  (the server extra's modules)
    except ImportError:
        raise UserError(f"{INSTALL_HINT} (serving needs its server modules too)") from None
    parsed = parse_spec(spec)
    gguf = gguf_weights(spec)
    args = [sys.executable, "-m", "llama_cpp.server", "--model", gguf, "--model_alias", spec]
    if parsed.adapter:
        args += ["--lora_path", str(gguf_adapter(parsed.adapter, gguf))]
    threads = str(len(os.sched_getaffinity(0)))
    return [*args, "--n_ctx", "0", "--n_threads", threads, "--host", host, "--port", str(port), "--verbose", "false"]


def serve(spec: str, host: str, port: int) -> None:
    """Replace this process with the server for the spec's weights (so its pid is the server's)."""
    if parse_spec(spec).backend == "llamacpp":
        args = llamacpp_server_args(spec, host, port)
        print(f"fcdpo: serving {spec} at http://{host}:{port}/v1 as model {spec!r}", file=sys.stderr, flush=True)
        os.execv(args[0], args)
    model_dir = servable_dir(spec)
    server = Path(sys.executable).parent / "transformers"
    print(f"fcdpo: serving {spec} at http://{host}:{port}/v1 as model {str(model_dir)!r}", file=sys.stderr, flush=True)
    os.execv(str(server), [str(server), "serve", str(model_dir), "--host", host, "--port", str(port)])
