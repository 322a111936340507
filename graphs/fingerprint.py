"""What made a chain: a fingerprint of the prompt, the call parser, the nodes and the tools, and the code version.

Chains made by different prompts or parsers are different experiments. A run dir records the
fingerprint of the code that wrote its chains, and a resumed run (generate, eval) refuses to add
chains made by other code, so one table never mixes them.
"""

from __future__ import annotations

import hashlib
import inspect
import subprocess
from pathlib import Path

from fcdpo.graphs import nodes, prompts
from fcdpo.tasks import get_task, logic_cite, logic_lookup, logic_passage, logic_sentences
from fcdpo.tools import arithmetic, base, calculator, control, logic, numbers, protocol

CHAIN_CODE = (
    prompts,
    protocol,
    nodes,
    base,
    control,
    arithmetic,
    calculator,
    logic,
    numbers,
    logic_cite,
    logic_lookup,
    logic_passage,
    logic_sentences,
)


def chain_fingerprint(tasks: list[str]) -> str:
    """16 hex digits of sha256 over each task's system prompt (protocol, functions, examples) and the source of
    the modules that parse and run calls; the same code and tasks always give the same fingerprint.
    """
    digest = hashlib.sha256()
    for name in sorted(set(tasks)):
        for call_format in ("text", "native"):
            digest.update(prompts.system_prompt(get_task(name), call_format).encode())
    for module in CHAIN_CODE:
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:16]


def code_version() -> dict[str, str | bool | None]:
    """The git commit of the fcdpo checkout (None outside one) and whether it had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None, "dirty": None}
    if commit.returncode != 0:
        return {"git_commit": None, "dirty": None}
    return {"git_commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
