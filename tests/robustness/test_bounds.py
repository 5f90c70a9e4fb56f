"""Bounded, visible slow work (issue 25): `check`, `trace --format json` and `snapshot` on
large inputs stay within limits a flag raises, show progress on a terminal only, and `check`'s
faster finite differences give the definition's estimates bit for bit."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import random_network, valid_pairs
from hypothesis import given, settings
from hypothesis import strategies as st
from paths import NETS

from bpdebug.cli import main
from bpdebug.engine import Layer, Network, build_trace, gradcheck, read_only_array
from bpdebug.engine.gradcheck import (
    Progress,
    check_gradients,
    check_work,
    numeric_gradient,
)
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.output.report import _json_array, _json_number, _json_value, json_numbers, trace_json

# ---------------------------------------------------------------- networks


def chain(
    depth: int,
    activation: str = "tanh",
    m: int = 1,
    n_in: int = 1,
    n_out: int = 1,
    width: int = 1,
    loss: str = "mse",
    seed: int = 0,
) -> Network:
    """A deep chain: `depth` layers of `width` units between n_in inputs and n_out outputs
    (softmax on the last with cross-entropy)."""
    rng = np.random.default_rng(seed)
    sizes = [n_in] + [width] * (depth - 1) + [n_out]
    layers = []
    for l in range(depth):
        act = "softmax" if loss == "cross_entropy" and l == depth - 1 else activation
        W = rng.normal(0.3, 0.9, (sizes[l + 1], sizes[l]))
        layers.append(
            Layer(act, read_only_array(W), read_only_array(rng.normal(0, 0.1, sizes[l + 1])))
        )
    x = rng.normal(0.0, 1.0, (n_in, m))
    if loss == "cross_entropy":
        y = np.eye(n_out)[:, rng.integers(0, n_out, m)]
    else:
        y = rng.uniform(0.0, 1.0, (n_out, m))
    return Network(tuple(layers), loss, 0.1, read_only_array(x), read_only_array(y), "chain")


def assert_estimates_are_the_definitions(net: Network) -> None:
    """Every estimate of `check_gradients` is `numeric_gradient`'s, bit for bit."""
    tensors = {t.name: t for t in check_gradients(net).tensors}
    assert len(tensors) == 2 * net.depth
    for l in range(1, net.depth + 1):
        for which in "Wb":
            with np.errstate(all="ignore"):  # as the check itself runs
                want = numeric_gradient(net, l, which)
            got = tensors[f"{which}{l}"].numeric
            assert got.shape == want.shape
            assert got.tobytes() == want.tobytes(), (f"{which}{l}", got, want)


# ---------------------------------------------------------------- check's numbers


@pytest.mark.parametrize("name", sample_names())
def test_the_check_of_every_sample_is_the_definition_bit_for_bit(name: str) -> None:
    assert_estimates_are_the_definitions(load_network(sample_path(name)))


@pytest.mark.parametrize(
    "net",
    [
        chain(150, "tanh", m=3),
        chain(150, "sigmoid", m=1),
        chain(150, "relu", m=2),
        chain(120, "leaky_relu", m=3),
        chain(120, "softplus", m=1),
        chain(120, "identity", m=2),
        chain(100, "tanh", m=1, n_in=3, n_out=2),
        chain(80, "sigmoid", m=4, n_out=3, loss="cross_entropy"),
        chain(40, "tanh", m=1, width=2),
        chain(25, "sigmoid", m=4, n_in=2, n_out=2, width=3),
    ],
    ids=lambda net: (
        "-".join(map(str, net.sizes[:3]))
        + f"…×{net.depth} "
        + f"{net.layers[0].activation} m={net.batch_size} {net.loss}"
    ),
)
def test_the_check_of_a_deep_chain_is_the_definition_bit_for_bit(net: Network) -> None:
    assert_estimates_are_the_definitions(net)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    pair=st.sampled_from(valid_pairs()),
    depth=st.integers(1, 7),
    m=st.sampled_from([1, 2, 5]),
    one_pass_a_run=st.booleans(),
    scale=st.sampled_from([1.0, 1.0, 30.0, 1e30, 1e200]),
)
def test_the_check_of_random_networks_is_the_definition_bit_for_bit(
    seed: int, pair: tuple[str, str], depth: int, m: int, one_pass_a_run: bool, scale: float
) -> None:
    """Widths 1 to 4 mixed: passes go side by side through one-input layers and one by one
    through the others; runs of one pass each cut every layer's passes apart. Weights scaled
    up until passes overflow: inf and nan come out the same, to the bit, too."""
    net = random_network(seed, depth, m, *pair)
    scaled = [Layer(la.activation, la.W * scale, la.b, la.alpha) for la in net.layers]
    net = net.with_layers(tuple(scaled))
    old = gradcheck.CHUNK_FLOATS
    gradcheck.CHUNK_FLOATS = 1 if one_pass_a_run else old
    try:
        assert_estimates_are_the_definitions(net)
    finally:
        gradcheck.CHUNK_FLOATS = old


