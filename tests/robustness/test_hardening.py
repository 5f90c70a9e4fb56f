"""Hostile input through the real command line and the app: nothing crashes, hangs, loses an
edit or writes a file that does not load back. Each test is one failure a person once saw."""

from __future__ import annotations

import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from command_line import bpdebug
from conftest import random_network
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from paths import NETS
from terminal import in_a_terminal

from bpdebug.engine import Layer, Network, read_only_array
from bpdebug.engine.params import ParamRef, set_value
from bpdebug.files.netfile import NetworkFileError, load_network, save_network
from bpdebug.files.samples import sample_path
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.screens import (
    BreakpointsScreen,
    ConfirmScreen,
    CrashScreen,
    GoToScreen,
    OpenScreen,
    SaveScreen,
    TrainScreen,
)
from bpdebug.tui.screens.dialog import Plain

NET = sample_path("two_layer")


def run(*args: str, timeout: float = 60, **kw: object) -> subprocess.CompletedProcess[str]:
    return bpdebug(*args, timeout=timeout, **kw)


def one_line_error(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    """The process failed with `code` and said exactly one line, no traceback."""
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("bpdebug")
    return lines[0]


def app_for(path: Path = NET) -> BPDebugApp:
    return make_app(load_network(path))


def error_text(app: BPDebugApp) -> str:
    return str(app.screen.query_one("#error", Plain).render())


# ---------------------------------------------------------------- data loss in the app


@pytest.mark.parametrize(
    "open_dialog, dialog, typed",
    [
        (["g"], GoToScreen, "²"),
        (["T"], TrainScreen, "²"),
        (["B"], BreakpointsScreen, "layer ²"),
    ],
)
async def test_a_superscript_digit_is_refused_in_the_dialog(
    open_dialog: list[str], dialog: type, typed: str
) -> None:
    """'²'.isdigit() is True but int('²') fails: the dialog says so; the edit made before
    stays (the app used to exit with a traceback and drop it)."""
    app = app_for()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", *open_dialog)
        assert isinstance(app.screen, dialog)
        if dialog is TrainScreen:
            await pilot.press("ctrl+a", "ctrl+k")
        for ch in typed:
            await pilot.press(ch if ch != " " else "space")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, dialog), "the dialog is still open"
        assert "is not" in error_text(app) and "²" in error_text(app)
        assert app.dirty and len(app.undo_stack) == 1 and app.return_code is None


async def test_an_unexpected_error_in_a_dialog_opens_the_crash_dialog(
    monkeypatch: pytest.MonkeyPatch, recovery_folder: Path
) -> None:
    """Any handler of any screen: the crash dialog, the work kept in a recovery file, and
    'Keep working' goes back to it."""

    def broken(*args: object) -> int:
        raise RuntimeError("a bug in a dialog")

    import bpdebug.tui.screens.goto as goto

    monkeypatch.setattr(goto, "whole_number", broken)  # what the dialog's handler calls
    app = app_for()
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "g", "3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CrashScreen)
        assert "RuntimeError: a bug in a dialog" in app.screen.summary
        kept = list(recovery_folder.glob("recovered-*.toml"))
        assert len(kept) == 1 and app.screen.kept == kept[0]
        assert load_network(kept[0]).same_as(app.network)
        await pilot.click("#keep")
        await pilot.pause()
        assert isinstance(app.screen, GoToScreen) and app.return_code is None


async def test_when_errors_keep_coming_the_app_ends_but_keeps_the_work(
    monkeypatch: pytest.MonkeyPatch, recovery_folder: Path
) -> None:
    """After ten unexpected errors the eleventh ends the app the usual way; the unsaved work
    is written to a recovery file first (the last resort, App._handle_exception)."""
    import bpdebug.tui.screens.goto as goto

    def broken(*args: object) -> int:
        raise RuntimeError("a bug in a dialog")

    monkeypatch.setattr(goto, "whole_number", broken)
    app = app_for()
    with pytest.raises(RuntimeError):
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.press("plus")
            app.crashes = 10  # as if ten errors had come already
            await pilot.press("g", "3", "enter")
            await pilot.pause()
    assert app.return_code == 1
    (kept,) = recovery_folder.glob("recovered-*.toml")
    assert load_network(kept).same_as(app.network)


