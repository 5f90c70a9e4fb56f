"""Hostile [optimizer] tables through the real command line and the app: every bad name,
hyper-parameter and state is one line naming its key; what an edit accepts a file can hold;
the magnitude rule sees the optimizer's state; Adam's state goes to a file and comes back
bit for bit."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from dialogs import type_into

from bpdebug.cli import main
from bpdebug.engine import build_trace
from bpdebug.engine.optimizers import OptState
from bpdebug.engine.params import parse_name
from bpdebug.engine.training import train
from bpdebug.files.netfile import load_network, save_network
from bpdebug.files.samples import sample_path
from bpdebug.files.validate import Limits
from bpdebug.tui.app import make_app
from bpdebug.tui.screens import ConfirmScreen, EditScreen, SaveScreen

ADAM = sample_path("badly_scaled_adam")
BASE = ADAM.read_text().split("[optimizer]")[0]  # the network without its [optimizer] table
ADAM_STATE = "[optimizer.state]\nt = 1\n[optimizer.state.b1]\n"  # b1 has 3 entries
W1_ZEROS = "[[0, 0], [0, 0], [0, 0]]"

CASES = [  # (the table after [optimizer], what the one line says)
    ('name = "adamx"', "optimizer.name: unknown 'adamx' (did you mean 'adam'?)"),
    ("beta1 = 0.9", "optimizer.name: required key is missing"),
    ("name = 3", "optimizer.name: expected a name, got the number 3"),
    ('name = "sgd"\nbeta1 = 0.9', "optimizer.beta1: unknown key; expected one of name, state, "),
    ('name = "adam"\nbeta1 = 1', "optimizer.beta1: must be at least 0 and at most 0.999999, got 1"),
    ('name = "adam"\nbeta2 = 1.0', "optimizer.beta2: must be at least 0 and at most 0.999999"),
    ('name = "adam"\neps = 0', "optimizer.eps: must be at least 1e-300 and at most 1, got 0"),
    ('name = "adam"\neps = -1e-8', "optimizer.eps: must be at least 1e-300 and at most 1"),
    ('name = "rmsprop"\neps = nan', "optimizer.eps: must be a finite number, got nan"),
    ('name = "momentum"\nmomentum = 1.5', "optimizer.momentum: must be at least 0 and at most"),
    ('name = "nesterov"\nmomentum = 1', "optimizer.momentum: must be at least 0 and at most"),
    ('name = "sgd"\nweight_decay = -1', "optimizer.weight_decay: must be at least 0"),
    ('name = "sgd"\nweight_decay = 1e300', "optimizer.weight_decay: must be at least 0"),
    ('name = "adam"\nbeta1 = ' + "9" * 400, "a 400-digit integer is too large to be a number"),
    ('name = "adam"\nstate = 3', "optimizer.state: expected a table, got the number 3"),
    ('name = "adam"\n[optimizer.state]\nt = -1', "optimizer.state.t: must be between 0 and"),
    ('name = "adam"\n[optimizer.state]\nt = 1.5', "optimizer.state.t: expected a whole number"),
    ('name = "adam"\n[optimizer.state]\nt = 1e300', "optimizer.state.t: expected a whole number"),
    ('name = "adam"\n[optimizer.state]\nt = ' + "9" * 400, "got a 400-digit number"),
    ('name = "adam"\n[optimizer.state]\n[optimizer.state.b1]', "optimizer.state.t: required"),
    (
        f'name = "adam"\n{ADAM_STATE}exp_avg = [0, 0]\nexp_avg_sq = [0, 0, 0]',
        "optimizer.state.b1.exp_avg: expected 3 (its parameter's shape), got 2",
    ),
    (
        'name = "adam"\n[optimizer.state]\nt = 1\n[optimizer.state.W1]\nexp_avg = [[0, 0]]',
        "optimizer.state.W1.exp_avg: expected 3×2 (its parameter's shape), got 1×2",
    ),
    (
        f'name = "adam"\n{ADAM_STATE}exp_avg = [[0, 0, 0]]',
        "optimizer.state.b1.exp_avg[0]: expected a number, got a list",
    ),
    (
        f'name = "adam"\n{ADAM_STATE}exp_avg = [nan, 0, 0]',
        "optimizer.state.b1.exp_avg[0]: must be a finite number, got nan",
    ),
    (
        f'name = "adam"\n{ADAM_STATE}exp_avg = [1e300, 0, 0]',
        "optimizer.state.b1.exp_avg[0]: 1e+300 is larger than the limit of 1e+09 (raise it with",
    ),
    (
        f'name = "adam"\n{ADAM_STATE}exp_avg_sq = [-1, 0, 0]',
        "optimizer.state.b1.exp_avg_sq: a running mean of squares cannot be negative",
    ),
    (
        f'name = "momentum"\n{ADAM_STATE}exp_avg = [0, 0, 0]',
        "optimizer.state.b1.exp_avg: unknown key; expected one of velocity",
    ),
    (
        f'name = "adam"\n[optimizer.state]\nt = 1\n[optimizer.state.W9]\nexp_avg = {W1_ZEROS}',
        "optimizer.state.W9: unknown key; expected one of t, W1, b1, W2, b2",
    ),
]


@pytest.mark.parametrize(("table", "says"), CASES)
def test_a_bad_optimizer_table_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], table: str, says: str
) -> None:
    path = tmp_path / "net.toml"
    path.write_text(f"{BASE}[optimizer]\n{table}\n")
    assert main(["trace", str(path), "--format", "json"]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert not out and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"bpdebug: {path}: ") and says in lines[0], lines[0]
    assert len(lines[0]) < len(str(path)) + 200  # a 400-digit number is not written out


def test_a_frozen_parameter_has_no_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "net.toml"
    frozen = BASE.replace('activation = "identity"', 'activation = "identity"\nfrozen = ["b"]')
    path.write_text(f'{frozen}[optimizer]\nname = "adam"\n{ADAM_STATE.replace("b1", "b2")}')
    assert main(["trace", str(path)]) == 2
    assert "optimizer.state.b2: unknown key; expected one of t, W1, b1, W2\n" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("beta1", "0.9999995", "beta1 must be in [0, 1) (at most 0.999999), got 0.9999995"),
        ("beta2", "1", "beta2 must be in [0, 1) (at most 0.999999), got 1.0"),
        ("eps", "1e-310", "eps must be positive (from 1e-300 to 1), got 1e-310"),
        ("weight_decay", "1e7", "weight_decay must be 0 or more (at most 1e+06), got 10000000.0"),
    ],
)
async def test_an_edit_refuses_what_no_file_could_hold(name: str, value: str, says: str) -> None:
    """β₁ = 0.9999995 was taken by the edit dialog, then refused by every save (the file's
    range stops at 0.999999): one range now, for both."""
    app = make_app(load_network(ADAM))
    async with app.run_test(size=(100, 32)) as pilot:
        network = app.network
        app.select(parse_name(name, network))
        await pilot.press("e")
        await type_into(pilot, value)
        assert isinstance(app.screen, EditScreen)
        assert says in str(app.screen.query_one("#error").render())
        await pilot.press("escape")
        assert app.network is network and not app.undo_stack
        app.select(parse_name(name, network))
        await pilot.press("e")
        await type_into(pilot, "0.999999" if name.startswith("beta") else "1e-300")
        assert not isinstance(app.screen, EditScreen)
        assert app.network is not network and len(app.undo_stack) == 1


def test_what_an_edit_accepts_saves_and_loads_back(tmp_path: Path) -> None:
    net = load_network(ADAM)
    from bpdebug.engine.params import set_value

    for name, value in [("beta1", 0.999999), ("eps", 1e-300), ("weight_decay", 1e6)]:
        net = set_value(net, parse_name(name, net), value)
    net = set_value(net, parse_name("m_W1[0,1]", net), 0.25)  # half a state: v stays zeros
    path = tmp_path / "edited.toml"
    save_network(net, path)
    assert load_network(path).same_as(net)


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_adam_state_after_training_loads_back_bit_for_bit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    out = tmp_path / f"trained{suffix}"
    assert main(["train", str(ADAM), "-n", "37", "--output", str(out)]) == 0, capsys.readouterr()
    back = load_network(out)
    trained = train(load_network(ADAM), 37).network
    assert back.opt_state is not None and back.opt_state.t == 37
    assert back.same_as(trained)  # every parameter, t, m and v to the last bit
    for key, arrays in trained.opt_state.tensors.items():
        for name, array in arrays.items():
            assert back.opt_state.of(key)[name].tobytes() == array.tobytes(), (key, name)
    again = tmp_path / f"again{suffix}"  # and once more through the file
    save_network(back, again)
    assert load_network(again).same_as(trained)


GROWING = """name = "Adam whose v grows"
loss = "mse"
learning_rate = 0.01

