"""Hostile arguments to `bpdebug exam`, through the real command line: bad variants and seeds,
-o folders that cannot or must not take sheets, re-runs over existing sheets, and a network
whose name is as long as a name may be. Each refusal is one line and exit 2, comes before any
work, and leaves nothing behind; a failure midway takes back what the run wrote."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from command_line import one_line
from readonly import read_only

from bpdebug.cli import main
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_path


def exam(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["exam", "two_layer", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--variants", "0"], "--variants: must be from 1 to 200, got 0"),
        (["--variants", "-3"], "--variants: must be from 1 to 200, got -3"),
        (["--variants", "1000000000"], "--variants: must be from 1 to 200, got 1000000000"),
        (["--variants", "2.5"], "--variants: expected a whole number, got '2.5'"),
        (["--variants", "1e400"], "--variants: expected a whole number, got '1e400'"),
        (["--variants", "two"], "--variants: expected a whole number, got 'two'"),
        (["--seed", "-1"], "--seed: must be from 0 to 9,223,372,036,854,775,807, got -1"),
        (
            ["--seed", str(2**64)],
            f"--seed: must be from 0 to 9,223,372,036,854,775,807, got {2**64}",
        ),
        (["--seed", "9" * 5000], "--seed: expected a whole number, got '9999"),
        (["--seed", "1e3"], "--seed: expected a whole number, got '1e3'"),
    ],
)
def test_bad_variants_and_seeds_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    code, _, err = exam(capsys, *args, "-o", str(tmp_path / "sheets"))
    said = one_line(code, err)
    assert said.startswith("bpdebug exam: argument ") and says in said and len(said) < 200
    assert not (tmp_path / "sheets").exists()


def test_an_output_that_is_not_a_folder_is_refused_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    afile, fifo = tmp_path / "sheets.md", tmp_path / "pipe"  # and /dev/null: test_quiz.py
    afile.write_text("mine")
    os.mkfifo(fifo)
    assert one_line(*exam(capsys, "-o", str(afile))[::2]) == (
        f"bpdebug exam: {afile}: a file is there, not a folder"
    )
    assert one_line(*exam(capsys, "-o", str(fifo))[::2]) == (
        f"bpdebug exam: {fifo}: a file is there, not a folder"
    )
    assert afile.read_text() == "mine" and sorted(os.listdir(tmp_path)) == ["pipe", "sheets.md"]


def test_a_read_only_folder_gets_one_line_and_no_sheet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "locked"
    with read_only(folder):
        said = one_line(*exam(capsys, "-o", str(folder))[::2])
        assert said.startswith(f"bpdebug exam: {folder}/exam-") and "cannot write" in said
        assert said.endswith("(nothing written)")
        said = one_line(*exam(capsys, "-o", str(folder / "sub"))[::2])
        assert said.startswith(f"bpdebug exam: {folder}/sub: ") and "(nothing written)" in said
        assert list(folder.iterdir()) == []


@pytest.mark.parametrize("target", ["/etc", "/proc/self", "/usr/share", "/"])
def test_a_system_folder_is_refused_also_through_a_link(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], target: str
) -> None:
    """As root (this machine's tests run as root) /etc takes any file: the rule, not the
    permissions, must keep sheets out of it."""
    link = tmp_path / "sheets"
    link.symlink_to(target)
    real = os.path.realpath(target)
    before = set(os.listdir(real))
    try:
        said = one_line(*exam(capsys, "-o", str(link))[::2])
        assert said.startswith(f"bpdebug exam: -o {link}: is {real}")
        assert said.endswith("a system folder: sheets go in a folder of your own")
        said = one_line(*exam(capsys, "-o", target)[::2])
        assert "a system folder" in said
    finally:  # should the rule break, take back what it let through
        stray = {name for name in set(os.listdir(real)) - before if name.startswith("exam-")}
        for name in stray:
            os.unlink(os.path.join(real, name))
    assert not stray


def test_a_folder_name_with_a_newline_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    said = one_line(*exam(capsys, "-o", "sheets\nexam")[::2])
    assert said == "bpdebug exam: -o 'sheets\\nexam': a folder name with a control character"
    assert list(tmp_path.iterdir()) == []


def test_a_network_that_cannot_load_makes_no_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["exam", str(tmp_path / "missing.toml"), "-o", str(tmp_path / "new")])
    assert "no such file" in one_line(code, capsys.readouterr().err)
    assert not (tmp_path / "new").exists()


def test_existing_sheets_stay_without_force_and_are_replaced_with_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "sheets"
    assert exam(capsys, "-o", str(folder), "--variants", "2")[0] == 0
    written = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "exam-2.md").write_text("the teacher's notes")
    said = one_line(*exam(capsys, "-o", str(folder), "--variants", "2", "--seed", "7")[::2])
    assert re.fullmatch(
        rf"bpdebug exam: {folder}/exam-\S+ and \d+ more exist already "
        r"\(use --force to replace them\)",
        said,
    ), said
    assert (folder / "exam-2.md").read_text() == "the teacher's notes"
    assert {p.name for p in folder.iterdir()} == set(written)
    code, out, _ = exam(capsys, "-o", str(folder), "--variants", "2", "--force")
    assert code == 0 and "wrote 2 question sheets" in out
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == written  # same seed, same bytes


def test_a_failure_midway_takes_back_what_the_run_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """exam-2.md is a folder: the sheets before it were written, then removed again."""
    folder = tmp_path / "sheets"
    (folder / "exam-2.md").mkdir(parents=True)
    said = one_line(*exam(capsys, "-o", str(folder), "--variants", "3", "--force")[::2])
    assert said == f"bpdebug exam: {folder}/exam-2.md is a folder (nothing written)"
    assert [p.name for p in folder.iterdir()] == ["exam-2.md"]


def test_a_network_named_with_200_characters_can_be_examined(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The name may be 200 characters; 'NAME, variant 12' was 213 and refused by the loader:
    the name is cut, the variant number kept, so every variant is named within 200 and apart."""
    from bpdebug.output.exam import variant_network

    text = sample_path("two_layer").read_text()
    long_name = "N" * 200
    path = tmp_path / "long.toml"
    path.write_text(re.sub(r'^name = ".*"$', f'name = "{long_name}"', text, flags=re.M))
    net = load_network(path)
    code = main(["exam", str(path), "--variants", "12", "-o", str(tmp_path / "sheets")])
    assert code == 0, capsys.readouterr().err
    names = [variant_network(net, 2026, k, False).name for k in range(12)]
    assert all(len(n) <= 200 for n in names) and len(set(names)) == 12
    assert names[11] == "N" * 187 + "…, variant 12"  # 200 characters exactly
    sheet = (tmp_path / "sheets" / "exam-12.md").read_text()
    assert f"# Exam: {'N' * 187}…, variant 12" in sheet
