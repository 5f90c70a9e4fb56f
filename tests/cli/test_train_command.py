"""`bpdebug train` and `bpdebug compare` through the real command line, in a subprocess: what
a person or a script sees (exit codes, stdout/stderr, the files written)."""

from __future__ import annotations

import csv
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from command_line import bpdebug
from terminal import on_a_terminal
from trained import by_trace, identical

from bpdebug.engine.training import train
from bpdebug.files.flow_log import FlowLogError, columns, read_flow_log
from bpdebug.files.netfile import Limits, load_network
from bpdebug.files.samples import sample_path


def run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return bpdebug(*args, timeout=timeout)


def read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_train_writes_the_network_and_a_csv_log_with_a_row_per_iteration(tmp_path: Path) -> None:
    out, log = tmp_path / "deep-trained.toml", tmp_path / "flow.csv"
    proc = run("train", "deep", "-n", "40", "-o", str(out), "--log", str(log))
    assert proc.returncode == 0, proc.stderr
    expected = train(load_network(sample_path("deep")), 40)
    assert proc.stdout.splitlines()[0].startswith("Deep relu/tanh: 40 iterations, L 0.839957 → ")
    assert "\x1b[" not in proc.stdout + proc.stderr  # not a terminal: no progress bar
    assert identical(load_network(out), expected.network)  # what it wrote loads, bit for bit
    header, rows = read_csv(log)
    assert header == [*columns(4), "ended"] and header[:3] == ["iteration", "loss", "delta_1"]
    assert len(rows) == 41 and [int(r[0]) for r in rows] == list(range(41))
    assert [r[-1] for r in rows] == [""] * 40 + ["finite"]  # how it ended: the last row
    assert [float(r[1]) for r in rows] == expected.losses  # repr: every digit
    delta_1 = [float(r[2]) for r in rows]
    assert delta_1 == list(expected.flow.delta[:, 0])
    dead = [r[header.index("dead_2")] for r in rows]
    assert set(dead) == {""}  # layer 2 is tanh: no dead count


def test_every_k_writes_every_kth_row_and_the_last(tmp_path: Path) -> None:
    log = tmp_path / "flow.csv"
    assert run("train", "xor", "-n", "95", "--every", "10", "--log", str(log)).returncode == 0
    _, rows = read_csv(log)
    assert [int(r[0]) for r in rows] == [*range(0, 95, 10), 95]


def test_a_json_log_writes_null_for_what_is_not_finite(tmp_path: Path) -> None:
    log = tmp_path / "flow.json"
    proc = run(
        "train", "deep", "-n", "300", "--learning-rate", "5", "--keep-going", "--log", str(log)
    )
    assert proc.returncode == 1
    document = json.loads(log.read_text())
    assert document["columns"] == columns(4) and document["learning_rate"] == 5
    rows = document["rows"]
    assert len(rows) == 257 and rows[-1]["iteration"] == 256 and rows[-1]["loss"] is None
    assert rows[0]["dead_2"] is None and isinstance(rows[0]["dead_1"], int)
    assert document["ended"] == "stopped: nonfinite (iteration 256: the loss is inf)"
    back = read_flow_log(log)
    assert back.iteration[-1] == 256 and np.isnan(back.loss[-1])
    assert back.ended == document["ended"]


def test_a_nonfinite_loss_stops_with_exit_1_and_the_diagnosis(tmp_path: Path) -> None:
    out = tmp_path / "blown.toml"
    proc = run("train", "deep", "-n", "300", "--learning-rate", "5", "--keep-going", "-o", str(out))
    assert proc.returncode == 1
    assert "256 of 300 iterations" in proc.stdout and "→ inf" in proc.stdout
    assert "stopped at iteration 256: the loss is inf; kept the last finite network" in proc.stderr
    assert "step 9, L, is the first non-finite value" in proc.stderr
    # the last finite network is beyond the magnitude limit: not written, and it says the flag
    assert not out.exists()
    assert "layers[3].b[0]: 1.18e+154 is beyond the magnitude limit" in proc.stderr
    assert "rerun with --max-magnitude 2e154" in proc.stderr
    again = run(
        "train", "deep", "-n", "300", "--learning-rate", "5", "--keep-going", "-o", str(out),
        "--max-magnitude", "2e154",
    )  # fmt: skip
    assert again.returncode == 1 and out.exists()
    start = load_network(sample_path("deep"))
    from bpdebug.engine.params import ParamRef, set_value

    expected = by_trace(set_value(start, ParamRef("lr"), 5.0), 256)
    assert identical(load_network(out, Limits(max_magnitude=2e154)), expected)


def test_a_diverging_loss_stops_with_exit_1_by_default(tmp_path: Path) -> None:
    proc = run("train", "diverging", "-n", "500")
    assert proc.returncode == 1
    assert "2 of 500 iterations" in proc.stdout
    assert (
        "the loss diverges (iteration 2: the loss 19.09 passed 10× its first value" in proc.stderr
    )
    assert run("train", "diverging", "-n", "5", "--keep-going").returncode == 0
    rising = run("train", "deep", "-n", "500", "--learning-rate", "0.2", "--stop-rising", "3")
    assert rising.returncode == 1 and "rose 3 iterations in a row" in rising.stderr


