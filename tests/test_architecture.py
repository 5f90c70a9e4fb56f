"""The rooms of the code and the one direction imports run between them:

    notation ← engine ← files ← output (report, explain) ← tui and cli

Read from every module's own import statements (those inside functions too), so a shortcut
back up the chain fails here before it tangles the code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "bpdebug"
ROOMS = {
    "notation": "notation",
    "engine": "engine",
    "atomic": "files",
    "validate": "files",
    "netfile": "files",
    "recovery": "files",
    "samples": "files",
    "import_torch": "files",
    "safetensors_file": "files",
    "progress": "files",
    "allocator": "files",
    "flow_log": "files",
    "answers": "files",
    "optimizer_file": "files",
    "report": "output",
    "explain": "output",
    "plot": "output",
    "exam": "output",
    "answer_grid": "output",
    "handout": "output",
    "lesson": "output",
    "why": "output",
    "graph": "output",
    "tui": "tui",
    "cli": "cli",
    "__main__": "cli",
    "__init__": "notation",  # bpdebug/__init__.py holds the version only
}
ORDER = ["notation", "engine", "files", "output", "tui", "cli"]
# What each room may import (its own and those before it; tui and cli are peers at the top,
# but the screen never needs the command line).
ALLOWED = {room: set(ORDER[: ORDER.index(room) + 1]) for room in ORDER}
ALLOWED["cli"] |= {"tui"}
ALLOWED["tui"] -= {"cli"}
MAX_LINES = 450


def room_of(module: str) -> str:
    """The room of a module given as its path below bpdebug ('engine.trace', 'cli')."""
    return ROOMS[module.split(".")[0]]


def modules() -> list[tuple[str, Path]]:
    return [
        (".".join(p.relative_to(PACKAGE).with_suffix("").parts), p)
        for p in sorted(PACKAGE.rglob("*.py"))
    ]


def imported(module: str, path: Path) -> list[str]:
    """The bpdebug modules `module` imports, as paths below bpdebug."""
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                if node.module is None:  # from . import x: a module, or a name of the package
                    for alias in node.names:
                        name = f"{target}.{alias.name}".strip(".")
                        out.append(name if name.split(".")[0] in ROOMS else "__init__")
                    continue
                out.append(target.strip("."))
            elif node.module and node.module.startswith("bpdebug"):
                out.append(node.module.removeprefix("bpdebug").strip("."))
        elif isinstance(node, ast.Import):
            out += [
                a.name.removeprefix("bpdebug.") for a in node.names if a.name.startswith("bpdebug.")
            ]
    return [m for m in out if m]


@pytest.mark.parametrize("module, path", modules(), ids=[m for m, _ in modules()])
def test_imports_run_one_way(module: str, path: Path) -> None:
    room = room_of(module)
    for target in imported(module, path):
        assert room_of(target) in ALLOWED[room], f"{module} ({room}) imports {target}"


def test_no_module_has_two_jobs() -> None:
    """A module past a few hundred lines has two jobs: each stays under the limit."""
    long = {m: n for m, p in modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("room", ["notation", "engine", "netfile", "report", "explain"])
def test_the_headless_rooms_never_load_textual(room: str) -> None:
    code = f"import sys, bpdebug.{room}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
