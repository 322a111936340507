"""`fcdpo serve`: a model spec (e.g. a tuned student) behind an OpenAI-compatible API."""

from __future__ import annotations

from fcdpo.models import DEFAULT_MODEL


def add_parser(commands) -> None:
    """Add `fcdpo serve` to the subcommands."""
    serve = commands.add_parser(
        "serve", help="serve a model spec (e.g. a tuned student) over an OpenAI-compatible API"
    )
    serve.add_argument("--model", default=DEFAULT_MODEL, help=f"model spec (default: {DEFAULT_MODEL})")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.set_defaults(func=run)


def run(args) -> int:
    """Replace this process with the server."""
    from fcdpo.models.serve import serve

    serve(args.model, args.host, args.port)
    return 0