[data]
x = [[60000.0]]
y = [[0.0]]

[[layers]]
activation = "identity"
W = [[1.0]]
b = [0.0]

[optimizer]
name = "adam"
"""


def test_an_optimizer_state_beyond_the_limit_names_the_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One update makes v = 5.18e16 (inputs of 6e4 are within the limit, v² of their
    gradient is not): the refusal names the flag that writes it, as for any number, and the
    file written with it loads back with it, bit for bit."""
    net_file, out = tmp_path / "growing.toml", tmp_path / "trained.toml"
    net_file.write_text(GROWING)
    assert main(["train", str(net_file), "-n", "1", "--output", str(out)]) == 1
    err = capsys.readouterr().err
    said = err.strip().splitlines()[-1]
    assert said.startswith(
        f"bpdebug train: {out} not written: optimizer.state.W1.exp_avg_sq[0][0]: 5.18e+16 is "
        "beyond the magnitude limit 1e+09; rerun with --max-magnitude 6e16 to write it "
        "(and load it with the same flag); the trained network is kept in "
    )  # the training is not lost: a recovery file holds it
    assert not out.exists()
    args = ["train", str(net_file), "-n", "1", "--output", str(out), "--max-magnitude", "6e16"]
    assert main(args) == 0
    back = load_network(out, Limits(max_magnitude=6e16))
    assert back.same_as(train(load_network(net_file), 1).network)


