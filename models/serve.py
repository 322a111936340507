"""`fcdpo serve --model SPEC [--port P]`: any model spec behind an OpenAI-compatible chat API.

Agent apps in any language then swap teacher and student by base URL. The server is
`transformers serve` on the model's local directory; a `BASE+ADAPTER` spec is merged once
into the cache first (servers load plain checkpoints), keyed by the adapter's contents.

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
from fcdpo.models.specs import local_weights, parse_spec


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


def serve(spec: str, host: str, port: int) -> None:
    """Replace this process with `transformers serve` on the spec's weights (so its pid is the server's)."""
    model_dir = servable_dir(spec)
    server = Path(sys.executable).parent / "transformers"
    print(f"fcdpo: serving {spec} at http://{host}:{port}/v1 as model {str(model_dir)!r}", file=sys.stderr, flush=True)
    os.execv(str(server), [str(server), "serve", str(model_dir), "--host", host, "--port", str(port)])