@pytest.mark.parametrize(
    "typed, says",
    [
        ("n" * 300 + ".toml", "the file name is 305 bytes long; at most 255"),
        ("~nouser12345/x.toml", "~nouser12345: no such user's home folder"),
        ("/no/such/folder/x.toml", "the folder /no/such/folder does not exist"),
    ],
)
async def test_save_names_the_system_refuses_are_said_in_the_dialog(typed: str, says: str) -> None:
    app = app_for()
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("plus", "ctrl+s")
        assert isinstance(app.screen, SaveScreen)
        app.screen.query_one("Input").value = typed  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SaveScreen) and says in error_text(app)
        assert app.dirty


async def test_open_with_a_name_too_long_is_said_in_the_dialog() -> None:
    app = app_for()
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("o")
        app.screen.query_one("Input").value = "n" * 300 + ".toml"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OpenScreen)
        assert "File name too long" in error_text(app)


async def test_opening_a_named_pipe_from_the_app_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    app = app_for()
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("o")
        app.screen.query_one("Input").value = str(fifo)  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert "is a named pipe, not a network file" in error_text(app)


async def test_a_deleted_working_folder_still_saves_and_exports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+s and x in a folder deleted while bpdebug ran: both write to the home folder."""
    gone, home = tmp_path / "gone", tmp_path / "home"
    gone.mkdir()
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(gone)
    gone.rmdir()
    app = app_for()
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.press("plus", "ctrl+s")
        assert isinstance(app.screen, SaveScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert not app.dirty
        assert load_network(home / "two_layer-edited.toml").same_as(app.network)
        await pilot.press("x")
        await pilot.pause()
        assert (home / "two_layer-worked.md").exists() and app.return_code is None


# ---------------------------------------------------------------- signals


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_restores_the_terminal_and_keeps_the_unsaved_network(
    sig: int, recovery_folder: Path
) -> None:
    env = {**os.environ, "BPDEBUG_RECOVERY_DIR": str(recovery_folder), "TERM": "xterm-256color"}
    code, out = in_a_terminal(["two_layer"], env, b"+", sig)
    name = signal.Signals(sig).name
    assert code == 128 + sig, out[-500:]
    assert "\x1b[?1049l" in out  # left the alternate screen
    assert f"bpdebug: ended by {name}" in out
    (kept,) = recovery_folder.glob("recovered-*.toml")
    assert str(kept) in out.replace("\r\n", "")
    net = load_network(kept)
    original = load_network(NET)
    assert float(net.layers[0].W[0, 0]) == pytest.approx(float(original.layers[0].W[0, 0]) + 0.1)


async def test_escape_keeps_the_kept_network_for_later(recovery_folder: Path) -> None:
    from bpdebug.files.recovery import write_recovery

    kept = write_recovery(set_value(load_network(NET), ParamRef("lr"), 0.25), "a test")
    app = make_app(load_network(NET), offer_recovered=True)
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert kept.exists() and app.network.learning_rate == 0.5


async def test_the_next_start_offers_to_open_the_kept_network(recovery_folder: Path) -> None:
    from bpdebug.files.recovery import write_recovery

    edited = set_value(load_network(NET), ParamRef("W", 1, 0, 0), 0.75)
    kept = write_recovery(edited, "it received SIGTERM")
    app = make_app(load_network(NET), offer_recovered=True)
    async with app.run_test(size=(120, 32)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "it received SIGTERM" in app.screen.question and str(kept) in app.screen.question
        await pilot.click("#open")
        await pilot.pause()
        assert float(app.network.layers[0].W[0, 0]) == 0.75
        assert app.dirty and not kept.exists()  # unsaved work again, in this session


# ---------------------------------------------------------------- writing files


def test_force_writes_through_a_symlink_and_never_replaces_a_device(tmp_path: Path) -> None:
    target = tmp_path / "target.md"
    target.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert run("explain", "xor", "--output", str(link), "--force").returncode == 0
    assert link.is_symlink() and target.read_text().startswith("# Worked solution: XOR")
    null = tmp_path / "null.md"
    null.symlink_to("/dev/null")
    assert run("explain", "xor", "--output", str(null), "--force").returncode == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)  # written to, not replaced
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    said = one_line_error(run("explain", "xor", "--output", str(fifo), "--force", timeout=20))
    assert "named pipe that nothing is reading" in said
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 10**6),
    scale=st.sampled_from([1.0, 1e8, 1e12]),
    alpha=st.sampled_from([0.05, 1.5, -0.5]),
    name=st.text(max_size=260),
)
def test_whatever_save_writes_loads_back_identical(
    tmp_path: Path, seed: int, scale: float, alpha: float, name: str
) -> None:
    """Any network, valid or not: save refuses with the loader's own message, or writes a
    file that the loader reads back bit for bit."""
    base = random_network(seed, 2, 2, "sigmoid", "mse", hidden="leaky_relu")
    layers = tuple(
        Layer(la.activation, read_only_array(la.W * scale), la.b, alpha, la.frozen)
        for la in base.layers
    )
    net = Network(layers, "mse", 0.1, base.x, base.y, name=name)
    path = tmp_path / f"n{seed}.toml"
    path.unlink(missing_ok=True)
    try:
        save_network(net, path)
    except NetworkFileError as exc:
        assert not path.exists() and exc.key  # refused, naming the key
        return
    assert load_network(path).same_as(net)


# ---------------------------------------------------------------- import-torch


def _safetensors(path: Path, tensors: dict[str, np.ndarray]) -> None:
    import json
    import struct

    header, data = {}, b""
    for key, value in tensors.items():
        raw = np.asarray(value, dtype="<f4").tobytes()
        header[key] = {
            "dtype": "F32",
            "shape": list(value.shape),
            "data_offsets": [len(data), len(data) + len(raw)],
        }
        data += raw
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def test_safetensors_weights_import_without_running_anything(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    W1, b1, W2, b2 = (
        rng.normal(size=(4, 3)),
        rng.normal(size=4),
        rng.normal(size=(1, 4)),
        rng.normal(size=1),
    )
    weights = tmp_path / "w.safetensors"  # names sort 10 before 2: read in natural order
    _safetensors(
        weights, {"net.10.weight": W2, "net.10.bias": b2, "net.2.weight": W1, "net.2.bias": b1}
    )
    out = tmp_path / "w.toml"
    proc = run("import-torch", str(weights), "--activations", "tanh,sigmoid", "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    net = load_network(out)
    assert [la.activation for la in net.layers] == ["tanh", "sigmoid"]
    np.testing.assert_array_equal(net.layers[0].W, W1.astype(np.float32))
    np.testing.assert_array_equal(net.layers[1].b, b2.astype(np.float32))
    said = one_line_error(run("import-torch", str(weights), "-o", str(tmp_path / "x.toml")))
    assert "give --activations" in said
    said = one_line_error(
        run("import-torch", str(weights), "--activations", "relu", "-o", str(tmp_path / "y.toml"))
    )
    assert "the file has 2 Linear layers" in said


torch_models = """
import sys
import torch
from torch import nn
mismatch = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(5, 2))
huge = nn.Sequential(nn.Linear(2, 2))
with torch.no_grad():
    huge[0].weight.fill_(1e30)
