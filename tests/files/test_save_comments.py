"""Saving keeps the file's comments and layout (tomlkit updates the original document), and
what it writes still loads back through the same loader as the same network, bit for bit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpdebug.engine.params import ParamRef, all_refs, get_value, set_value
from bpdebug.engine.training import train
from bpdebug.files.netfile import load_network, network_text, network_to_document, save_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.tui.app import make_app
from bpdebug.tui.screens import SaveScreen

COMMENTED = """\
# My own network: a comment at the top,
# on two lines.
name = "Mine"          # the name, shown in the header
loss = "quadratic"
learning_rate = 0.50   # written with a trailing zero

[data]  # one row per example
x = [
  [0.05, 0.10],  # the only example
]
y = [[0.01, 0.99]]

# the hidden layer
[[layers]]
activation = "sigmoid"
W = [[0.15, 0.20],   # into unit 0
     [0.25, 0.30]]   # into unit 1
b = [0.35, 0.35]

[[layers]]
activation = "sigmoid"
units = 2            # drawn from the seed
"""


def comments(text: str) -> list[str]:
    """Every comment of a TOML text, from its # on (full-line and trailing ones)."""
    return [line[line.index("#") :].rstrip() for line in text.splitlines() if "#" in line]


def keeps_comments(original: str, text: str) -> bool:
    """Whether every comment of `original` is still in `text`, word for word."""
    return all(comment in text for comment in comments(original))


def largest(value: object) -> float:
    """The largest |number| anywhere in a network's document (its optimizer's state too)."""
    if isinstance(value, dict):
        return max((largest(v) for v in value.values()), default=0.0)
    if isinstance(value, list):
        return max((largest(v) for v in value), default=0.0)
    return abs(value) if isinstance(value, float) else 0.0


def loads_as(text: str, suffix: str, net, folder: Path) -> bool:  # type: ignore[no-untyped-def]
    path = folder / f"back{suffix}"
    path.write_text(text)
    return load_network(path).same_as(net)


numbers = st.one_of(
    st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-300, -5e-324, 0.1 + 0.2, 123456789.123]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sample_names()),
    picks=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), numbers), max_size=6),
    iterations=st.sampled_from([0, 0, 2]),
)
def test_random_edits_on_every_sample_save_load_equal_and_keep_the_comments(
    name: str, picks: list[tuple[float, float]], iterations: int, tmp_path_factory
) -> None:
    """Random edits (weights, biases, inputs; -0, tiny and huge numbers), maybe training (an
    optimizer's state appears): the saved text loads back as the same network, and every
    comment of the sample is still in it."""
    folder = tmp_path_factory.mktemp("save")
    net = load_network(sample_path(name))
    refs = [r for r in all_refs(net) if r.tensor in ("W", "b", "x")]
    for where, value in picks:
        ref = refs[int(where * len(refs))]
        net = set_value(net, ref, value)
    if iterations:
        trained = train(net, iterations).network
        if largest(network_to_document(trained)) <= 1e9:  # else saved only when asked
            net = trained
    text = network_text(net, folder / "saved.toml", "Saved by a test")
    assert text.startswith("# Saved by a test\n")
    original = sample_path(name).read_text()
    assert keeps_comments(original, text)
    assert loads_as(text, ".toml", net, folder)


