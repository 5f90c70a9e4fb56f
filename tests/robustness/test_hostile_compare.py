"""Hostile logs and arguments to `bpdebug compare`, through the real command line: one line
naming the file for what cannot be read, right numbers for what can (however large), no
warning, no escape code reaching the terminal, bounded memory for a million rows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from command_line import bpdebug

from bpdebug.files.flow_log import printable


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return bpdebug("compare", *args, cwd=cwd)


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("bpdebug compare: ") and proc.stdout == ""
    return lines[0]


GOOD = "iteration,loss\n0,1\n1,0.5\n2,0.25\n"


def summary(stdout: str) -> dict[str, list[str]]:
    """compare's table: each row's name and its two cells (columns two spaces apart)."""
    rows = [re.split(r"\s{2,}", line.strip()) for line in stdout.splitlines()[1:6]]
    return {row[0]: row[1:] for row in rows}


DIGITS_400 = "1" * 400


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("empty.csv", "", "empty: expected a header row"),
        ("header.csv", "iteration,loss\n", "no rows: the log records no iteration"),
        ("short.csv", "iteration,loss\n0,1\n1\n", "line 3 has 1 cells, the header 2"),
        ("long.csv", "iteration,loss\n0,1,2,3\n", "line 2 has 4 cells, the header 2"),
        ("columns.csv", "step,value\n0,1\n", "no 'iteration' column (columns: step, value)"),
        ("text.csv", "iteration,loss\n0,lots\n", "line 2: 'lots' is not a number"),
        ("huge_it.csv", "iteration,loss\n0,1\n1e300,0.5\n", "whole numbers from 0 to 2**53"),
        ("neg_it.csv", "iteration,loss\n-5,1\n-4,0.5\n", "whole numbers from 0 to 2**53"),
        ("frac_it.csv", "iteration,loss\n0,1\n0.5,0.5\n", "whole numbers from 0 to 2**53"),
        ("nan_it.csv", "iteration,loss\nnan,1\n", "whole numbers from 0 to 2**53"),
        ("back.csv", "iteration,loss\n0,1\n5,1\n3,1\n", "iterations must increase (row 3"),
        ("nul.csv", "iteration,loss\n0,1\x00\n", "line 2: '1\\x00' is not a number"),
        ("field.csv", 'iteration,loss\n0,"' + "9" * 200_000 + '"\n', "not CSV: field larger"),
        ("binary.csv", b"\xff\xfe\x00junk", "not UTF-8 text (byte 0)"),
        ("log.txt", GOOD, "a log is a .csv or .json file"),
        ("bad.json", "{rows: [", "not JSON: "),
        ("list.json", "[1, 2]", 'expected {"rows": [{"iteration": …, "loss": …}, …]}'),
        ("strings.json", '{"rows": [{"iteration": 0, "loss": "low"}]}', "rows[0].loss: 'low'"),
        ("bool.json", '{"rows": [{"iteration": true, "loss": 1}]}', "rows[0].iteration: 'True'"),
        ("deep.json", '{"rows": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ("5000.json", '{"rows": [{"iteration": 0, "loss": ' + "9" * 5000 + "}]}", "not JSON:"),
        (
            "400_it.json",
            '{"rows": [{"iteration": ' + DIGITS_400 + ', "loss": 1}]}',
            "whole numbers from 0 to 2**53",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) and v[-4:] in (".csv", "json", ".txt") else "",
)
def test_a_log_that_cannot_be_read_is_one_line_naming_it(
    tmp_path: Path, name: str, content: str | bytes, says: str
) -> None:
    """Among them what once printed `iterations -9,223,372,036,854,775,808` (1e300), a
    traceback (a 400-digit integer: OverflowError) or a RecursionError's message cut off."""
    bad, good = tmp_path / name, tmp_path / "good.csv"
    if isinstance(content, bytes):
        bad.write_bytes(content)
    else:
        bad.write_text(content)
    good.write_text(GOOD)
    said = one_line(run(str(good), str(bad)))
    assert said.startswith(f"bpdebug compare: {bad}: ") and says in said, said


def test_numbers_beyond_a_float_are_infinite_in_both_formats(tmp_path: Path) -> None:
    """A 400-digit loss: inf, as float() reads the same digits in a CSV; the summary says
    so and the plot draws the finite rest, with no warning on stderr."""
    as_json = tmp_path / "a.json"
    as_json.write_text(
        '{"rows": [{"iteration": 0, "loss": 2}, {"iteration": 1, "loss": ' + DIGITS_400 + "},"
        ' {"iteration": 2, "loss": 1}]}'
    )
    as_csv = tmp_path / "b.csv"
    as_csv.write_text(f"iteration,loss\n0,2\n1,{DIGITS_400}\n2,1\n")
    proc = run(str(as_json), str(as_csv), "--width", "60", "--height", "4")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    rows = summary(proc.stdout)
    assert rows["iterations"] == ["2", "2"] and rows["last loss"] == ["1", "1"]
    assert rows["lowest loss"] == ["1 at 2", "1 at 2"]
    assert rows["ended"] == ["not recorded (non-finite at 1)"] * 2