steep = nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(5.0))
negative = nn.Sequential(nn.Linear(2, 2), nn.LeakyReLU(-0.5))
empty = nn.Sequential(nn.Linear(0, 2))
relu_out = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
"""


@pytest.mark.parametrize(
    "attr, extra, says",
    [
        ("mismatch", [], "layers[1].W: expected 2×4"),
        ("huge", [], "larger than the limit of 1e+09"),
        ("steep", [], "layers[0].alpha: must be at least 0 and at most 1, got 5.0"),
        ("negative", [], "layers[0].alpha: must be at least 0 and at most 1, got -0.5"),
        ("empty", [], "Linear(0, 2) has no weights"),
        ("relu_out", ["--loss", "binary_cross_entropy"], "needs a sigmoid output layer"),
    ],
)
@pytest.mark.torch
def test_import_torch_never_writes_a_file_the_loader_refuses(
    tmp_path: Path, attr: str, extra: list[str], says: str
) -> None:
    pytest.importorskip("torch", reason="torch is not installed (an optional extra)")
    (tmp_path / "models.py").write_text(torch_models)
    out = tmp_path / f"{attr}.toml"
    said = one_line_error(
        run("import-torch", f"{tmp_path / 'models.py'}:{attr}", "-o", str(out), *extra)
    )
    assert says in said and not out.exists()


@pytest.mark.torch
def test_import_torch_keeps_the_users_module_to_itself(tmp_path: Path) -> None:
    """A model file named tomli_w.py no longer replaces the library; one that exits is said."""
    pytest.importorskip("torch", reason="torch is not installed (an optional extra)")
    (tmp_path / "tomli_w.py").write_text(
        "from torch import nn\nmodel = nn.Sequential(nn.Linear(2, 1))\n"
    )
    out = tmp_path / "tw.toml"
    proc = run("import-torch", str(tmp_path / "tomli_w.py"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert load_network(out).layers[0].W.shape == (1, 2)
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    said = one_line_error(run("import-torch", str(tmp_path / "exits.py")))
    assert "the module exited (SystemExit 3)" in said


@pytest.mark.torch
def test_a_state_dict_imports_with_weights_only(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed (an optional extra)")
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
    torch.save(model.state_dict(), tmp_path / "w.pt")
    out = tmp_path / "w.toml"
    proc = run(
        "import-torch", str(tmp_path / "w.pt"), "--activations", "tanh,identity", "-o", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    net = load_network(out)
    np.testing.assert_allclose(net.layers[0].W, model[0].weight.detach().double().numpy())


# ---------------------------------------------------------------- verdicts and warnings


def test_check_fails_when_any_gradient_is_not_finite(tmp_path: Path) -> None:
    """Python's max ignores a nan that is not first: a nan anywhere used to pass."""
    layers = '[[layers]]\nactivation = "identity"\nW = [[1e8]]\nb = [0.0]\n' * 40
    f = tmp_path / "nan.toml"
    f.write_text(f'loss = "mse"\nlearning_rate = 0.1\n[data]\nx = [1.0]\ny = [0.0]\n{layers}')
    proc = run("check", str(f))
    assert proc.returncode == 1
    assert "FAILED: non-finite gradients or estimates in" in proc.stdout
    assert ": OK" not in proc.stdout


