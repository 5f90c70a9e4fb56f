"""Hostile input to `bpdebug train`, through the real command line: every output is checked
before training, each output is written on its own (one that fails never costs the other),
signals mid-run still write what was asked, and what is recorded stays bounded."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from command_line import bpdebug

from bpdebug.engine.training import KEPT_LOSSES, Descent
from bpdebug.files.flow_log import read_flow_log
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path


def run(*args: str, timeout: float = 120, **kw: object) -> subprocess.CompletedProcess[str]:
    return bpdebug(*args, timeout=timeout, **kw)


def one_line(proc: subprocess.CompletedProcess[str], code: int = 2) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("bpdebug train: ")
    return lines[0]


def unwritable_folder(tmp_path: Path) -> Path:
    """A folder nothing can be created in. Permission bits do not stop root, so as root a
    system folder that refuses new files (/sys) stands in for a read-only one."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    if not Path("/sys/kernel").is_dir():
        pytest.skip("running as root with no /sys: no folder refuses root")
    return Path("/sys")


# ---------------------------------------------------------------- refused before training


def _hostile_log(kind: str, tmp_path: Path) -> tuple[Path, list[str], str]:
    """A --log that can never be written: (its path, extra flags, what the refusal says)."""
    if kind == "folder":
        (tmp_path / "flow.csv").mkdir()
        return tmp_path / "flow.csv", ["--force"], "flow.csv is a folder"
    if kind == "unwritable folder":
        folder = unwritable_folder(tmp_path)
        return folder / "flow.csv", [], f"cannot write in {folder}"
    if kind == "fifo nobody reads":
        os.mkfifo(tmp_path / "flow.csv")
        return tmp_path / "flow.csv", ["--force"], "is a named pipe that nothing is reading"
    if kind == "link to /dev/full":
        (tmp_path / "flow.csv").symlink_to("/dev/full")
        return tmp_path / "flow.csv", ["--force"], "No space left on device"
    if kind == "existing file":
        (tmp_path / "flow.csv").write_text("my earlier log")
        return tmp_path / "flow.csv", [], "already exists (use --force to replace it)"
    return tmp_path / "no-such-folder" / "flow.csv", [], "the folder"


@pytest.mark.parametrize(
    "kind",
    [
        "folder",
        "unwritable folder",
        "fifo nobody reads",
        "link to /dev/full",
        "existing file",
        "missing folder",
    ],
)
def test_a_log_that_cannot_be_written_is_refused_before_training(tmp_path: Path, kind: str) -> None:
    """Once found only after training, when `_write_log(...) and _write_network(...)` then
    dropped the network too. Now: one line naming --log and the file, before any iteration
    (the summary line `train` prints after training never appears), nothing written."""
    log, extra, says = _hostile_log(kind, tmp_path)
    out = tmp_path / "net.toml"
    proc = run("train", "xor", "-n", "50", "-o", str(out), "--log", str(log), *extra)
    said = one_line(proc)
    assert said.startswith("bpdebug train: --log: ") and says in said and str(log) in said
    assert proc.stdout == "" and not out.exists()
    if kind == "existing file":
        assert log.read_text() == "my earlier log"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--learning-rate", "1e7"], "--learning-rate must be above 0 and at most 1e+06"),
        (["--learning-rate", "1e308"], "--learning-rate must be above 0 and at most 1e+06"),
        (["--learning-rate", "nan"], "--learning-rate: must be a positive finite number"),
        (["--learning-rate", "-0.5"], "--learning-rate: must be a positive finite number"),
        (["-n", "0"], "-n: must be a whole number from 1"),
        (["-n", "-5"], "-n: must be a whole number from 1"),
        (["-n", "1e12"], "-n 1,000,000,000,000 is more than 10,000,000 iterations; --max-itera"),
        (["--every", "0"], "--every: must be a whole number from 1"),
        (["--stop-above", "1"], "--stop-above: must be a number above 1, got 1"),
        (["-n", "1e6", "--log", "f.csv"], "--log would hold 1,000,002 rows, more than 100,000"),
    ],
)
def test_bad_numbers_are_refused_before_training(
    tmp_path: Path, args: list[str], says: str
) -> None:
    """η 1e7 and 1e308 used to train to the end and only then fail to save (the loader's
    limit on learning_rate); --stop-above 1 was a traceback; -n 1e12 ran for ever."""
    proc = run("train", "xor", "-o", "net.toml", *args, cwd=tmp_path)
    assert says in one_line(proc) and proc.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_the_bounds_name_the_flags_that_raise_them(tmp_path: Path) -> None:
    said = one_line(run("train", "xor", "-n", "1e6", "--log", str(tmp_path / "f.csv")))
    assert "give --every 11 (a row every 11 iterations) or raise --max-log-rows" in said
    log = tmp_path / "f.csv"
    proc = run("train", "xor", "-n", "300", "--log", str(log), "--max-log-rows", "50", "--every=7")
    assert proc.returncode == 0, proc.stderr
    assert read_flow_log(log).iteration.tolist() == [*range(0, 300, 7), 300]
    assert run("train", "xor", "-n", "12", "--max-iterations", "10").returncode == 2
    assert run("train", "xor", "-n", "12", "--max-iterations", "12").returncode == 0