def test_a_deep_scalar_chain_is_checked_in_a_few_calls_a_layer() -> None:
    """1000 layers: each pass runs from its layer on (Σ 4(L − l + 1) layer evaluations, not
    4L²) and the passes go through each layer together: about 5 NumPy calls a layer."""
    L = 1000
    report = check_gradients(chain(L))
    assert report.forward_passes == 4 * L
    assert report.layer_evaluations == sum(4 * (L - l + 1) for l in range(1, L + 1))
    assert report.numpy_calls == 4 * L + (L - 1)  # 4 moved passes a layer, 1 call for the rest


def test_progress_ends_at_exactly_the_work_check_work_counts() -> None:
    for net in (chain(60), chain(12, width=3, m=2), load_network(sample_path("wide"))):
        told: list[Progress] = []
        check_gradients(net, told.append)
        assert told[-1] == Progress(check_work(net), check_work(net), 2 * net.depth, 2 * net.depth)
        done = [p.work_done for p in told]
        assert done == sorted(done) and len(told) > 20  # every 1% of the work, or a stage


# ---------------------------------------------------------------- the command line


def one_line(capsys: pytest.CaptureFixture[str], code: int, *args: str) -> str:
    """Run bpdebug; it exits with `code` and says one line on standard error."""
    assert main(list(args)) == code
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


def test_check_refuses_more_work_than_its_limit_naming_the_flag_that_allows_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = check_work(load_network(sample_path("xor")))
    line = one_line(capsys, 2, "check", "xor", "--max-check-work", str(work - 1))
    assert line == (
        f"bpdebug check: xor: the finite differences would take {work:,} multiply-adds of "
        f"work, more than the limit {work - 1:,} (raise it with --max-check-work {work})"
    )
    assert main(["check", "xor", "--max-check-work", str(work)]) == 0
    assert "max relative error" in capsys.readouterr().out


def test_check_of_a_1000_layer_chain_is_within_the_default_limit_and_a_wide_deep_one_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    deep = tmp_path / "chain.json"
    write_network(deep, chain(1000))
    assert main(["check", str(deep)]) == 0
    out = capsys.readouterr().out
    assert "4000 forward passes" in out and "2,002,000 of 4,000,000 layer evaluations" in out
    wide = tmp_path / "wide.json"
    write_network(wide, chain(1000, width=3))
    line = one_line(capsys, 2, "check", str(wide))
    assert line.endswith(f"(raise it with --max-check-work {check_work(chain(1000, width=3))})")


def write_network(path: Path, net: Network) -> None:
    """A network as a JSON network file (rows of x and y are examples)."""
    doc = {
        "name": net.name,
        "loss": net.loss,
        "learning_rate": net.learning_rate,
        "data": {"x": net.x.T.tolist(), "y": net.y.T.tolist()},
        "layers": [
            {"activation": la.activation, "W": la.W.tolist(), "b": la.b.tolist()}
            for la in net.layers
        ],
    }
    path.write_text(json.dumps(doc))


