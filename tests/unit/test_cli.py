"""CLI user mistakes: exit code 2, one line on stderr, no traceback; models list."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fcdpo.cli import main, make_parser
from fcdpo.commands import COMMANDS


def exit_code(argv):
    """main()'s return code, or argparse's exit code for flags it rejects itself."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(
    "argv, message",
    [
        (["solve", "--task", "chess", "--sample", "1"], "unknown task 'chess'"),
        (["solve", "--model", "gpt-9", "--sample", "1"], "unknown model spec 'gpt-9'"),
        (["solve", "--dataset", "/no/such.jsonl"], "/no/such.jsonl: no such file"),
        (["solve"], "exactly one of"),
        (["solve", "what?", "--sample", "2"], "exactly one of"),
        (["solve", "--sample", "0"], "--sample must be at least 1"),
        (["solve", "--sample", "1", "--max-steps", "0", "--model", "gpt-9"], "unknown model spec"),
        (["models", "pull", "gpt-9"], "unknown packaged model 'gpt-9'"),
        (["solve", "--sample", "lots"], "invalid int value"),
        (["solve", "--split", "dev", "--sample", "1"], "invalid choice"),
        (["serve", "--model", "openai:gpt-x"], "is not a local model"),
        (["serve", "--model", "reference"], "is not a local model"),
        (["serve", "--call-format", "xml"], "invalid choice"),
        (["export", "--out", "/tmp/x"], "--from-langsmith PROJECT"),
        (["generate", "--teacher", "qwen2.5-coder-1.5b", "--out", "/tmp/x"], "--teacher is now --model"),
        (["export", "--out", "/tmp/x", "--from-langsmith", "p"], "needs --task"),
        (["export", "--out", "/tmp/x", "--from-langsmith", "p", "--task", "math", "--since", "soon"], "not a date"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(argv, message, capsys):
    assert exit_code(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_malformed_dataset_line_names_file_and_line(tmp_path, capsys):
    data = tmp_path / "problems.jsonl"
    data.write_text('{"id": "1", "task": "math", "question": "q", "answer": "1"}\n{"id": "2", "task": \n')
    assert main(["solve", "--dataset", str(data)]) == 2
    assert capsys.readouterr().err.startswith(f"fcdpo: error: {data}:2: not valid JSON")


def test_installed_command_prints_no_traceback():
    result = subprocess.run(
        [sys.executable, "-m", "fcdpo.cli", "solve", "--model", "nope", "--sample", "1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.strip().startswith("fcdpo: error:")


def test_models_list(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("FCDPO_CACHE", str(tmp_path))
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    for name in ("smollm2-135m", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):
        assert name in out
    assert " no " in out and str(tmp_path) in out


def test_every_command_module_dispatches_to_its_own_run():
    """Each subcommand is one module whose parser dispatches to its `run` (no if-chain to forget)."""
    needed = {
        "models": ["list"],
        "train": ["--pairs", "p", "--out", "o"],
        "eval": ["--model", "m"],
        "export": ["d", "--out", "o"],
        "generate": ["--out", "o"],
        "dataset": ["gsm-symbolic", "--out", "f"],
        "pipeline": ["--config", "c"],
        "merge": ["r", "--out", "o"],
        "examples": ["pick", "r", "--task", "math"],
    }
    names = {"evaluate": "eval"}
    for command in COMMANDS:
        name = names.get(command.__name__.rsplit(".", 1)[1], command.__name__.rsplit(".", 1)[1])
        argv = [name, *needed.get(name, [])]
        args = make_parser(argv).parse_args(argv)
        assert args.func is command.run, name