async def test_the_app_offers_to_save_an_optimizer_state_beyond_the_limit(
    tmp_path: Path,
) -> None:
    net_file = tmp_path / "growing.toml"
    net_file.write_text(GROWING)
    app = make_app(load_network(net_file))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")  # one update: v passes 1e9
        await pilot.pause()
        assert app.network.opt_state is not None and app.network.opt_state.t == 1
        await pilot.press("ctrl+s")
        await type_into(pilot, str(tmp_path / "saved.toml"))
        assert isinstance(app.screen, ConfirmScreen), app.screen
        question = app.screen.question
        assert question.startswith("optimizer.state.W1.exp_avg_sq[0][0] is 5.18e+16, beyond")
        assert "The file will load with --max-magnitude 6e16." in question
        await pilot.click("#save")
        await pilot.pause()
        assert not isinstance(app.screen, SaveScreen | ConfirmScreen)
        trained = app.network
    saved = tmp_path / "saved.toml"
    assert "--max-magnitude 6e16" in saved.read_text().splitlines()[0]
    assert load_network(saved, Limits(max_magnitude=6e16)).same_as(trained)


def test_a_state_holding_nan_is_never_written(tmp_path: Path) -> None:
    net = build_trace(load_network(ADAM)).updated
    assert net.opt_state is not None
    tensors = {k: dict(v) for k, v in net.opt_state.tensors.items()}
    tensors["b2"]["exp_avg"] = np.array([np.nan])
    bad = net.with_optimizer(net.optimizer, OptState(net.opt_state.t, tensors))
    with pytest.raises(ValueError, match=re.escape("optimizer.state.b2.exp_avg is not finite")):
        save_network(bad, tmp_path / "nan.toml")
    assert not (tmp_path / "nan.toml").exists()
