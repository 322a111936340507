"""`fcdpo serve`: a model spec (e.g. a tuned student) behind an OpenAI-compatible API with tool calls."""

from __future__ import annotations

import os

from fcdpo.commands.flags import setting_help
from fcdpo.graphs.context import CALL_FORMATS, ChainSettings
from fcdpo.models import DEFAULT_MODEL


def add_parser(commands) -> None:
    """Add `fcdpo serve` to the subcommands."""
    serve = commands.add_parser(
        "serve", help="serve a model spec (e.g. a tuned student) over an OpenAI-compatible API with tool calls"
    )
    serve.add_argument("--model", default=DEFAULT_MODEL, help=f"model spec (default: {DEFAULT_MODEL})")
    serve.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--call-format",
        choices=CALL_FORMATS,
        default="text",
        help=setting_help(ChainSettings, "call_format"),
    )
    serve.add_argument(
        "--task",
        help="the task the student was tuned on (math, logic, a plug-in): its worked chains join the tools "
        "in the prompt, so requests see the training prompt (text format only)",
    )
    serve.add_argument(
        "--api-key",
        default=os.environ.get("FCDPO_API_KEY"),
        help="require 'Authorization: Bearer KEY' on /v1/ requests (default: $FCDPO_API_KEY, else none)",
    )
    serve.set_defaults(func=run)


def run(args) -> int:
    """Serve until interrupted."""
    from fcdpo.models.openai_api import Protocol
    from fcdpo.models.serve import serve

    protocol = Protocol()
    if args.task:
        from fcdpo.graphs.prompts import worked_examples
        from fcdpo.tasks import get_task

        task = get_task(args.task)
        protocol = Protocol(kind=task.kind, examples=worked_examples(task))
    serve(args.model, args.host, args.port, call_format=args.call_format, api_key=args.api_key, protocol=protocol)
    return 0