def test_train_refuses_to_overwrite_before_it_trains(tmp_path: Path) -> None:
    out = tmp_path / "mine.toml"
    out.write_text("my work")
    started = time.monotonic()
    proc = run("train", "wide", "-n", "1e9", "--max-iterations", "1e9", "-o", str(out))
    assert proc.returncode == 2 and time.monotonic() - started < 30  # refused, not trained
    said = f"bpdebug train: --output: {out} already exists (use --force to replace it)"
    assert proc.stderr.strip() == said
    assert out.read_text() == "my work" and proc.stdout == ""
    log = tmp_path / "flow.csv"
    log.write_text("mine")
    proc = run("train", "xor", "--log", str(log))
    assert proc.returncode == 2 and log.read_text() == "mine"
    assert run("train", "xor", "-n", "3", "-o", str(out), "--force").returncode == 0
    assert load_network(out).name == "XOR"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "net.txt"], "--output net.txt: must end in .toml or .json"),
        (["--log", "flow.xlsx"], "--log flow.xlsx: must end in .csv or .json"),
        (["--log", "nofolder/flow.csv"], "the folder nofolder does not exist"),
        (["-n", "0"], "must be a whole number from 1"),
        (["--stop-above", "-3"], "must be a positive finite number"),
    ],
)
def test_bad_train_arguments_get_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "train", "xor", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2 and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and list(tmp_path.iterdir()) == []


def teston_a_terminal_it_shows_a_progress_bar_with_the_rate_and_loss() -> None:
    code, out = on_a_terminal(["train", "wide", "-n", "3000"], wait=0)
    assert code == 0
    assert "training" in out and "it/s · L " in out and "/3000" in out
    assert "Wide 64-32-10: 3,000 iterations" in out


def test_no_progress_bar_when_stdout_is_not_a_terminal_even_if_stderr_is() -> None:
    import pty

    master, slave = pty.openpty()
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "train", "wide", "-n", "3000"],
        stdout=subprocess.PIPE,
        stderr=slave,
        text=True,
        timeout=120,
    )
    os.close(slave)
    said = b""
    while select.select([master], [], [], 0.2)[0]:
        try:
            said += os.read(master, 65536)
        except OSError:
            break
    os.close(master)
    assert proc.returncode == 0 and "3,000 iterations" in proc.stdout
    assert b"it/s" not in said and b"training" not in said


def test_ctrl_c_stops_after_the_iteration_and_still_writes_valid_files(tmp_path: Path) -> None:
    out, log = tmp_path / "wide.toml", tmp_path / "wide.csv"
    args = ["train", "wide", "-n", "10000000", "-o", str(out), "--log", str(log)]
    code, text = on_a_terminal([*args, "--max-log-rows", "2e7"], wait=4.0, sig=signal.SIGINT)
    assert code == 130, text
    assert "interrupted (Ctrl-C) after" in text
    trained = load_network(out)  # loads through the same loader
    _, rows = read_csv(log)
    done = int(rows[-1][0])
    assert 0 < done < 10_000_000 and len(rows) == done + 1
    assert rows[-1][-1] == "stopped: interrupted (Ctrl-C)"
    assert f"{done:,} of 10,000,000 iterations" in text
    start = load_network(sample_path("wide"))
    assert identical(trained, train(start, done).network)  # exactly `done` whole iterations


def test_compare_prints_both_summaries_and_plots_them(tmp_path: Path) -> None:
    a, b = tmp_path / "eta-0.1.csv", tmp_path / "eta-1.json"
    assert run("train", "converging", "-n", "200", "--log", str(a)).returncode == 0
    diverged = run("train", "diverging", "-n", "200", "--keep-going", "--log", str(b))
    assert diverged.returncode == 1  # η = 1 overflows at iteration 167
    proc = run("compare", str(a), str(b), "--width", "70", "--height", "8")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["A:", "eta-0.1", "B:", "eta-1"]
    assert lines[1].split() == ["iterations", "200", "167"]
    assert lines[5].split()[:3] == ["ended", "finite", "stopped:"]
    assert lines[5].endswith("stopped: nonfinite (iteration 167: the loss is inf)")
    assert lines[2].split() == ["first", "loss", "1.34957", "1.34957"]
    assert lines[7] == "loss (log scale) by iteration"
    assert lines[-1] == "⣿ A: eta-0.1   • B: eta-1   ∗ both"
    plot_rows = lines[8:16]
    assert len(plot_rows) == 8 and all("┤" in r for r in plot_rows)
    assert any("•" in r for r in plot_rows)  # B drawn (marked: no colours in a pipe)
    assert any(set(r.split("┤")[1]) - {"⠀", "•", "∗"} for r in plot_rows)  # A drawn


