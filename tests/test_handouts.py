"""Hand-outs read like a lesson: prose, the chain rule of one weight, typeset notes, a quiz's
veil (the steps a quiz still asks written as blanks)."""

from __future__ import annotations

import numpy as np

from bpdebug.engine import build_trace
from bpdebug.explain import BLANK, explain_markdown
from bpdebug.graph import to_dot
from bpdebug.netfile import load_network
from bpdebug.notation import num
from bpdebug.samples import sample_path


def _trace(name: str):  # type: ignore[no-untyped-def]
    return build_trace(load_network(sample_path(name)))


def _digits(trace, index: int) -> list[str]:  # type: ignore[no-untyped-def]
    return [num(float(v)) for v in np.asarray(trace[index].value).reshape(-1)]


def test_a_veiled_step_is_a_blank_and_later_numbers_write_a_question_mark() -> None:
    """two_layer with z⁽¹⁾ (step 1) veiled: its section is a blank, and a⁽¹⁾'s numbers read
    σ(?) — 0.3775 and 0.3925 appear nowhere; without a veil nothing changes."""
    trace = _trace("two_layer")
    plain = explain_markdown(trace)
    assert explain_markdown(trace, veiled=frozenset()) == plain
    assert all(d in plain for d in _digits(trace, 0))
    veiled = explain_markdown(trace, veiled=frozenset({0}))
    for d in _digits(trace, 0):
        assert d not in veiled, d
    step1 = veiled.split("### Step 1 ")[1].split("### Step 2 ")[0]
    assert BLANK in step1 and "(2) =" in step1
    step2 = veiled.split("### Step 2 ")[1].split("### Step 3 ")[0]
    assert r"\sigma\left( ? \right)" in step2


def test_a_veiled_loss_leaves_the_result_sentence_a_question_mark() -> None:
    trace = _trace("two_layer")
    steps = frozenset({trace.find("loss").index, trace.find("loss_after").index})
    text = explain_markdown(trace, veiled=steps)
    assert num(trace.loss) not in text and num(trace.loss_after) not in text
    assert "$L = ?$" in text and "$L' = ?$" in text


def test_the_dot_of_a_step_writes_a_veiled_value_as_a_question_mark() -> None:
    trace = _trace("two_layer")
    assert all(d in to_dot(trace, 1) for d in _digits(trace, 0)[:1])
    dot = to_dot(trace, 1, veiled=frozenset({0}))
    assert not any(d[:5] in dot for d in _digits(trace, 0)), dot
    assert "z(1) = ?" in dot
