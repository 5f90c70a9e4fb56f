"""Network files: every sample round-trips bit for bit; every bad file gets one exact line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bad_files import BAD_FILES
from conftest import random_network, valid_pairs
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import BAD_NETS, ROOT

from bpdebug.cli import main
from bpdebug.engine import Network, build_trace
from bpdebug.files.netfile import Limits, NetworkFileError, load_network, save_network, to_toml
from bpdebug.files.samples import SAMPLES_DIR, sample_names

BAD = BAD_NETS


def test_the_corpus_and_the_table_list_the_same_files() -> None:
    assert sorted(p.name for p in BAD.iterdir()) == sorted(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
@pytest.mark.parametrize("command", ["trace", "check"])
def test_bad_file_exits_2_with_one_line_naming_file_and_key(
    name: str, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = f"tests/bad_nets/{name}"
    assert main([command, str(BAD / name), "--max-examples", "1000"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"bpdebug: {BAD / name}: {BAD_FILES[name]}\n", path


@pytest.mark.parametrize(
    "name", ["syntax_error.toml", "binary_garbage.toml", "deeply_nested.json", "absurd_units.toml"]
)
def test_bad_file_through_the_real_command_line_has_no_traceback(name: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "trace", f"tests/bad_nets/{name}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr == f"bpdebug: tests/bad_nets/{name}: {BAD_FILES[name]}\n"


def test_absurd_sizes_are_refused_before_allocating(tmp_path: Path) -> None:
    """10⁸ units would need 800 MB for W alone: refused from the number, not by MemoryError."""
    f = tmp_path / "big.toml"
    f.write_text(
        'loss = "mse"\nlearning_rate = 0.1\n[data]\nx = [1.0]\ny = [0.0]\n'
        '[[layers]]\nactivation = "relu"\nunits = 50000\n'
        '[[layers]]\nactivation = "identity"\nunits = 1\n'
    )
    with pytest.raises(NetworkFileError, match="exceed the limit of 1,000"):
        load_network(f, Limits(max_params=1000))
    big = tmp_path / "big_file.toml"
    big.write_bytes(b"#" * 2048)
    with pytest.raises(NetworkFileError, match="file is 2,048 bytes; the limit is 1,024"):
        load_network(big, Limits(max_file_bytes=1024))


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_every_sample_round_trips_bit_for_bit(sample: Network, suffix: str, tmp_path: Path) -> None:
    path = save_network(sample, tmp_path / f"saved{suffix}")
    again = load_network(path)
    assert again.same_as(sample)
    assert build_trace(again).loss == build_trace(sample).loss


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    pair=st.sampled_from(valid_pairs()),
    depth=st.integers(1, 4),
    m=st.integers(1, 6),
    scale=st.sampled_from([1.0, 1e-300, 1e8]),
)
def test_random_networks_round_trip_exactly(
    seed: int, pair: tuple[str, str], depth: int, m: int, scale: float, tmp_path_factory
) -> None:
    net = random_network(seed, depth, m, *pair)
    layers = tuple(
        type(layer)(layer.activation, layer.W * scale, layer.b, layer.alpha) for layer in net.layers
    )
    net = net.with_layers(layers)
    folder = tmp_path_factory.mktemp("rt")
    for suffix in (".toml", ".json"):
        assert load_network(save_network(net, folder / f"n{suffix}")).same_as(net)


def test_units_layers_are_deterministic_from_the_seed(tmp_path: Path) -> None:
    a = load_network(SAMPLES_DIR / "wide.toml")
    b = load_network(SAMPLES_DIR / "wide.toml")
    assert a.same_as(b)
    other_seed = (SAMPLES_DIR / "wide.toml").read_text().replace("seed = 42", "seed = 43")
    (tmp_path / "w.toml").write_text(other_seed)
    assert not load_network(tmp_path / "w.toml").same_as(a)
    assert a.sizes == (64, 32, 10) and a.batch_size == 16


def test_save_never_overwrites_without_being_asked(tmp_path: Path, sample_by_name) -> None:
    net = sample_by_name("xor")
    target = tmp_path / "mine.toml"
    target.write_text("precious")
    with pytest.raises(FileExistsError):
        save_network(net, target)
    assert target.read_text() == "precious"
    save_network(net, target, overwrite=True)
    assert load_network(target).same_as(net)
    assert [p.name for p in tmp_path.iterdir()] == ["mine.toml"]  # no temp files left


def test_saved_toml_is_readable(sample_by_name) -> None:
    text = to_toml(sample_by_name("two_layer"), comment="saved by a test")
    assert text.startswith('# saved by a test\nname = "Two-layer example"\n')
    assert "W = [[0.15, 0.2], [0.25, 0.3]]" in text


def test_trace_json_is_valid_and_carries_full_precision(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "two_layer", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["loss"] == 0.2983711087600027
    assert len(doc["steps"]) == 20
    first = doc["steps"][0]
    assert first == {
        "step": 1,  # as the screen, g and grade count
        "index": 0,
        "phase": "forward",
        "layer": 1,
        "kind": "z",
        "symbol": "z⁽¹⁾",
        "formula": "z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾",
        "substituted": "z⁽¹⁾ = [0.15, 0.2; 0.25, 0.3] [0.05; 0.1] + [0.35; 0.35]"
        " = [0.3775; 0.3925]",
        "shape": [2, 1],
        "value": [[0.3775], [0.39249999999999996]],
    }
    loss_step = doc["steps"][4]
    assert loss_step["layer"] is None and loss_step["shape"] == []
    net = load_network(SAMPLES_DIR / "two_layer.toml")
    trace = build_trace(net)
    for step, item in zip(trace.steps, doc["steps"], strict=True):
        assert np.array_equal(np.asarray(item["value"], dtype=float), step.value)


def test_trace_json_spells_non_finite_numbers_as_strings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "blowup.toml"
    f.write_text(
        'loss = "mse"\nlearning_rate = 1e6\n[data]\nx = [1e9]\ny = [0.0]\n'
        + '[[layers]]\nactivation = "identity"\nW = [[1e9]]\nb = [0.0]\n' * 4
    )
    assert main(["trace", str(f), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["loss_after"] == "inf"


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_text_and_markdown_list_every_step(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "xor", "--format", fmt]) == 0
    out = capsys.readouterr().out
    trace = build_trace(load_network(SAMPLES_DIR / "xor.toml"))
    for step in trace.steps:
        assert step.formula.replace("|", "\\|" if fmt == "markdown" else "|") in out
    assert ("## Backward pass" if fmt == "markdown" else "\nBackward pass\n") in out


def test_check_reports_each_tensor_and_the_cost(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "two_layer"]) == 0
    out = capsys.readouterr().out
    for name in ("W1", "b1", "W2", "b2"):
        assert f"\n{name} " in out
    assert "24 forward passes (2 per parameter)" in out
    assert "1 forward + 1 backward pass" in out
    assert out.count(" ok") == 4


def test_check_exits_1_above_tolerance(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "two_layer", "--tolerance", "1e-30"]) == 1
    assert "FAILED" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv,problem",
    [
        (["trace"], "bpdebug trace: the following arguments are required: NET (see --help)"),
        (
            ["trace", "xor", "--format", "yaml"],
            "bpdebug trace: argument --format: invalid choice: "
            "'yaml' (choose from text, json, markdown) (see --help)",
        ),
        (
            ["trace", "nosuchnet"],
            "bpdebug: nosuchnet: no such file or sample (samples: "
            + ", ".join(sample_names())
            + ")",
        ),
        (["trace", "missing/file.toml"], "bpdebug: missing/file.toml: no such file"),
        (
            ["check", "xor", "--tolerance", "-1"],
            "bpdebug check: --tolerance must be a positive number",
        ),
        (
            ["--max-units", "-5", "xor"],
            "bpdebug: argument --max-units: must be a whole number from 1 to 2**62, got -5"
            " (see --help)",
        ),
        (
            ["trace", "xor", "--max-magnitude", "nan"],
            "bpdebug trace: argument --max-magnitude: must be a positive finite number, got nan "
            "(see --help)",
        ),
        (
            ["check", "xor", "--max-units", "many"],
            "bpdebug check: argument --max-units: expected a whole number, got 'many' (see --help)",
        ),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.replace("'text', 'json', 'markdown'", "text, json, markdown") == problem + "\n"


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out == "bpdebug 0.1.0\n"
    with pytest.raises(SystemExit):
        main(["trace", "--help"])
    assert "--format {text,json,markdown}" in capsys.readouterr().out


def test_engine_and_files_import_no_textual() -> None:
    code = (
        "import sys, bpdebug.engine, bpdebug.files.netfile, bpdebug.output.report, bpdebug.cli; "
        "sys.exit('textual' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ})
    assert proc.returncode == 0, "the engine pulled in textual"


def test_python_dash_m_runs_from_any_folder(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "trace", "single_neuron"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0
    assert "L = 0.334214 → L′ = 0.329717" in proc.stdout


def test_saved_files_get_ordinary_permissions(tmp_path: Path, sample_by_name) -> None:
    """A temp file is private (0600); the saved file must not be."""
    old = os.umask(0o022)
    try:
        path = save_network(sample_by_name("xor"), tmp_path / "n.toml")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644
