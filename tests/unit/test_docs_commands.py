"""Every `fcdpo ...` command in the README's and the docs' code blocks parses: its subcommand, flags and choices exist.

Parsing is what argparse does before anything runs, so a renamed flag or a dropped choice in the docs fails here
(`--help` appended would not: argparse prints the help before it reports an unknown flag).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from fcdpo.cli import make_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = ("", "bash", "sh", "console")
ENV = re.compile(r"^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+")  # `LANGSMITH_TRACING=true fcdpo …`


def commands(path: Path) -> list[str]:
    """The `fcdpo` command lines of a markdown file's shell code blocks, continuations joined, variables dropped."""
    found, block, language = [], None, ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("```"):
            if block is None:
                block, language = [], line.strip().removeprefix("```").strip()
            else:
                if language in SHELL:
                    joined = "\n".join(block).replace("\\\n", " ")
                    found += [
                        c
                        for c in (ENV.sub("", x.strip().removeprefix("$ ")) for x in joined.splitlines())
                        if c.startswith("fcdpo ")
                    ]
                block = None
        elif block is not None:
            block.append(line)
    return found


CASES = [(path.relative_to(ROOT).as_posix(), line) for path in DOCS for line in commands(path)]


def test_the_docs_hold_commands_to_check():
    assert sum(doc == "README.md" for doc, _ in CASES) >= 8


@pytest.mark.parametrize("doc, line", CASES)
def test_documented_command_parses(doc, line, capsys):
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)  # `> file`, `&`, `| jq` are the shell's
    lexer.whitespace_split = True
    words = list(lexer)
    argv = words[1 : next((i for i, w in enumerate(words) if set(w) <= set("();<>|&")), len(words))]
    try:
        make_parser(argv).parse_args(argv)
    except SystemExit as exc:
        assert exc.code == 0, f"{doc}: `{line}`: {capsys.readouterr().err.strip()}"


# A retired preset is named as "preset `PATH` at commit COMMIT": the commit whose code runs it.
RETIRED = re.compile(r"preset `(configs/[a-z0-9_/.-]+\.yaml)` at commit ([0-9a-f]{7,40})")


def test_every_retired_preset_the_docs_restore_is_in_the_history():
    """Each retired preset the docs name is in the history at the commit they give."""
    import subprocess

    shallow = subprocess.run(["git", "rev-parse", "--is-shallow-repository"], cwd=ROOT, capture_output=True, text=True)
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        pytest.skip("needs the project's git history")
    named = {match.groups()[::-1] for path in DOCS for match in RETIRED.finditer(path.read_text())}
    assert named
    for commit, path in sorted(named):
        found = subprocess.run(["git", "cat-file", "-e", f"{commit}:{path}"], cwd=ROOT, capture_output=True)
        assert found.returncode == 0, f"{commit}:{path} is not in the history"