# ---------------------------------------------------------------- each output on its own


def _has_open(pid: int, path: Path) -> bool:
    """Whether process `pid` holds `path` open (Linux: its /proc/PID/fd links)."""
    folder = Path(f"/proc/{pid}/fd")
    try:
        return any(os.readlink(folder / fd) == str(path) for fd in os.listdir(folder))
    except OSError:
        return False


def _catches(pid: int, signum: int) -> bool:
    """Whether process `pid` has installed a handler for `signum` (/proc/PID/status)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    mask = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(mask, 16) >> (signum - 1) & 1)


def _wait_for(predicate: object, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < end, "the process never got there"
        time.sleep(0.05)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("failing", ["--log", "--output"])
def test_an_output_that_fails_late_never_costs_the_other(
    tmp_path: Path, failing: str, recovery_folder: Path
) -> None:
    """A named pipe that had a reader when training started, and lost it during training:
    the write to it fails (broken pipe) after training. The other output is still written,
    the failure is said, and a network that could not be written is kept in a recovery file
    (loadable, the trained network)."""
    out, log = tmp_path / "net.toml", tmp_path / "flow.csv"
    pipe = out if failing == "--output" else log
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "train", "xor", "-n", "1e7", "--force"]
        + ["-o", str(out), "--log", str(log), "--every", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: _has_open(proc.pid, pipe) and _catches(proc.pid, signal.SIGTERM))
        os.close(reader)  # the reader goes away while training runs
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert "Traceback" not in stderr and len(lines) == 2, stderr
    assert lines[0].startswith("bpdebug train: interrupted (Ctrl-C) after ")
    if failing == "--log":
        assert lines[1] == f"bpdebug train: --log not written: {log}: cannot write: Broken pipe"
        trained = load_network(out)
        assert f"wrote {out}\n" in stdout
    else:
        assert lines[1].startswith(f"bpdebug train: {out} not written: {out}: cannot write: ")
        assert "; the trained network is kept in " in lines[1]
        kept = Path(lines[1].rsplit(" kept in ", 1)[1])
        assert kept.parent == recovery_folder
        trained = load_network(kept)
        flow = read_flow_log(log)
        assert flow.ended == "stopped: interrupted (Ctrl-C)"
        assert f"wrote {log}: {flow.iteration.size:,} rows" in stdout
    assert trained.name == "XOR"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc")
def test_a_pipe_with_a_reader_gets_the_log(tmp_path: Path) -> None:
    """A named pipe is opened when it is checked (its reader is there then) and written after
    training through that same descriptor."""
    log = tmp_path / "flow.csv"
    os.mkfifo(log)
    got: list[bytes] = []

    def read() -> None:
        with open(log, "rb") as stream:
            got.append(stream.read())

    reader = threading.Thread(target=read)
    reader.start()
    proc = run("train", "xor", "-n", "30", "--log", str(log), "--force")
    reader.join(timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = got[0].decode().splitlines()
    assert lines[0].startswith("iteration,loss,") and len(lines) == 32
    assert lines[-1].endswith(",finite")


# ---------------------------------------------------------------- signals mid-run


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=["SIGTERM", "SIGINT", "SIGHUP"]
)
def test_a_signal_mid_run_still_writes_both_outputs(tmp_path: Path, signum: int) -> None:
    """SIGTERM used to kill `train` with nothing written. Now each signal ends training
    after the current iteration; both outputs are written, load back, and agree; the exit
    status is 128 + the signal's number."""
    out, log = tmp_path / "net.toml", tmp_path / "flow.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "train", "wide", "-n", "1e7", "--every", "1000"]
        + ["-o", str(out), "--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: _catches(proc.pid, signal.SIGTERM))  # training is about to start
        time.sleep(1.0)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signum, stderr
    name = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "Ctrl-C", signal.SIGHUP: "SIGHUP"}[signum]
    assert stderr.startswith(f"bpdebug train: interrupted ({name}) after ")
    assert "Traceback" not in stderr
    trained = load_network(out)
    flow = read_flow_log(log)
    assert flow.ended == f"stopped: interrupted ({name})"
    done = int(flow.iteration[-1])
    assert f"{done:,} of 10,000,000 iterations" in stdout
    assert trained.layers[0].W.shape == (32, 64)
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


