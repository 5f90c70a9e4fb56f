"""Hostile input to `bpdebug graph`, through the real command line: a network name carrying
DOT, HTML or SVG injection stays a name (Graphviz reads back the graph bpdebug meant, an XML
parser finds no element it did not draw), and bad steps, formats and outputs are one line."""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from command_line import bpdebug

from bpdebug.files.samples import sample_path

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return bpdebug("graph", *args, cwd=cwd)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("bpdebug graph: ") and proc.stdout == ""
    return lines[0]


def named(tmp_path: Path, name: str) -> Path:
    """two_layer under another name (a TOML basic string: json's escapes are TOML's)."""
    text = sample_path("two_layer").read_text()
    lines = [
        f"name = {json.dumps(name)}" if ln.startswith("name =") else ln for ln in text.split("\n")
    ]
    net = tmp_path / "net.toml"
    net.write_text("\n".join(lines))
    return net


INJECTIONS = [
    '"]; x -> y; //',
    '\\"]; evil -> x; //',
    "} digraph evil { evil",
    '"; evil [label="owned"]; "',
    "<script>alert(1)</script>",
    "</text><script>alert(1)</script><text>",
    "]]></svg><svg onload=alert(1)>",
    "<!-- a comment --> &lt;b&gt; &#x41;",
    "a name ending in a backslash \\",
]
NODES = {"x", "z1", "a1", "P1", "z2", "a2", "P2", "L"}  # two_layer's graph, and nothing else


@needs_dot
@pytest.mark.parametrize("name", INJECTIONS)
def test_a_name_carrying_dot_is_read_back_as_the_name(tmp_path: Path, name: str) -> None:
    """Graphviz itself parses what `graph` wrote (dot -Tjson): the nodes and edges are the
    network's, every label is the one bpdebug drew, and the name is only the graph's name."""
    proc = run(str(named(tmp_path, name)), "--step", "9")
    assert proc.returncode == 0, proc.stderr
    parsed = subprocess.run(
        ["dot", "-Tjson"], input=proc.stdout, capture_output=True, text=True, timeout=60
    )
    assert parsed.returncode == 0 and parsed.stderr == "", parsed.stderr
    graph = json.loads(parsed.stdout)
    objects = graph["objects"]
    nodes = {o["name"] for o in objects if "nodes" not in o}
    assert nodes == NODES
    subgraphs = {o["name"] for o in objects if "nodes" in o and not o["name"].startswith("%")}
    assert subgraphs == {f"cluster_{l}" for l in range(4)}  # (%3 …: each layer's one row)
    assert len(graph["edges"]) == 2 * 4 + 2 + 2 * 3 + 1  # each layer's 4 and 3, the loss's 2
    labels = " ".join(str(o.get("label", "")) for o in [*objects, *graph["edges"]])
    assert "evil" not in labels and "owned" not in labels and "script" not in labels
    if "\\" not in name:  # DOT keeps a backslash pair as two: the only change it makes
        assert graph["name"] == name


SVG = "{http://www.w3.org/2000/svg}"
DRAWN = {"svg", "g", "path", "use", "symbol", "defs", "rect", "title", "text", "polygon"}
DRAWN |= {"ellipse", "polyline", "clipPath", "image", "a"}


@needs_dot
@pytest.mark.parametrize("name", INJECTIONS)
def test_a_name_carrying_markup_adds_no_element_to_the_svg(tmp_path: Path, name: str) -> None:
    """The SVG `graph --format svg` writes, and Graphviz's own SVG of the DOT (which writes
    the name as the <title>), parsed as XML: only drawing elements, no script, no event
    attribute; the title holds the name as text."""
    net = named(tmp_path, name)
    out = tmp_path / "g.svg"
    proc = run(str(net), "--step", "9", "--format", "svg", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    dot = run(str(net), "--step", "9").stdout
    native = subprocess.run(["dot", "-Tsvg"], input=dot, capture_output=True, text=True).stdout
    for root in (ET.parse(out).getroot(), ET.fromstring(native)):
        tags = {e.tag.removeprefix(SVG) for e in root.iter()}
        assert tags <= DRAWN, tags - DRAWN
        assert not [a for e in root.iter() for a in e.attrib if a.lower().startswith("on")]
    title = ET.fromstring(native).find(f"{SVG}g/{SVG}title")
    assert title is not None
    if "\\" not in name and "&" not in name:  # (Graphviz passes entities through as such)
        assert title.text == name


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--step", "0"], "--step: must be a whole number from 1 to 2**62, got 0"),
        (["--step", "-1"], "--step: must be a whole number from 1 to 2**62, got -1"),
        (["--step", "21"], "--step: this network has steps 1 to 20"),
        (["--step", "1e9"], "--step: this network has steps 1 to 20"),
        (["--step", "1e400"], "--step: must be a whole number from 1 to 2**62, got 1e400"),
        (["--step", "4.5"], "--step: expected a whole number, got '4.5'"),
        (["--step", "x"], "--step: expected a whole number, got 'x'"),
        (["--format", "pdf"], "--format: invalid choice: 'pdf' (choose from 'dot', 'svg', 'png')"),
        (["--format", "SVG"], "--format: invalid choice: 'SVG'"),
        (["--format", ""], "--format: invalid choice: ''"),
        (["--format", "png"], "--format png needs --output FILE.png"),
        (["-o", "no-such-folder/g.dot"], "the folder no-such-folder does not exist"),
        (["-o", "a-folder"], "a-folder is a folder"),
        (["-o", "a-folder", "--force"], "a-folder is a folder"),
        (["-o", "mine.dot"], "mine.dot already exists (use --force to replace it)"),
        (["-o", "x" * 300 + ".dot"], "the file name is 304 bytes; at most 255"),
    ],
)
def test_bad_steps_formats_and_outputs_are_one_line(
    tmp_path: Path, args: list[str], says: str
) -> None:
    (tmp_path / "a-folder").mkdir()
    (tmp_path / "mine.dot").write_text("my own graph")
    said = one_line(run("xor", *args, cwd=tmp_path))
    assert says in said, said
    assert (tmp_path / "mine.dot").read_text() == "my own graph"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "mine.dot"]
    assert list((tmp_path / "a-folder").iterdir()) == []


def test_an_output_is_refused_before_the_network_is_read(tmp_path: Path) -> None:
    """The output is checked first: a bad --output is said even for a network that would
    take a while to lay out (here: one that is not there at all)."""
    (tmp_path / "a-folder").mkdir()
    said = one_line(run("no-such-net.toml", "-o", "a-folder", cwd=tmp_path))
    assert said == "bpdebug graph: a-folder is a folder"
