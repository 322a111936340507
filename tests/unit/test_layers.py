"""Imports flow one way: tools ← tasks ← models ← graphs ← training / evals ← pipeline / cli.

A module may import its own room and the rooms below it, never one above (nor its sibling:
training and evals share what they need through graphs). Imports inside functions count too:
a cycle dodged by a late import is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ROOMS = {  # package dir → (import name, layer)
    "tools": ("fcdpo.tools", 1),
    "tasks": ("fcdpo.tasks", 2),
    "models": ("fcdpo.models", 3),
    "graphs": ("fcdpo.graphs", 4),
    "training": ("fcdpo.training", 5),
    "evals": ("fcdpo.evals", 5),
}
SHARED = {"fcdpo.errors", "fcdpo.types"}  # plain types and errors, importable from anywhere
SHELL = 6  # fcdpo.cli, fcdpo.pipeline


def room_of(module: str) -> tuple[str, int] | None:
    """The room an imported `fcdpo...` module belongs to, and its layer."""
    if any(module == s or module.startswith(s + ".") for s in SHARED) or not module.startswith("fcdpo"):
        return None
    for name, layer in ROOMS.values():
        if module == name or module.startswith(name + "."):
            return name, layer
    return "fcdpo", SHELL


def imports(path: Path) -> list[tuple[int, str]]:
    """Every `fcdpo` module a file imports, with the line, wherever the import statement is."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module)] + [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
    return [(line, name) for line, name in found if name.startswith("fcdpo")]


@pytest.mark.parametrize("folder", sorted(ROOMS))
def test_no_room_imports_a_room_above_it_or_its_sibling(folder):
    own, layer = ROOMS[folder]
    wrong = []
    for path in sorted((ROOT / folder).glob("*.py")):
        for line, module in imports(path):
            target = room_of(module)
            if target and target[0] != own and target[1] >= layer:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    assert not wrong, "\n".join(wrong)


def test_the_rule_sees_a_late_import(tmp_path):
    path = tmp_path / "late.py"
    path.write_text("def f():\n    from fcdpo.graphs.nodes import act\n")
    assert imports(path) == [(2, "fcdpo.graphs.nodes"), (2, "fcdpo.graphs.nodes.act")]
    assert room_of("fcdpo.graphs.nodes") == ("fcdpo.graphs", 4) and room_of("fcdpo.errors.UserError") is None