def test_explain_warns_when_the_iteration_overflows() -> None:
    overflow = NETS / "overflow.toml"
    proc = run("explain", str(overflow))
    assert proc.returncode == 0
    assert "> **Warning:** step 29, L′, is the first non-finite value" in proc.stdout
    assert proc.stderr.startswith("bpdebug explain: warning: step 29")


# ---------------------------------------------------------------- hand-outs of untrusted files


HOSTILE_NAMES = ["\\input{/etc/hostname}", "net\\", "<img src=x onerror=alert(1)>", "$\\x$ ]] {{"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_from_a_file_is_inert_in_every_hand_out(tmp_path: Path, name: str) -> None:
    net = load_network(NET)
    f = tmp_path / "n.toml"
    save_network(net.__class__(net.layers, net.loss, 0.5, net.x, net.y, name=name), f)
    heading = run("explain", str(f)).stdout.splitlines()[0].removeprefix("# Worked solution: ")
    unescaped = re.sub(r"\\(.)", "", heading)  # what markdown would read as markup
    assert not set(unescaped) & set("<>[]$*`\\")  # nothing special is left unescaped
    assert re.sub(r"\\(.)", r"\1", heading) == name  # and the name reads as it is
    html = run("explain", str(f), "--format", "html").stdout
    assert "<img" not in html
    tex = run("explain", str(f), "--format", "latex").stdout
    title = next(line for line in tex.splitlines() if line.startswith("\\title"))
    braces = re.sub(r"\\[{}]", "", title)  # the braces of the markup, not the name's
    assert "\\input" not in title and braces.count("{") == braces.count("}")
    if shutil.which("pdflatex"):
        (tmp_path / "n.tex").write_text(tex)
        proc = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "n.tex"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stdout[-1500:]
        log = (tmp_path / "n.log").read_text(errors="replace")
        assert "/etc/hostname" not in log.split("(./n.tex")[-1].split("\n", 1)[0]
        assert "(/etc/hostname" not in log  # the file was never opened


# ---------------------------------------------------------------- the corpus: one line, exit 2


def _corpus(tmp: Path) -> dict[str, Path]:
    fifo = tmp / "fifo.toml"
    os.mkfifo(fifo)
    folder = tmp / "folder.toml"
    folder.mkdir()
    big400 = tmp / "big400.toml"
    big400.write_text(
        f'loss = "mse"\nlearning_rate = {"9" * 400}\n[data]\nx = [1]\ny = [1]\n'
        '[[layers]]\nactivation = "identity"\nW = [[1]]\nb = [0]\n'
    )
    bigx = tmp / "bigx.toml"
    bigx.write_text(
        f'loss = "mse"\nlearning_rate = 0.1\n[data]\nx = [{"9" * 5000}]\ny = [1]\n'
        '[[layers]]\nactivation = "identity"\nW = [[1]]\nb = [0]\n'
    )
    m = 20_000
    wide = tmp / "wide.toml"
    rows = ",".join(["[0.5]"] * m)
    wide.write_text(
        f'loss = "mse"\nlearning_rate = 0.1\nseed = 1\n[data]\nx = [{rows}]\ny = [{rows}]\n'
        '[[layers]]\nactivation = "relu"\nunits = 20000\n'
        '[[layers]]\nactivation = "identity"\nunits = 1\n'
    )
    w400 = tmp / "w400.toml"
    w400.write_text(
        'loss = "mse"\nlearning_rate = 0.1\n[data]\nx = [1]\ny = [1]\n'
        f'[[layers]]\nactivation = "leaky_relu"\nalpha = {"1" * 400}\nW = [[1]]\nb = [0]\n'
    )
    return {
        "a 400-digit slope": w400,
        "a FIFO": fifo,
        "/dev/zero": Path("/dev/zero"),
        "/dev/urandom": Path("/dev/urandom"),
        "a folder": folder,
        "a name over 255 bytes": tmp / ("n" * 300 + ".toml"),
        "a 400-digit learning rate": big400,
        "a 5,000-digit input": bigx,
        "activations of 20 GiB": wide,
    }


CORPUS_SAYS = {
    "a 400-digit slope": "layers[0].alpha: a 400-digit integer is too large to be a number",
    "a FIFO": "is a named pipe, not a network file",
    "/dev/zero": "is a character device, not a network file",
    "/dev/urandom": "is a character device, not a network file",
    "a folder": "is a folder",
    "a name over 255 bytes": "File name too long",
    "a 400-digit learning rate": "learning_rate: a 400-digit integer is too large to be a number",
    "a 5,000-digit input": "a number has more than 4,300 digits",
    "activations of 20 GiB": "raise it with --max-trace-bytes",
}


@pytest.mark.parametrize("case", sorted(CORPUS_SAYS))
@pytest.mark.parametrize("command", ["trace", "check", "explain"])
def test_every_hostile_file_is_one_line_and_exit_2(tmp_path: Path, case: str, command: str) -> None:
    path = _corpus(tmp_path)[case]
    said = one_line_error(run(command, str(path), timeout=30))
    assert CORPUS_SAYS[case] in said


def test_raised_limits_that_exhaust_memory_are_one_line(tmp_path: Path) -> None:
    wide = _corpus(tmp_path)["activations of 20 GiB"]

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "trace", str(wide), "--max-trace-bytes", "1e12"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap_memory,
    )
    assert "not enough memory for this network" in one_line_error(proc)