def test_a_commented_file_keeps_its_comments_layout_and_unchanged_numbers(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(COMMENTED)
    net = set_value(load_network(source), ParamRef("W", 1, 1, 0), 0.75)
    text = network_text(net, tmp_path / "mine-edited.toml", "Saved by bpdebug")
    assert keeps_comments(COMMENTED, text)
    assert "learning_rate = 0.50   # written with a trailing zero" in text  # as written
    assert "W = [[0.15, 0.20],   # into unit 0\n     [0.75, 0.30]]   # into unit 1" in text
    last = text.split("[[layers]]")[2]  # units = 2 is now its W and b, the comment kept
    assert "\nW = [[" in last and "] # was units = 2  # drawn from the seed\n" in last
    assert loads_as(text, ".toml", net, tmp_path)


def test_saving_a_saved_file_replaces_bpdebug_s_first_comment(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(COMMENTED)
    first = save_network(load_network(source), tmp_path / "a.toml", comment="Saved by bpdebug 1")
    net = set_value(load_network(first), ParamRef("lr"), 0.25)
    text = network_text(net, tmp_path / "b.toml", "Saved by bpdebug at iteration 2")
    assert text.startswith("# Saved by bpdebug at iteration 2\n# My own network")
    assert "Saved by bpdebug 1" not in text
    assert "learning_rate = 0.25   # written with a trailing zero" in text


def test_json_keeps_writing_json(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(COMMENTED)
    net = load_network(source)
    text = network_text(net, tmp_path / "out.json")
    assert json.loads(text)["learning_rate"] == 0.5
    assert loads_as(text, ".json", net, tmp_path)


def test_a_file_changed_since_it_was_opened_is_written_plainly_and_says_so(
    tmp_path: Path,
) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(COMMENTED)
    net = load_network(source)
    source.write_text(sample_path("deep").read_text())  # four layers now, not two
    text = network_text(net, tmp_path / "out.toml", "Saved by bpdebug")
    assert "# (mine.toml's comments could not be kept: it has 4 layers, the network 2" in text
    assert loads_as(text, ".toml", net, tmp_path)
    source.unlink()
    gone = network_text(net, tmp_path / "out.toml", "Saved by bpdebug")
    assert "comments could not be kept: no such file" in gone
    assert loads_as(gone, ".toml", net, tmp_path)


async def test_ctrl_s_in_the_app_keeps_the_comments(tmp_path: Path) -> None:
    source = tmp_path / "mine.toml"
    source.write_text(COMMENTED)
    app = make_app(load_network(source))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("plus", "t", "ctrl+s")
        assert isinstance(app.screen, SaveScreen)
        await pilot.press("enter")
        await pilot.pause()
        saved = tmp_path / "mine-edited.toml"
        text = saved.read_text()
        assert text.startswith(f"# Saved by bpdebug at iteration 1, from {source}\n")
        assert keeps_comments(COMMENTED, text)
        assert load_network(saved).same_as(app.network)


async def test_a_sample_opened_by_name_keeps_the_sample_s_comments(tmp_path: Path) -> None:
    app = make_app(load_network(sample_path("momentum")))
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("t", "ctrl+s")
        app.screen.query_one("#path").value = str(tmp_path / "momentum-edited.toml")
        await pilot.press("enter")
        await pilot.pause()
    text = (tmp_path / "momentum-edited.toml").read_text()
    assert keeps_comments(sample_path("momentum").read_text(), text)
    assert "[optimizer.state]" in text  # the velocity after one update, saved too
    assert load_network(tmp_path / "momentum-edited.toml").same_as(app.network)


def test_train_output_keeps_the_comments(tmp_path: Path) -> None:
    out = tmp_path / "xor-trained.toml"
    proc = subprocess.run(
        [sys.executable, "-m", "bpdebug", "train", "xor", "-n", "5", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    text = out.read_text()
    assert text.startswith("# Trained by bpdebug train: 5 iterations from xor")
    assert keeps_comments(sample_path("xor").read_text(), text)
    net = load_network(out)
    assert get_value(net, ParamRef("W", 1, 0, 0)) != 0.0  # trained: the numbers moved
    assert net.same_as(train(load_network(sample_path("xor")), 5).network)


def test_a_file_too_large_to_parse_quickly_is_written_plainly_and_says_so(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """tomlkit reads about 1 MB a second: beyond the limit (784-128-10's 3 MB of weights) the
    save stays fast, in bpdebug's own layout, and the first comment says why."""
    import bpdebug.files.netfile

    source = tmp_path / "mine.toml"
    source.write_text(COMMENTED)
    monkeypatch.setattr(bpdebug.files.netfile, "KEEP_LAYOUT_BYTES", len(COMMENTED) - 1)
    net = load_network(source)
    text = network_text(net, tmp_path / "out.toml", "Saved by bpdebug")
    assert text.startswith("# Saved by bpdebug\n# (mine.toml is over 0 KiB: too large to keep")
    assert "# on two lines." not in text and loads_as(text, ".toml", net, tmp_path)
