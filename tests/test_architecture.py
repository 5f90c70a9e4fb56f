"""The rooms of the code are its folders, and imports run one way between them:

    notation ← engine ← files ← output ← session ← tui ← cli

Each module's room is the folder it sits in below bpdebug/; its imports (those inside
functions and under TYPE_CHECKING too) are read from its source, so a shortcut back up the
chain, a circle inside a room, or a reach into another module's private names fails here
before it tangles the code.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "bpdebug"
ORDER = ["notation", "engine", "files", "output", "session", "tui", "cli"]
TOP_LEVEL = {"__init__": "notation", "__main__": "cli"}  # the version; `python -m bpdebug`
MAX_LINES = 450


def room_of(module: str) -> str:
    """The room of a module given as its path below bpdebug ('engine.trace', 'cli')."""
    head = module.split(".")[0]
    return TOP_LEVEL.get(head, head)


@cache
def modules() -> dict[str, Path]:
    """Every module as its dotted path below bpdebug ('tui.widgets.tape'; a package by its
    own name, 'tui.widgets')."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _resolved(package: list[str], node: ast.ImportFrom) -> str:
    """The module an ImportFrom names, as a path below bpdebug ('' for bpdebug itself)."""
    if node.level:
        base = package[: len(package) - node.level + 1]
        return ".".join([*base, *(node.module.split(".") if node.module else [])])
    return (node.module or "").removeprefix("bpdebug").strip(".")


@cache
def imports(module: str) -> tuple[tuple[str, str], ...]:
    """What `module` imports from bpdebug: (module, name) pairs, name '' for a whole module;
    `from package import module` counts as importing that module."""
    path = modules()[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if module in TOP_LEVEL:
        package = []
    out: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if not node.level and not (node.module or "").startswith("bpdebug"):
                continue
            target = _resolved(package, node)
            for alias in node.names:
                whole = f"{target}.{alias.name}".strip(".")
                out.append(
                    (whole, "") if whole in modules() else (target or "__init__", alias.name)
                )
        elif isinstance(node, ast.Import):
            out += [
                (a.name.removeprefix("bpdebug.").removeprefix("bpdebug") or "__init__", "")
                for a in node.names
                if a.name == "bpdebug" or a.name.startswith("bpdebug.")
            ]
    return tuple(out)


@pytest.mark.parametrize("module", list(modules()))
def test_imports_run_one_way(module: str) -> None:
    room = room_of(module)
    for target, _ in imports(module):
        there = room_of(target)
        assert ORDER.index(there) <= ORDER.index(room), f"{module} ({room}) imports {target}"


def test_the_package_holds_only_its_rooms() -> None:
    """`ls bpdebug/` is the architecture: the rooms, the version and `python -m bpdebug`
    (py.typed marks the package as typed, PEP 561)."""
    shown = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert shown == {*ORDER, "__init__.py", "__main__.py", "py.typed"}
    assert all((PACKAGE / room / "__init__.py").is_file() for room in ORDER)


def circles() -> list[list[str]]:
    """Every circle of imports between modules (strongly connected components of two or more,
    or a module importing itself), by Tarjan's algorithm."""
    graph = {m: sorted({t for t, _ in imports(m) if t in modules() and t != m}) for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(m: str) -> None:
        index[m] = low[m] = len(index)
        stack.append(m)
        for t in graph[m]:
            if t not in index:
                visit(t)
                low[m] = min(low[m], low[t])
            elif t in stack:
                low[m] = min(low[m], index[t])
        if low[m] == index[m]:
            component = []
            while (t := stack.pop()) != m:
                component.append(t)
            if component:
                found.append(sorted([m, *component]))

    sys.setrecursionlimit(10_000)
    for m in graph:
        if m not in index:
            visit(m)
    return found


def _is_package_of(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def test_no_circle_of_imports() -> None:
    """No two modules import each other, directly or round a longer circle, counting imports
    under TYPE_CHECKING and inside functions (a deferred import only hides a circle). A
    package's __init__ re-exporting its own modules is the one allowed shape: nothing inside
    the package imports the package."""
    assert circles() == []


@pytest.mark.parametrize("module", list(modules()))
def test_no_private_name_of_another_module(module: str) -> None:
    """A `_name` is its module's own: importing it from another module ties the two."""
    reached = [
        f"{target}.{name}"
        for target, name in imports(module)
        if name.startswith("_") and not name.startswith("__") and target != module
    ]
    assert reached == []


def test_no_module_has_two_jobs() -> None:
    """A module past a few hundred lines has two jobs: each stays under the limit."""
    long = {
        m: n for m, p in modules().items() if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


@pytest.mark.parametrize("room", ["notation", "engine", "files", "output", "session"])
def test_the_headless_rooms_never_load_textual(room: str) -> None:
    """Every module of the rooms below the screen imports without Textual."""
    names = [f"bpdebug.{m}" for m in modules() if room_of(m) == room]
    code = f"import sys; [__import__(n) for n in {names!r}]; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