def test_a_diverging_run_s_log_says_so_and_compare_reports_it(tmp_path: Path) -> None:
    """`compare` used to say "ended finite" of a run `train` stopped for divergence."""
    a, b = tmp_path / "eta-0.1.json", tmp_path / "eta-1.csv"
    assert run("train", "converging", "-n", "20", "--log", str(a)).returncode == 0
    assert run("train", "diverging", "-n", "500", "--log", str(b)).returncode == 1
    said = "stopped: diverging (iteration 2: the loss 19.09 passed 10× its first value 1.35)"
    assert read_csv(b)[1][-1][-1] == said
    assert json.loads(a.read_text())["ended"] == "finite"
    proc = run("compare", str(a), str(b))
    assert proc.returncode == 0, proc.stderr
    ended = next(line for line in proc.stdout.splitlines() if line.startswith("ended"))
    assert ended.split()[:2] == ["ended", "finite"] and ended.endswith(said)


def test_an_older_log_without_the_record_still_loads(tmp_path: Path) -> None:
    old = tmp_path / "old.csv"
    old.write_text("iteration,loss\n0,1\n1,0.5\n2,inf\n")
    older = tmp_path / "older.json"
    older.write_text('{"rows": [{"iteration": 0, "loss": 1}, {"iteration": 1, "loss": 0.5}]}')
    assert read_flow_log(old).ended == "" and read_flow_log(older).ended == ""
    proc = run("compare", str(old), str(older))
    assert proc.returncode == 0, proc.stderr
    ended = next(line for line in proc.stdout.splitlines() if line.startswith("ended"))
    assert ended.split("  ")[0] == "ended"
    assert "not recorded (non-finite at 2)" in ended and ended.endswith("not recorded")


def test_runs_of_very_different_lengths_get_a_panel_each(tmp_path: Path) -> None:
    """59 iterations beside 5,000 on one 0–5000 axis were two columns wide: each run is drawn
    on its own iteration scale, each panel naming its run, its scale and its axis."""
    long, short = tmp_path / "long.csv", tmp_path / "short.csv"
    long.write_text("iteration,loss\n" + "".join(f"{k},{1 / (k + 1)}\n" for k in range(5001)))
    short.write_text("iteration,loss\n" + "".join(f"{k},{1 - k / 100}\n" for k in range(60)))
    proc = run("compare", str(long), str(short), "--width", "70", "--height", "8")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    at = lines.index("the runs' lengths differ more than 10×: each on scales of its own")
    panel_a, panel_b = lines[at + 1 : at + 8], lines[at + 8 : at + 15]
    assert panel_a[0] == "⣿ A: long · loss (log scale) by iteration"
    assert panel_b[0] == "• B: short · loss (linear scale) by iteration"
    assert panel_a[-1].split() == ["0", "iteration", "5000"]
    assert panel_b[-1].split() == ["0", "iteration", "59"]
    b_rows = [r.split("┤")[1] for r in panel_b[1:5]]
    assert b_rows[0].startswith("•") and b_rows[-1].endswith("•")  # B spans its whole panel
    assert sum(r.count("•") for r in b_rows) >= 58  # a line, not two columns of a 0–5000 axis
    same = run("compare", str(long), str(long), "--width", "70", "--height", "8")
    assert "scales of its own" not in same.stdout  # as long as each other: one shared plot


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("", "empty"),
        ("iteration,loss\n0,1\n0,2\n", "iterations must increase"),
        ("iteration,loss\n0,abc\n", "'abc' is not a number"),
        ("iteration,los\n0,1\n", "no 'loss' column"),
        ("iteration,loss\n0,1,2\n", "line 2 has 3 cells"),
    ],
)
def test_compare_refuses_a_bad_log_in_one_line(tmp_path: Path, content: str, problem: str) -> None:
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(content)
    good.write_text("iteration,loss\n0,1\n1,0.5\n")
    with pytest.raises(FlowLogError, match=problem):
        read_flow_log(bad)
    proc = run("compare", str(good), str(bad))
    assert proc.returncode == 2 and problem in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_compare_keeps_its_plot_to_a_sane_size(tmp_path: Path) -> None:
    log = tmp_path / "a.csv"
    log.write_text("iteration,loss\n0,1\n1,0.5\n")
    proc = run("compare", str(log), str(log), "--height", "100000000")
    assert proc.returncode == 2 and "--height: must be from 2 to 200" in proc.stderr


def test_pandas_reads_the_csv_log_as_it_is(tmp_path: Path) -> None:
    """The README's `pandas.read_csv("deep.csv")`, with the `ended` column (pandas is not a
    dependency: skipped where it is not installed)."""
    pandas = pytest.importorskip("pandas", reason="pandas is not installed")
    log = tmp_path / "deep.csv"
    assert run("train", "deep", "-n", "30", "--log", str(log)).returncode == 0
    df = pandas.read_csv(log)
    assert list(df.columns) == [*columns(4), "ended"] and len(df) == 31
    assert df["loss"].dtype == float and df["iteration"].tolist() == list(range(31))
    assert df["ended"].iloc[-1] == "finite" and df["ended"].iloc[:-1].isna().all()