# ---------------------------------------------------------------- bounded memory


def test_without_a_log_training_keeps_only_a_few_losses() -> None:
    """The engine's part of the bound: L₀ and the latest losses, a few flow rows."""
    net = load_network(sample_path("xor"))
    descent = Descent(net, cap=64, all_losses=False)
    run = descent.run_all(5000)
    assert run.iterations == 5000 and len(run.losses) <= KEPT_LOSSES
    assert run.losses[0] == Descent(net).run_all(1).losses[0]
    assert run.flow.rows <= 64 and run.flow.iteration[-1] == 5000
    full = Descent(net).run_all(5000)
    assert full.losses[-1] == run.losses[-1] and len(full.losses) == 5001


MEASURE = """
import resource, subprocess, sys
subprocess.run([sys.executable, "-m", "bpdebug", "train", "xor", "-n", sys.argv[1]],
               check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def test_a_long_run_without_a_log_does_not_grow() -> None:
    """`train -n 10¹²` grew about 3 MB/s with no --log (every loss and flow row kept): the
    peak memory of 100,000 iterations is that of 1,000 (it grew by ~27 MB before)."""

    def peak_kib(iterations: int) -> int:
        proc = subprocess.run(
            [sys.executable, "-c", MEASURE, str(iterations)],
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        return int(proc.stdout)

    assert peak_kib(100_000) - peak_kib(1_000) < 8_000


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux's /proc")
def test_a_signal_ignored_on_purpose_stays_ignored(tmp_path: Path) -> None:
    """Under nohup SIGHUP is ignored, and must stay so: the closed terminal does not stop
    the run; SIGTERM still does, and the log says which signal it was."""
    log = tmp_path / "flow.csv"
    proc = subprocess.Popen(
        [sys.executable, "-m", "bpdebug", "train", "xor", "-n", "1e7", "--every", "1000"]
        + ["--log", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),
    )
    try:
        _wait_for(lambda: _catches(proc.pid, signal.SIGTERM))
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.0)
        assert proc.poll() is None and not _catches(proc.pid, signal.SIGHUP)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert read_flow_log(log).ended == "stopped: interrupted (SIGTERM)"
