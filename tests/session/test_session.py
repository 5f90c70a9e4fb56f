"""The session without Textual: edits, undo and redo, training, saving, breakpoints and the
recovery file, as plain calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpdebug.engine import build_trace
from bpdebug.engine.params import ParamRef, set_value
from bpdebug.files.netfile import Limits, load_network
from bpdebug.files.samples import sample_path
from bpdebug.session.conditions import parse_condition
from bpdebug.session.session import Session


@pytest.fixture
def session() -> Session:
    return Session(load_network(sample_path("two_layer")))


def edited(session: Session, value: float) -> None:
    session.edit(set_value(session.network, ParamRef("W", 1, 0, 0), value))


def test_an_edit_is_undone_and_redone_exactly(session: Session) -> None:
    original = session.network
    assert not session.dirty
    edited(session, 0.25)
    assert session.dirty and session.before is not None and session.before.network is original
    assert session.losses == [session.trace.loss]  # this iteration's loss is the edited one
    changed = session.network
    assert session.undo() and session.network.same_as(original)
    assert session.redo() and session.network.same_as(changed)
    assert not session.redo()  # nothing more to redo
    assert session.undo() and session.undo() is False  # one edit, one undo


def test_training_moves_the_iteration_and_undo_brings_it_back(session: Session) -> None:
    start_loss = session.trace.loss
    session.train_one()
    assert session.iteration == 1 and session.before is None
    assert session.losses == [start_loss, session.trace.loss]
    assert session.trace.loss == build_trace(load_network(sample_path("two_layer"))).loss_after
    assert session.undo() and session.iteration == 0 and session.losses == [start_loss]
    assert session.before is None  # another iteration is no "before" to compare with


def test_saving_makes_the_network_the_saved_one(session: Session, tmp_path: Path) -> None:
    edited(session, 0.3)
    path = session.save(tmp_path / "n.toml", False, Limits())
    assert not session.dirty and load_network(path).same_as(session.network)
    assert session.save_suggestion().parent == Path.cwd()  # a sample is saved here, never
    session.origin = str(path)  # beside the shipped samples; a user's file beside itself
    assert session.save_suggestion() == tmp_path / "n-edited.toml"


def test_unsaved_work_is_kept_once_and_dropped_when_saved(
    session: Session, tmp_path: Path, recovery_folder: Path
) -> None:
    assert session.keep("a test") is None  # nothing unsaved: nothing kept
    edited(session, 0.3)
    kept = session.keep("a test")
    assert kept is not None and load_network(kept).same_as(session.network)
    assert session.keep("again") == kept  # the same network is not written twice
    edited(session, 0.4)
    newer = session.keep("again")
    assert newer != kept and not kept.exists()  # a newer copy replaces the older one
    session.save(tmp_path / "saved.toml", False, Limits())
    assert newer is not None and not newer.exists()


def test_breakpoints_and_conditions_find_their_steps(session: Session) -> None:
    session.toggle_breakpoint(4)
    session.toggle_breakpoint(12)
    session.toggle_breakpoint(12)
    assert session.breakpoints == {4}
    assert session.next_stop(0) == 4 and session.next_stop(4) is None  # none after: None
    assert session.previous_stop(4) is None
    assert session.watching() == "breakpoint 5"
    session.add_condition(parse_condition("layer 1", 2))
    session.add_condition(parse_condition("layer 1", 2))  # the same condition once
    assert len(session.conditions) == 1
    assert session.next_stop(4) == session.trace.find("dL_da", 1).index
    assert session.previous_stop(4) == 1  # a⁽¹⁾, layer 1
    assert session.why_stopped(4) == ["breakpoint on step 5"]
    assert session.why_stopped(1) == ["layer 1: a step of layer 1"]
    assert session.watching() == "breakpoint 5; layer 1"


def test_replacing_the_network_starts_afresh(session: Session, recovery_folder: Path) -> None:
    edited(session, 0.3)
    kept = session.keep("a test")
    session.toggle_breakpoint(3)
    xor = load_network(sample_path("xor"))
    session.replace(xor)
    assert session.network is xor and not session.dirty and session.breakpoints == set()
    assert session.undo_stack == [] and session.iteration == 0
    assert kept is not None and not kept.exists()  # the work was discarded with the rest
    session.replace(xor, saved=False)  # recovered work: no file holds it
    assert session.dirty and session.origin == ""
