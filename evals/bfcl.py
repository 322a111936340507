"""BFCL regression check: does tuning leave general function calling intact?

Berkeley Function Calling Leaderboard v4 data ships in the `bfcl-eval` package (installed
with `--no-deps`; `make install` does it). Each entry's functions are shown to the model
through our text protocol (signature and description, one call per reply), the first call
of its reply is parsed by the graph's parser, and BFCL's own AST checker judges it.

    fcdpo eval --bfcl simple,multiple --limit 50 --model smollm2-135m --model smollm2-135m+runs/s/adapter
"""

from __future__ import annotations

import json
import sys
import types
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage
from tqdm import tqdm

from fcdpo.errors import UserError
from fcdpo.tools.base import Signature
from fcdpo.tools.protocol import Call, parse_call

CATEGORIES = {"simple": "simple_python", "multiple": "multiple"}  # our names → BFCL v4 file stems
INSTALL_HINT = "BFCL data needs the bfcl-eval package: pip install --no-deps bfcl-eval (make install does it)"


def _data_dir():
    try:
        return resources.files("bfcl_eval") / "data"
    except ModuleNotFoundError:
        raise UserError(INSTALL_HINT) from None


def load_category(category: str, limit: int | None = None) -> list[dict[str, Any]]:
    """A category's entries (id, question turns, functions) with their possible answers, in file order."""
    if category not in CATEGORIES:
        raise UserError(f"--bfcl: unknown category {category!r} (known: {', '.join(CATEGORIES)})")
    data = _data_dir()
    stem = f"BFCL_v4_{CATEGORIES[category]}.json"
    entries = [json.loads(line) for line in (data / stem).read_text().splitlines() if line.strip()]
    answers = {
        a["id"]: a["ground_truth"] for a in map(json.loads, (data / "possible_answer" / stem).read_text().splitlines())
    }
    for entry in entries:
        entry["ground_truth"] = answers[entry["id"]]
        entry["category"] = category
    return entries[:limit] if limit else entries


def alias(name: str) -> str:
    """Protocol-safe function name: dots become underscores (BFCL does the same for OpenAI-style models)."""
    return name.replace(".", "_")


def _aliased(entry: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Functions and possible answers with protocol-safe names, as BFCL's checker will see them."""
    functions = [{**f, "name": alias(f["name"])} for f in entry["function"]]
    answers = [{alias(name): params for name, params in answer.items()} for answer in entry["ground_truth"]]
    return functions, answers


def prompt(entry: dict[str, Any]) -> list:
    """The entry's functions described in the system prompt (our text protocol) and its user turns."""
    lines = [
        "You can call these functions. Reply with exactly one call, such as name(arg=value), and nothing else.",
        "",
    ]
    for fn in _aliased(entry)[0]:
        props = fn["parameters"].get("properties", {})
        required = set(fn["parameters"].get("required", []))
        params = ", ".join(
            f"{p}: {spec.get('type', 'any')}{'' if p in required else ' = optional'}" for p, spec in props.items()
        )
        details = "; ".join(f"{p}: {spec.get('description', '')}" for p, spec in props.items())
        lines.append(f"- {fn['name']}({params}): {fn.get('description', '')} Parameters: {details}")
    turns = [turn["content"] for turn in entry["question"][0] if turn["role"] == "user"]
    return [SystemMessage("\n".join(lines)), *(HumanMessage(text) for text in turns)]


def _ast_checker():
    """BFCL's AST checker. Its module imports BFCL's model registry, which imports every
    provider SDK; the checker only consults that registry for dotted function names, which
    we never pass (see `alias`), so an empty stand-in lets it import without the SDKs.
    """
    _data_dir()
    name = "bfcl_eval.constants.model_config"
    try:
        from bfcl_eval.eval_checker.ast_eval import ast_checker
    except ImportError:
        stub = types.ModuleType(name)
        stub.MODEL_CONFIG_MAPPING = {}
        sys.modules[name] = stub
        try:
            from bfcl_eval.eval_checker.ast_eval import ast_checker
        finally:
            del sys.modules[name]
    return ast_checker


def check(entry: dict[str, Any], call: Call | None) -> tuple[bool, str | None]:
    """BFCL's verdict on one parsed call (None: no call could be read)."""
    if call is None:
        return False, "no function call"
    from bfcl_eval.constants.enums import Language

    functions, answers = _aliased(entry)
    result = _ast_checker().ast_checker(
        functions, [{call.name: call.args}], answers, Language.PYTHON, CATEGORIES[entry["category"]], "fcdpo"
    )
    return bool(result["valid"]), "; ".join(result.get("error", [])) or None


def solve_entry(model, entry: dict[str, Any]) -> dict[str, Any]:
    """One model reply to one entry, parsed and judged."""
    from fcdpo.models.local_chat import LocalChatModel

    functions = _aliased(entry)[0]
    signatures = {f["name"]: Signature.from_json_schema(f) for f in functions}
    options = {"stop_after_call": list(signatures)} if isinstance(model, LocalChatModel) else {}
    reply = model.invoke(prompt(entry), **options)
    parsed = parse_call(reply.content, signatures)
    call = parsed if isinstance(parsed, Call) else None
    correct, error = check(entry, call)
    return {
        "id": entry["id"],
        "category": entry["category"],
        "reply": reply.content,
        "call": call.to_dict() if call else None,
        "correct": correct,
        "error": error if call else parsed.message,
    }


def run_bfcl(
    spec: str,
    categories: list[str],
    limit: int | None,
    out: Path,
    concurrency: int = 4,
    base_url: str | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Judged replies of one model on the categories; resumes from `out` (JSONL, one line per entry)."""
    from fcdpo.models import load_chat_model

    entries = [e for category in categories for e in load_category(category, limit)]
    done = {}
    if out.is_file():
        for line in out.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:  # a torn last line from an interrupted run: redo that entry
                continue
            done[record["id"]] = record
    todo = [e for e in entries if e["id"] not in done]
    if todo:
        model = load_chat_model(spec, temperature=0.0, max_new_tokens=160, base_url=base_url)
        out.parent.mkdir(parents=True, exist_ok=True)
        with (
            out.open("a", encoding="utf-8") as handle,
            ThreadPoolExecutor(concurrency) as pool,
            tqdm(total=len(todo), desc=f"bfcl {spec}", unit="entry", disable=not progress) as bar,
        ):
            for record in pool.map(lambda e: solve_entry(model, e), todo):
                handle.write(json.dumps(record) + "\n")
                handle.flush()
                done[record["id"]] = record
                bar.update()
    return [done[e["id"]] for e in entries]
