"""import-torch: an nn.Sequential round-trips into a network with the same numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bpdebug.cli import main
from bpdebug.engine import build_trace
from bpdebug.files.netfile import load_network

try:
    import torch
except ImportError:
    torch = None
pytestmark = [
    pytest.mark.torch,
    pytest.mark.skipif(torch is None, reason="torch is not installed (an optional extra)"),
]

MODEL = """
import torch
from torch import nn
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4), nn.LeakyReLU(0.2),
                      nn.Linear(4, 2, bias=False), nn.Softmax(dim=-1))
bad = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Linear(4, 2))
"""


def test_a_sequential_round_trips(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "mymodel.py").write_text(MODEL)
    out = tmp_path / "net.toml"
    assert main(["import-torch", f"{tmp_path / 'mymodel.py'}:model", "-o", str(out)]) == 0
    net = load_network(out)
    assert [la.activation for la in net.layers] == ["tanh", "leaky_relu", "softmax"]
    assert net.layers[1].alpha == pytest.approx(0.2) and net.loss == "cross_entropy"
    assert net.layers[2].frozen == frozenset({"b"})  # no bias in torch: zero, kept zero
    import importlib.util

    spec = importlib.util.spec_from_file_location("m2", tmp_path / "mymodel.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    x = np.random.default_rng(1).normal(size=(3, 5))
    with torch.no_grad():
        want = module.model.double()(torch.tensor(x.T)).numpy().T
    trace = build_trace(
        net.__class__(net.layers, net.loss, 0.1, np.asarray(x), np.full((2, 5), 0.5))
    )
    np.testing.assert_allclose(trace.find("a", 3).value, want, rtol=1e-6, atol=1e-7)


def test_unsupported_layers_are_refused_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "mymodel.py").write_text(MODEL)
    assert (
        main(["import-torch", f"{tmp_path / 'mymodel.py'}:bad", "-o", str(tmp_path / "x.toml")])
        == 2
    )
    err = capsys.readouterr().err
    assert err.startswith("bpdebug import-torch: layer 1: Dropout is not supported")
    assert main(["import-torch", str(tmp_path / "nope.py")]) == 2
    assert "nope.py: no such file" in capsys.readouterr().err
