"""`fcdpo serve --model SPEC [--port P]`: any local model spec behind an OpenAI-compatible chat API.

Agent apps in any language then swap teacher and student by base URL, tool calls included: the
app (`fcdpo.models.openai_api`) translates OpenAI `tools` / `tool_calls` to the call protocol the
student was trained on. The weights are loaded once, the way every other command loads them:
`BASE+ADAPTER` applies the LoRA in memory (no merged copy on disk), `SPEC@llamacpp` decodes the
GGUF with llama.cpp and the adapter converted to its format.

    fcdpo serve --model smollm2-135m+runs/s/adapter --port 8000
    # then: ChatOpenAI(base_url="http://127.0.0.1:8000/v1", api_key="none", model="smollm2-135m+runs/s/adapter")
"""

from __future__ import annotations

import sys

from fcdpo.errors import UserError
from fcdpo.models.openai_api import Protocol, create_app
from fcdpo.models.specs import load_chat_model, parse_spec


def serve(
    spec: str,
    host: str,
    port: int,
    call_format: str = "text",
    api_key: str | None = None,
    protocol: Protocol | None = None,
) -> None:
    """Load `spec` once and answer OpenAI chat requests on host:port until interrupted."""
    import uvicorn

    if parse_spec(spec).kind in ("openai", "solver"):
        raise UserError(f"--model {spec!r} is not a local model; serve a packaged, hf: or adapter spec")
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"fcdpo: warning: serving on {host} makes the model reachable from other machines"
            + ("" if api_key else "; set --api-key"),
            file=sys.stderr,
        )
    model = load_chat_model(spec)
    model._engine()  # load the weights now, not on the first request
    app = create_app(model, spec, call_format, api_key, protocol or Protocol())
    print(f"fcdpo: serving {spec} at http://{host}:{port}/v1 as model {spec!r}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
