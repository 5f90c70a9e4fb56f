"""Hostile input to `bpdebug import-torch`, through the real command line: safetensors
headers that lie, pickles that would run code, files that are pipes or folders. Each is one
line naming the file, exit 2, no hang, nothing run, nothing written."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from command_line import bpdebug

from bpdebug.files.netfile import load_network


def run(
    *args: str, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return bpdebug("import-torch", *args, cwd=cwd, timeout=timeout)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("bpdebug import-torch: ") and proc.stdout == ""
    return lines[0]


W = np.arange(6, dtype="<f4").reshape(2, 3)
B = np.ones(2, dtype="<f4")
DATA = W.tobytes() + B.tobytes()  # l.weight at [0, 24], l.bias at [24, 32]


def entries(**weight: Any) -> dict[str, Any]:
    """A good header for l.weight (2×3) and l.bias (2), with l.weight's fields replaced."""
    return {
        "l.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24], **weight},
        "l.bias": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]},
    }


def safetensors(
    path: Path, header: dict[str, Any] | bytes, data: bytes = DATA, size: int = -1
) -> Path:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text) if size < 0 else size) + text + data)
    return path


CASES: dict[str, tuple[dict[str, Any] | bytes, int, str]] = {  # header, its length, the line
    "offsets as text": (entries(data_offsets=["0", "24"]), -1, 'got ["0", "24"]'),
    "offsets as floats": (entries(data_offsets=[0.0, 24.0]), -1, "got [0.0, 24.0]"),
    "offsets as booleans": (entries(data_offsets=[False, True]), -1, "got [false, true]"),
    "three offsets": (entries(data_offsets=[0, 24, 3]), -1, "got [0, 24, 3]"),
    "not the element size": (
        entries(data_offsets=[0, 23]),
        -1,
        "takes 24 bytes; data_offsets [0, 23] hold 23",
    ),
    "negative offsets": (entries(data_offsets=[-32, -8]), -1, "[-32, -8]: must be 0 ≤ begin ≤ end"),
    "reversed offsets": (entries(data_offsets=[24, 0]), -1, "[24, 0]: must be 0 ≤ begin ≤ end"),
    "beyond the file": (entries(data_offsets=[0, 2400]), -1, "reach beyond the file's 32 bytes"),
    "overlapping": (
        {**entries(), "l.bias": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}},
        -1,
        "l.bias's data overlaps l.weight's",
    ),
    "a gap": (entries(data_offsets=[1, 25]), -1, "1 bytes before l.weight's data belong to no"),
    "10 GB header length": (entries(), 10 * 2**30, "header length reads 10,737,418,240 bytes"),
    "dtype a list": (entries(dtype=["F32"]), -1, 'dtype ["F32"] is not a safetensors dtype'),
    "dtype an object": (entries(dtype={"a": 1}), -1, 'dtype {"a": 1} is not a safetensors dtype'),
    "dtype unknown": (entries(dtype="F128"), -1, "dtype 'F128' is not a safetensors dtype"),
    "dtype not float": (entries(dtype="I32"), -1, "l.weight holds I32 numbers; expected floats"),
    "shape negative": (entries(shape=[-2, -3]), -1, "shape must be a list of whole numbers ≥ 0"),
    "shape text": (entries(shape=["2", "3"]), -1, 'got ["2", "3"]'),
    "shape 100-dimensional": (entries(shape=[1] * 100), -1, "shape has 100 dimensions; at most 32"),
    "shape past int64": (entries(shape=[2**64, 1]), -1, "takes 73,786,976,294,838,206,464 bytes"),
    "nested 10⁵ deep": (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", -1, "nests too deeply"),
    "a name twice": (
        b'{"l.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]},'
        b' "l.weight": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]}}',
        -1,
        "its header names 'l.weight' twice",
    ),
    "metadata not text": ({**entries(), "__metadata__": {"a": [1]}}, -1, "__metadata__ must map"),
    "entry a list": ({"l.weight": [1, 2]}, -1, "must give exactly dtype, shape, data_offsets"),
    "header a list": (b"[1, 2]", -1, "its header is not an object"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_lying_safetensors_header_is_one_line_and_writes_nothing(
    tmp_path: Path, case: str
) -> None:
    """Text, float or misaligned offsets, list or object dtypes, text shapes were
    tracebacks; a negative offset was accepted and written as a network."""
    header, size, says = CASES[case]
    weights = safetensors(tmp_path / "w.safetensors", header, size=size)
    out = tmp_path / "net.toml"
    said = one_line(run(str(weights), "--activations", "sigmoid", "-o", str(out)))
    assert said.startswith(f"bpdebug import-torch: {weights}: ") and says in said, said
    assert not out.exists()


def test_the_good_file_the_cases_are_made_from_imports(tmp_path: Path) -> None:
    weights = safetensors(tmp_path / "w.safetensors", entries())
    out = tmp_path / "net.toml"
    proc = run(str(weights), "--activations", "sigmoid", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    net = load_network(out)
    np.testing.assert_array_equal(net.layers[0].W, W)
    np.testing.assert_array_equal(net.layers[0].b, B)


def test_weights_that_are_not_finite_are_refused_by_name(tmp_path: Path) -> None:
    data = np.array([0, 1, np.nan, 3, 4, 5], dtype="<f4").tobytes() + B.tobytes()
    weights = safetensors(tmp_path / "w.safetensors", entries(), data)
    said = one_line(run(str(weights), "--activations", "sigmoid", "-o", str(tmp_path / "n.toml")))
    assert said == f"bpdebug import-torch: {weights}: l.weight holds nan or inf"


# ---------------------------------------------------------------- pickles and odd files

EVIL = """
import os, torch

class WritesAFile:
    def __reduce__(self):
        return (open, ({marker!r}, "w"))

class RunsAShell:
    def __reduce__(self):
        return (os.system, ("touch " + {marker!r},))

torch.save({{"l.weight": torch.ones(2, 3), "x": WritesAFile()}}, {writes!r})
torch.save({{"l.weight": torch.ones(2, 3), "x": RunsAShell()}}, {shell!r})
import pickle
with open({plain!r}, "wb") as out:  # not torch's format: a bare pickle, protocol 5
    pickle.dump({{"x": RunsAShell()}}, out)
"""


@pytest.mark.torch
def test_a_pickle_that_would_run_code_is_refused_in_one_line(tmp_path: Path) -> None:
    """Its __reduce__ would write a file or run a shell: it never runs, the file never
    appears, and the refusal is one line (it was three: torch's warning, then its advice)."""
    pytest.importorskip("torch", reason="torch is not installed (an optional extra)")
    marker = tmp_path / "PWNED"
    writes, shell, plain = tmp_path / "writes.pt", tmp_path / "shell.pt", tmp_path / "plain.pt"
    code = EVIL.format(marker=str(marker), writes=str(writes), shell=str(shell), plain=str(plain))
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert not marker.exists()
    for evil, call in ((writes, "io.open"), (shell, "posix.system")):
        said = one_line(run(str(evil), "--activations", "sigmoid", "-o", str(tmp_path / "n.toml")))
        assert said == (
            f"bpdebug import-torch: {evil}: refused: loading it would call {call} (a pickle "
            "that runs code); only tensors are read (torch.load with weights_only=True)"
        )
        assert not marker.exists() and not (tmp_path / "n.toml").exists()
    said = one_line(run(str(plain), "--activations", "sigmoid", "-o", str(tmp_path / "n.toml")))
    assert said.startswith(f"bpdebug import-torch: {plain}: not PyTorch weights (a pickle ")
    assert not marker.exists()  # (and torch's warning about its protocol is not printed)


@pytest.mark.torch
def test_a_pt_archive_that_unpacks_past_the_limit_is_refused_before_torch_reads_it(
    tmp_path: Path,
) -> None:
    """A small file whose archive holds a member that inflates to far more than the file
    limit (a zip bomb): refused by what its directory declares, naming the flag."""
    torch = pytest.importorskip("torch", reason="torch is not installed (an optional extra)")
    buffer = io.BytesIO()
    torch.save(torch.nn.Sequential(torch.nn.Linear(3, 2)).state_dict(), buffer)
    weights = tmp_path / "w.pt"
    with zipfile.ZipFile(weights, "w") as out:
        with zipfile.ZipFile(buffer) as original:
            for info in original.infolist():
                out.writestr(info, original.read(info))
            folder = original.infolist()[0].filename.split("/")[0]
        out.writestr(f"{folder}/extra", b"\0" * 5_000_000, compress_type=zipfile.ZIP_DEFLATED)
    assert weights.stat().st_size < 100_000
    args = [str(weights), "--activations", "sigmoid", "-o", str(tmp_path / "n.toml")]
    said = one_line(run(*args, "--max-file-bytes", "1000000"))
    assert said.startswith(f"bpdebug import-torch: {weights}: unpacks to 5,00")
    assert said.endswith("bytes (raise the limit with --max-file-bytes)")
    assert run(*args).returncode == 0  # under the default limit it is read


@pytest.mark.parametrize("kind", ["fifo", "folder"])
@pytest.mark.parametrize(
    "name", [pytest.param("w.pt", marks=pytest.mark.torch), "w.safetensors", "model.py"]
)
def test_a_pipe_or_a_folder_is_refused_without_waiting(
    tmp_path: Path, kind: str, name: str
) -> None:
    """A .pt that is a FIFO waited for ever (torch.load opened it); a MODEL.py that is a
    folder or a FIFO was "no such file"."""
    if name.endswith(".pt"):
        pytest.importorskip("torch", reason="torch is not installed (an optional extra)")
    path = tmp_path / name
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    extra = [] if name == "model.py" else ["--activations", "sigmoid"]
    said = one_line(run(str(path), *extra, "-o", str(tmp_path / "n.toml"), timeout=30))
    what = "a named pipe" if kind == "fifo" else "a folder"
    assert f"{path}: is {what}, not " in said or f"{path} is {what}, not a Python file" in said


@pytest.mark.torch
def test_the_output_is_checked_before_the_module_runs(tmp_path: Path) -> None:
    """An output that cannot be written is refused before MODEL.py runs (its code would
    otherwise run for nothing): the marker it writes never appears."""
    pytest.importorskip("torch", reason="torch is not installed (an optional extra)")
    marker = tmp_path / "ran"
    model = tmp_path / "model.py"
    model.write_text(
        f"open({str(marker)!r}, 'w').close()\n"
        "from torch import nn\nmodel = nn.Sequential(nn.Linear(2, 1))\n"
    )
    (tmp_path / "taken.toml").write_text("mine")
    (tmp_path / "a-folder").mkdir()
    for out, says in (
        ("taken.toml", "taken.toml already exists (use --force to replace it)"),
        ("a-folder", "a-folder is a folder"),
        ("gone/n.toml", f"the folder {tmp_path / 'gone'} does not exist"),
    ):
        said = one_line(run(str(model), "-o", str(tmp_path / out)))
        assert says in said and not marker.exists()
    assert (tmp_path / "taken.toml").read_text() == "mine"


def test_escape_codes_in_a_file_name_are_not_sent_to_the_terminal(tmp_path: Path) -> None:
    weights = safetensors(tmp_path / "w\x1b[2J\x07.safetensors", entries(dtype="F128"))
    said = one_line(run(str(weights), "--activations", "sigmoid", "-o", str(tmp_path / "n.toml")))
    assert "\x1b" not in said and "\x07" not in said and "w\\x1b[2J\\x07.safetensors" in said
    out = tmp_path / "net.toml"
    good = safetensors(tmp_path / "\x1b]0;t\x07.safetensors", entries())
    proc = run(str(good), "--activations", "sigmoid", "-o", str(out))
    assert proc.returncode == 0 and "\x1b" not in proc.stdout, proc.stderr
    assert load_network(out).name == "\\x1b]0;t\\x07"