def test_losses_of_every_size_plot_without_overflow(tmp_path: Path) -> None:
    """From −1e308 to 1e308 the range itself overflows: once nan rows (drawn nothing) and
    RuntimeWarnings; now the curve runs from the top row to the bottom one."""
    log = tmp_path / "extreme.csv"
    log.write_text("iteration,loss\n0,1e308\n1,-1e308\n2,5e-324\n3,nan\n4,inf\n")
    proc = run(str(log), str(log), "--width", "40", "--height", "4")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    plot = [line for line in proc.stdout.splitlines() if "┤" in line]
    assert plot[0].startswith(" 1e+308 ┤∗") and plot[-1].startswith("-1e+308 ┤")
    assert all("∗" in row for row in plot)  # every row of the range is crossed


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--width", "0"], "--width: must be from 10 to 1,000, got 0"),
        (["--width", "-40"], "--width: must be from 10 to 1,000, got -40"),
        (["--width", "1000000"], "--width: must be from 10 to 1,000, got 1000000"),
        (["--width", "1e3"], "--width: expected a whole number, got '1e3'"),
        (["--height", "0"], "--height: must be from 2 to 200, got 0"),
        (["--height", "-1"], "--height: must be from 2 to 200, got -1"),
        (["--height", "1000000"], "--height: must be from 2 to 200, got 1000000"),
    ],
)
def test_sizes_out_of_range_are_one_line(tmp_path: Path, args: list[str], says: str) -> None:
    log = tmp_path / "a.csv"
    log.write_text(GOOD)
    assert says in one_line(run(str(log), str(log), *args))


CONTROL = "\x1b[2J\x1b]0;owned\x07\u202e\r"
CONTROLS = [c for c in CONTROL if not c.isprintable()]  # ESC, BEL, the bidi override, CR


def test_escape_codes_in_names_are_shown_never_obeyed(tmp_path: Path) -> None:
    """A log's file name, its column names and its `ended` reach the terminal: every
    control character in them is printed as its escape (\\x1b), never sent as itself."""
    named = tmp_path / f"run{CONTROL}.csv"
    named.write_text(f"iteration,loss,ended\n0,1,\n1,0.5,stopped{CONTROL}\n")
    proc = run(str(named), str(named), "--width", "60", "--height", "4")
    assert proc.returncode == 0, proc.stderr
    assert not any(char in proc.stdout for char in CONTROLS)
    assert "A: run\\x1b[2J\\x1b]0;owned\\x07\\u202e\\r" in proc.stdout
    assert "stopped\\x1b[2J" in proc.stdout
    missing = tmp_path / f"gone{CONTROL}.csv"
    said = one_line(run(str(named), str(missing)))
    assert said == f"bpdebug compare: {printable(str(missing))}: no such file"
    columns = tmp_path / "columns.csv"
    columns.write_text(f'"step{CONTROL}",loss\n0,1\n')  # quoted: a CR inside the name
    said = one_line(run(str(named), str(columns)))
    assert not any(char in said for char in CONTROLS) and "step\\x1b[2J" in said
    cell = tmp_path / "cell.json"
    cell.write_text(json.dumps({"rows": [{"iteration": 0, f"loss{CONTROL}": "x"}]}))
    said = one_line(run(str(named), str(cell)))
    assert not any(char in said for char in CONTROLS) and "rows[0].loss\\x1b" in said


MEASURE = """
import resource, subprocess, sys
proc = subprocess.run([sys.executable, "-m", "bpdebug", "compare", *sys.argv[1:]],
                      capture_output=True, text=True)
print(proc.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(proc.stdout)
print(proc.stderr)
"""


def test_a_million_rows_read_in_bounded_memory(tmp_path: Path) -> None:
    """A 10⁶-row log (17 MB, under the default file limit) was read into lists of strings,
    about 490 MB at its peak (224 MB through a StringIO of the whole text); read a line at a
    time into float blocks it peaks at about 166 MB, plot included, and every number is
    right."""
    log = tmp_path / "million.csv"
    with log.open("w") as out:
        out.write("iteration,loss\n")
        out.writelines(f"{k},{1 / (k + 1)!r}\n" for k in range(1_000_000))
    short = tmp_path / "short.csv"
    short.write_text(GOOD)
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(short), str(log), "--width", "60", "--height", "4"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    code, peak_kib = (int(v) for v in proc.stdout.splitlines()[0].split())
    assert code == 0, proc.stdout
    rows = summary(proc.stdout.split("\n", 1)[1])
    assert rows["iterations"] == ["2", "999,999"]
    assert rows["lowest loss"] == ["0.25 at 2", "1e-06 at 999,999"]
    assert peak_kib < 200_000, peak_kib


def test_logs_of_different_networks_and_formats_compare(tmp_path: Path) -> None:
    """Mismatched logs — a CSV of a 4-layer run against a JSON of a 2-layer one, with other
    columns and other lengths — compare on what both have: iterations and losses."""
    deep, xor = tmp_path / "deep.csv", tmp_path / "xor.json"
    train = [sys.executable, "-m", "bpdebug", "train"]
    subprocess.run([*train, "deep", "-n", "40", "--log", str(deep)], check=True, timeout=120)
    subprocess.run([*train, "xor", "-n", "7", "--log", str(xor)], check=True, timeout=120)
    proc = run(str(deep), str(xor), "--width", "60", "--height", "4")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert re.split(r"\s{2,}", proc.stdout.splitlines()[0].strip()) == ["A: deep", "B: xor"]
    rows = summary(proc.stdout)
    assert rows["iterations"] == ["40", "7"] and rows["ended"] == ["finite", "finite"]