@pytest.mark.parametrize(
    "args, says",
    [
        (["snapshot", "two_layer", "--keys", "banana+n", "--text"], "unknown key 'banana+n'"),
        (["explain", "xor", "--output", "n" * 300 + ".md"], "the file name is 303 bytes"),
        (["snapshot", "xor", "--output", "n" * 300 + ".svg"], "the file name is 304 bytes"),
    ],
)
def test_bad_arguments_are_one_line(args: list[str], says: str) -> None:
    assert says in one_line_error(run(*args))


def test_an_output_the_terminal_cannot_take_is_no_traceback() -> None:
    ascii_env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    proc = run("trace", "two_layer", env=ascii_env)
    assert proc.returncode == 0 and "\\u2202" in proc.stdout and not proc.stderr
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "bpdebug", "trace", "xor"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert "cannot write the output: No space left on device" in one_line_error(proc, 1)
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "trace", "xor"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.close(1),
    )
    assert "standard output is closed" in one_line_error(proc)


def test_check_shows_progress_on_a_terminal_only(tmp_path: Path) -> None:
    import pty

    layers = '[[layers]]\nactivation = "tanh"\nunits = 4\n' * 30
    f = tmp_path / "deep.toml"
    f.write_text(
        'loss = "mse"\nlearning_rate = 0.1\nseed = 0\n'
        f"[data]\nx = [1.0]\ny = [0.0, 1, 0, 0]\n{layers}"
    )
    piped = run("check", str(f))
    assert "checked" not in piped.stderr
    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "check", str(f)],
        stdout=subprocess.PIPE,
        stderr=slave,
        timeout=120,
    )
    os.close(slave)
    shown = os.read(master, 1 << 20).decode(errors="replace")
    os.close(master)
    assert proc.returncode == 0 and "checked 60 of 60 tensors" in shown