def test_trace_json_refuses_more_numbers_than_its_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    n = json_numbers(build_trace(load_network(sample_path("two_layer"))))
    line = one_line(
        capsys, 2, "trace", "two_layer", "--format", "json", "--max-json-numbers", str(n - 1)
    )
    assert line == (
        f"bpdebug trace: two_layer: --format json would write {n:,} numbers, more than the "
        f"limit {n - 1:,} (raise it with --max-json-numbers {n})"
    )
    assert capsys.readouterr().out == ""  # nothing half written
    assert main(["trace", "two_layer", "--format", "json", "--max-json-numbers", str(n)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert sum(np.size(s["value"]) for s in doc["steps"]) + 2 == n


def test_trace_json_of_a_big_input_round_trips_every_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """200,000 inputs: every value read back is the trace's, bit for bit, and the text is
    json.dumps(…, indent=1) of the document, byte for byte."""
    rng = np.random.default_rng(3)
    n = 200_000
    W = read_only_array(rng.normal(0, 1e-3, (2, n)) * np.logspace(-300, 9, n))
    layers = (Layer("sigmoid", W, read_only_array([0.1, -0.2])),)
    x = read_only_array(rng.normal(0, 1, (n, 1)))
    net = Network(layers, "mse", 0.1, x, read_only_array([[0.3], [0.6]]), "big")
    f = tmp_path / "big.json"
    write_network(f, net)
    assert main(["trace", str(f), "--format", "json"]) == 0
    out = capsys.readouterr().out
    trace = build_trace(load_network(f))
    doc = json.loads(out)
    assert doc["loss"] == trace.loss
    for got, step in zip(doc["steps"], trace.steps, strict=True):
        value = np.asarray(step.value, dtype=np.float64)
        assert np.array(got["value"], dtype=np.float64).tobytes() == value.tobytes(), step.kind
    assert out == old_trace_json(trace) + "\n"


def old_trace_json(trace) -> str:  # type: ignore[no-untyped-def]
    """The document as bpdebug wrote it before it streamed: one json.dumps of nested lists."""
    doc = {
        "network": trace.network.name,
        "loss": _json_number(trace.loss),
        "loss_after": _json_number(trace.loss_after),
        "warning": trace.diagnosis() or None,
        "steps": [
            {
                "step": s.index + 1,
                "index": s.index,
                "phase": s.phase,
                "layer": s.layer,
                "kind": s.kind,
                "symbol": s.symbol,
                "formula": s.formula,
                "substituted": s.substituted(6),
                "shape": list(s.shape),
                "value": _json_value(s.value),
            }
            for s in trace.steps
        ],
    }
    return json.dumps(doc, ensure_ascii=False, allow_nan=False, indent=1)


@pytest.mark.parametrize(
    "shape", [(), (1,), (7,), (1, 1), (3, 1), (1, 5), (4, 3), (70_000, 2), (3, 50_000), (140_000,)]
)
def test_json_values_of_every_shape_are_json_dumps_byte_for_byte(shape: tuple[int, ...]) -> None:
    """Non-finite entries as "nan"/"inf"/"-inf", −0.0, the smallest and largest floats."""
    rng = np.random.default_rng(len(shape))
    v = rng.normal(0, 1, shape) * 10.0 ** rng.integers(-320, 308, shape)
    special = [np.nan, np.inf, -np.inf, -0.0, 5e-324, 1.7976931348623157e308, 0.1]
    v.reshape(-1)[: len(special)] = special[: v.size]
    for level in (0, 3):
        text = "".join(part for part, _ in _json_array(v, level))
        want = json.dumps(_json_value(v), allow_nan=False, indent=1).replace(
            "\n", "\n" + " " * level
        )
        assert text == want
    read = np.array(json.loads(text), dtype=object)
    back = np.vectorize(float)(read).astype(np.float64) if v.ndim else float(read)
    assert np.asarray(back).tobytes() == v.tobytes()


def test_trace_json_of_an_overflowing_network_is_the_old_document() -> None:
    trace = build_trace(load_network(NETS / "overflow.toml"))
    text = trace_json(trace)
    assert '"inf"' in text or '"nan"' in text
    assert text == old_trace_json(trace)


def test_snapshot_refuses_more_keys_than_its_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = " ".join(["n"] * 5)
    line = one_line(capsys, 2, "snapshot", "xor", "--keys", keys, "--text", "--max-keys", "4")
    assert line == (
        "bpdebug snapshot: --keys: 5 keys are more than the limit 4 (each takes a frame, "
        "about 50 ms; raise it with --max-keys 5)"
    )
    many = " ".join(["n"] * 1001)
    assert "raise it with --max-keys 1001" in one_line(
        capsys, 2, "snapshot", "xor", "--keys", many, "--text"
    )
    assert main(["snapshot", "xor", "--keys", keys, "--text", "--max-keys", "5"]) == 0
    assert "step 6 of 20" in capsys.readouterr().out


# ---------------------------------------------------------------- progress: a terminal only


def on_a_terminal(*args: str) -> tuple[int, str, str]:
    """Run bpdebug with standard error on a pseudo-terminal and standard output in a pipe:
    (exit code, standard output, what the terminal was sent)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
    )
    os.close(slave)
    sent: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the process ended: the terminal is closed
                return
            if not data:
                return
            sent.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    out, _ = proc.communicate(timeout=120)
    reader.join(10)
    os.close(master)
    return proc.returncode, out.decode(), b"".join(sent).decode(errors="replace")


def in_a_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bpdebug", *args], capture_output=True, text=True, timeout=120
    )


ERASE = "\r\x1b[2K"


def test_check_shows_its_progress_on_a_terminal_and_nothing_in_a_pipe(tmp_path: Path) -> None:
    f = tmp_path / "chain.json"
    write_network(f, chain(300, m=2))
    code, out, terminal = on_a_terminal("check", str(f))
    assert code == 0 and "max relative error" in out
    assert f"{ERASE}checked 0 of 600 tensors (" in terminal
    assert f"{ERASE}checked 600 of 600 tensors (100% of the work)" in terminal
    assert terminal.endswith(ERASE)  # the line is gone when the result is printed
    piped = in_a_pipe("check", str(f))
    assert piped.returncode == 0 and piped.stderr == ""
    assert untimed(piped.stdout) == untimed(out)


def untimed(report: str) -> str:
    """A check's report without its timings, which vary from run to run."""
    return re.sub(r"[\d.]+ ms", "… ms", report)


def test_trace_json_shows_its_progress_on_a_terminal_and_nothing_in_a_pipe(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    n = 150_000
    layers = (Layer("tanh", read_only_array(rng.normal(0, 1e-3, (1, n))), read_only_array([0.1])),)
    net = Network(
        layers, "mse", 0.1, read_only_array(rng.normal(0, 1, (n, 1))), read_only_array([[0.5]])
    )
    f = tmp_path / "inputs.json"
    write_network(f, net)
    total = json_numbers(build_trace(load_network(f)))
    code, out, terminal = on_a_terminal("trace", str(f), "--format", "json")
    assert code == 0 and json.loads(out)["steps"]
    assert f"{ERASE}loading the network…" in terminal
    shown = [
        int(n.replace(",", ""))
        for n in re.findall(
            re.escape(ERASE) + rf"writing the JSON: ([\d,]+) of {total:,} numbers", terminal
        )
    ]
    assert shown == sorted(shown) and shown[-1] == total
    assert len([n for n in shown if 1000 < n < total]) >= 4  # a 150,000-entry row in blocks
    assert terminal.endswith(ERASE)
    piped = in_a_pipe("trace", str(f), "--format", "json")
    assert piped.returncode == 0 and piped.stderr == "" and piped.stdout == out


def test_snapshot_shows_the_keys_pressed_on_a_terminal_and_nothing_in_a_pipe() -> None:
    keys = " ".join(["n"] * 25)
    code, out, terminal = on_a_terminal("snapshot", "xor", "--keys", keys, "--text")
    assert code == 0 and "step 20 of 20" in out
    assert (
        f"{ERASE}pressed 20 of 25 keys" in terminal and f"{ERASE}pressed 25 of 25 keys" in terminal
    )
    assert terminal.endswith(ERASE)
    piped = in_a_pipe("snapshot", "xor", "--keys", keys, "--text")
    assert piped.returncode == 0 and piped.stderr == "" and piped.stdout == out
