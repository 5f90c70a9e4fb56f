"""`bpdebug snapshot` end to end, through the real command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from command_line import bpdebug
from paths import ROOT

from bpdebug.cli import main


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return bpdebug("snapshot", *args, cwd=cwd, timeout=None)


def test_snapshot_writes_an_svg_of_the_screen_after_the_keys(tmp_path: Path) -> None:
    out = tmp_path / "step3.svg"
    proc = run("two_layer", "--keys", "n n", "--output", str(out), "--text", "--size", "90x30")
    assert proc.returncode == 0, proc.stderr
    svg = out.read_text()
    assert svg.startswith("<svg") and "</svg>" in svg
    lines = proc.stdout.splitlines()
    assert len(lines) == 30 and all(len(line) == 90 for line in lines)
    assert proc.stdout.endswith("\n") and proc.stdout.count("\n") == 30  # whole lines, the last too
    assert "step 3 of 20 · layer 2" in proc.stdout
    assert "step 3 of 20" in svg.replace("&#160;", " ")


def test_snapshot_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "mine.svg"
    out.write_text("keep me")
    proc = run("xor", "--output", str(out))
    assert proc.returncode == 2
    assert proc.stderr == f"bpdebug snapshot: {out} already exists (use --force to replace it)\n"
    assert out.read_text() == "keep me"
    assert run("xor", "--output", str(out), "--force").returncode == 0
    assert out.read_text().startswith("<svg")


@pytest.mark.parametrize(
    "args,problem",
    [
        (
            ["--keys", "n warp", "--text"],
            "--keys: unknown key 'warp' (use names like n, right, "
            "space, home, ctrl+s, question_mark)",
        ),
        (["--size", "huge", "--text"], "--size: expected WIDTHxHEIGHT like 100x32, got 'huge'"),
        (["--size", "5x5", "--text"], "--size: 5x5 is outside 20x8 to 500x200"),
        ([], "give --output FILE.svg, --text, or both"),
        (["--output", "shot.png"], "--output: shot.png should end in .svg"),
        (
            ["--output", "/no/such/folder/x.svg"],
            "/no/such/folder/x.svg: the folder /no/such/folder does not exist",
        ),
    ],
)
def test_bad_snapshot_arguments_exit_2_with_one_line(
    args: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["snapshot", "xor", *args]) == 2
    assert capsys.readouterr().err == f"bpdebug snapshot: {problem}\n"


def test_snapshot_of_a_bad_file_is_one_line() -> None:
    proc = run("tests/bad_nets/softmax_hidden.toml", "--text", cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr == (
        "bpdebug: tests/bad_nets/softmax_hidden.toml: layers[0].activation: "
        "softmax is allowed on the output layer only\n"
    )
