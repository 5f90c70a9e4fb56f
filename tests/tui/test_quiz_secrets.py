"""A quiz keeps its secrets: no value it still asks for can be read anywhere on the screen.

Through the real app at 80×24 and 120×36, for every shipped sample: a walk with every kind
asked (at each step every earlier value, and the current one, is hidden), a walk asking only
δ and one asking only ∂L/∂W (the other steps shown), with the gradient check on, a followed
example, the graph view, and w (and v) opened at the first asked z, δ and ∂L/∂W. At every
step the screen's text (every panel, dialogs and toasts included) is read as numbers, and
none of them may be a hidden entry as the screen would write it (at 4 to 6 significant
digits) or a cut of its digits with 4 or more significant ones (`0.3775`, `0.00877…`,
`1.234…e-05`).

A number that a hidden entry shares with something the screen may show (a parameter, x, y,
η, or an entry of a step that is not hidden: relu's a⁽ˡ⁾ has z⁽ˡ⁾'s positive entries) is not
a leak, and entries of fewer than 4 significant digits (0, 1, 0.35) are too common to tell.
The app marks a step "shown" when what it shows gives the value away; every such mark is
checked here against the values (another step or parameter equal within the tolerance, L′'s
step writing L, a followed example's share of a batch mean).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from decimal import Decimal

import numpy as np
import pytest

from bpdebug.engine import Trace
from bpdebug.files.netfile import load_network
from bpdebug.files.samples import sample_names, sample_path
from bpdebug.notation import num
from bpdebug.session.quiz import Quiz, parse_kinds
from bpdebug.tui.app import BPDebugApp, make_app
from bpdebug.tui.textual_private import screen_strips

SIZES = [(80, 24), (120, 36)]
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:…)?(?:e[+-]\d+)?")


# ---------------------------------------------------------------- numbers as written


def _significant(text: str) -> int:
    mantissa = text.split("e")[0].replace("-", "").replace(".", "").replace("…", "")
    return len(mantissa.lstrip("0"))


def forms(v: float) -> set[str]:
    """Every way the screen could write `v` that gives its digits away: rounded to 4, 5, 6
    significant digits, or its digits cut after 4 or more (fixed or with an exponent), each
    without the … a cut carries (tokens are compared without it)."""
    if not np.isfinite(v) or v == 0:
        return set()
    out = {num(v, d) for d in (4, 5, 6)}
    exact = Decimal(repr(abs(float(v))))  # the digits a screen writes (short_num's too)
    sign = "-" if v < 0 else ""
    fixed = format(exact, "f")
    digits = fixed.replace(".", "").lstrip("0")[:17]
    exponent = f"e{exact.adjusted():+03d}"
    for k in range(4, len(digits) + 1):
        out.add(f"{sign}{digits[0]}.{digits[1:k]}{exponent}")
    first = next(i for i, ch in enumerate(fixed) if ch not in "0.")  # the first digit ≠ 0
    count = 0
    for i, ch in enumerate(fixed[: first + 18]):
        count += i >= first and ch.isdigit()
        if count >= 4 and ch.isdigit():
            out.add(sign + fixed[: i + 1])
    return {f for f in out if _significant(f) >= 4}


def forms_of(values: Iterable[object]) -> set[str]:
    out: set[str] = set()
    for value in values:
        for v in np.ravel(np.asarray(value, dtype=float)):
            out |= forms(float(v))
    return out


def tokens(text: str) -> set[str]:
    """The numbers written in `text`, without the … of a cut one."""
    return {t.replace("…", "") for t in NUMBER.findall(text)}


def screen(app: BPDebugApp) -> str:
    """Everything on the screen now (the top screen over the ones beneath), as text."""
    update = screen_strips(app.screen)
    return "\n".join("".join(seg.text for seg in strip) for strip in update.strips)


# ---------------------------------------------------------------- what is hidden


class Secrets:
    """Who owns each written form of a trace's numbers: the steps (by index) and, as -1, the
    parameters, the data and η (always on screen)."""

    def __init__(self, trace: Trace) -> None:
        net = trace.network
        self.trace = trace
        self.owners: dict[str, set[int]] = {}
        params: list[object] = [net.x, net.y, net.learning_rate]
        for step in trace.steps:
            params += [op.value for op in step.operands if op.param is not None]
            self._own(step.index, [step.value])
        self._own(-1, params)
        self.flat = [np.ravel(np.asarray(s.value, dtype=float)) for s in trace.steps]
        self.params = [np.ravel(np.asarray(v, dtype=float)) for v in params]

    def _own(self, owner: int, values: list[object]) -> None:
        for f in forms_of(values):
            self.owners.setdefault(f, set()).add(owner)

    def readable(self, hidden: set[int], upto: int, tol: float) -> dict[int, int]:
        """The hidden steps whose whole value the screen shows under another name (a step
        at or before `upto` that is not hidden, or a parameter as -1), within `tol`: the
        app must count those as shown. {hidden step: the one showing it}."""
        flat = self.flat
        found = {}
        for j in sorted(hidden):
            if j > upto:
                continue
            shown = [(i, flat[i]) for i in range(upto + 1) if i not in hidden]
            shown += [(-1, v) for v in self.params]
            for i, v in shown:
                same_size = i != j and v.size == flat[j].size
                if same_size and np.allclose(v, flat[j], rtol=tol, atol=0):
                    found[j] = i
                    break
        return found

    def leaks(self, text: str, hidden: set[int], upto: int) -> dict[str, int]:
        """The numbers in `text` that only a hidden step holds, among what the screen may
        show at step `upto` (the parameters, the steps at or before it that are not hidden):
        {number: the hidden step}."""
        found = {}
        for t in tokens(text):
            owners = self.owners.get(t, set())
            secret = owners & hidden
            allowed = any(o == -1 or (o <= upto and o not in hidden) for o in owners)
            if secret and not allowed:
                found[t] = min(secret)
        return found


def hidden_now(app: BPDebugApp) -> set[int]:
    assert app.quiz is not None
    return app.quiz.hidden(app.trace, app.iteration)


def check_screen(
    app: BPDebugApp, secrets: Secrets, where: str, upto: int | None = None
) -> set[int]:
    """No hidden value on screen (`upto`: the last step whose values it may show, the
    cursor's by default); the steps hidden now."""
    hidden = hidden_now(app)
    text = screen(app)
    readable = secrets.readable(hidden, app.cursor, app.quiz.tol if app.quiz else 1e-3)
    assert not readable, f"{where}: hidden, yet another value shown equals it: {readable}"
    leaks = secrets.leaks(text, hidden, app.cursor if upto is None else upto)
    assert not leaks, (
        f"{where}: hidden values on screen: "
        + ", ".join(f"{t} (step {j + 1}, {app.trace[j].symbol})" for t, j in leaks.items())
        + "\n"
        + text
    )
    return hidden


def check_marks(app: BPDebugApp, followed: bool) -> None:
    """Every step the app marked shown (not answered) is given away by something it shows."""
    assert app.quiz is not None
    trace, tol = app.trace, app.quiz.tol
    params = [op.value for s in trace.steps for op in s.operands if op.param is not None]
    for (it, j), r in app.quiz.records.items():
        if it != app.iteration or not r.shown_by:
            continue
        value = np.ravel(np.asarray(trace[j].value, dtype=float))
        others = [trace[i].value for i in range(len(trace) - 1) if i != j] + params

        def same(v: object, value: np.ndarray = value) -> bool:
            v = np.ravel(np.asarray(v, dtype=float))
            return v.size == value.size and bool(np.allclose(v, value, rtol=tol, atol=0))

        by_loss_after = trace[j].kind == "loss"
        by_example = followed and trace[j].kind == "delta"
        assert by_loss_after or by_example or any(same(v) for v in others), (j, r.shown_by)


# ---------------------------------------------------------------- the walks


async def walk(
    name: str, size: tuple[int, int], kinds: str, graph: bool, follow: bool
) -> tuple[int, int]:
    """Step through one iteration in a quiz asking `kinds`; at each step from the first
    asked one on, no hidden value on screen. Returns (screens checked, hidden steps seen)."""
    app = make_app(load_network(sample_path(name)), quiz=Quiz(parse_kinds(kinds)))
    checked, seen, opened = 0, set(), set()
    async with app.run_test(size=size) as pilot:
        await pilot.press("f")  # the gradient check beside every ∂L/∂W and ∂L/∂b
        if graph:
            await pilot.press("m")
        if follow and app.network.batch_size > 1:
            await pilot.press("full_stop")  # follow example 0
        assert app.quiz is not None
        first = min(i for i, s in enumerate(app.trace.steps) if app.quiz.asks(s))
        secrets = Secrets(app.trace)
        seen |= hidden_now(app)
        last = len(app.trace) - 1
        for index in range(first, last + 1):
            app.go(index)
            await (pilot.pause() if index in (first, last) else asyncio.sleep(0))
            where = f"{name} {size} {kinds} step {index + 1}"
            hidden = check_screen(app, secrets, where)
            checked += 1
            kind = app.trace[index].kind
            if index in hidden and kind in ("z", "delta", "dW") and kind not in opened:
                opened.add(kind)  # the chain rule at the first asked z, δ and ∂L/∂W
                for key in ("w", "v") if kind == "delta" else ("w",):
                    await pilot.press(key)
                    check_screen(app, secrets, f"{where} after {key}", upto=last)
                    await pilot.press("escape")
        check_marks(app, follow)
    return checked, len(seen)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sample_names())
async def test_no_hidden_value_is_on_screen_with_every_step_asked(
    name: str, size: tuple[int, int]
) -> None:
    checked, seen = await walk(name, size, "all", graph=size == (120, 36), follow=False)
    assert checked > 5 and seen > 8  # the walk did look, at many secrets


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sample_names())
async def test_no_hidden_delta_or_gradient_is_on_screen_beside_the_steps_shown(
    name: str, size: tuple[int, int]
) -> None:
    kinds = "delta" if size == (80, 24) else "dW"
    checked, seen = await walk(name, size, kinds, graph=kinds == "delta", follow=True)
    assert checked > 3 and seen >= 1


# ---------------------------------------------------------------- what a student might try


async def test_edits_undo_and_the_file_baseline_keep_the_secrets() -> None:
    """An edit's was/Δ, undo and D (Δ against the file) never write a hidden value, the old
    network's or the new one's."""
    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz())
    async with app.run_test(size=(120, 36)) as pilot:
        first = Secrets(app.trace)
        await pilot.press("n")  # a⁽¹⁾: reads z⁽¹⁾, hidden
        await pilot.press("plus")  # nudge the selected parameter (W⁽¹⁾[0,0], read by z⁽¹⁾)
        await pilot.pause()
        edited = Secrets(app.trace)
        assert edited.trace is not first.trace
        for key in ("", "D", "u", "U", "v"):
            if key:
                await pilot.press(key)
            for secrets in (first, edited):
                check_screen(app, secrets, f"after an edit and {key or 'nothing'}")


async def test_training_on_makes_a_new_quiz_and_the_old_one_counts_as_shown() -> None:
    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert app.iteration == 1 and app.quiz is not None
        old = [r for (it, _), r in app.quiz.records.items() if it == 0]
        assert len(old) == 19 and all(r.revealed and not r.right for r in old)
        secrets = Secrets(app.trace)
        assert len(hidden_now(app)) == 19
        for key in ("n", "n", "G"):
            await pilot.press(key)
            check_screen(app, secrets, f"iteration 1 after {key}")
        assert "L = ?" in app.view.status


async def test_the_exports_leave_hidden_values_blank() -> None:
    """The worked solution, the graph's DOT and SVG and the screenshot: no hidden value,
    nor a later step that would give one away (∂L/∂b⁽¹⁾ is δ⁽¹⁾ here)."""
    app = make_app(load_network(sample_path("two_layer")), quiz=Quiz(parse_kinds("delta, dW")))
    async with app.run_test(size=(120, 36)) as pilot:
        app.go(app.trace.find("dW", 1).index)
        await pilot.pause()
        secrets = Secrets(app.trace)
        hidden = hidden_now(app)
        find = app.trace.find  # δ⁽²⁾ counts as shown: ∂L/∂b⁽²⁾ (step 10) has its value
        assert hidden == {find("dW", 2).index, find("delta", 1).index, find("dW", 1).index}
        for name, text in app.exports():
            if name.endswith(".svg"):
                text = " ".join(re.findall(r">([^<]*)</text>", text))
            assert not secrets.leaks(text, hidden, app.cursor), name
        worked = dict(app.exports())["two_layer-worked.md"]
        assert "0.00877135" not in worked and "0.0363503" in worked  # δ⁽¹⁾ blank, ∂L/∂a⁽¹⁾ not


def test_the_forms_of_a_number_are_its_roundings_and_cuts() -> None:
    f = forms(0.0087713500000000005)
    assert {"0.008771", "0.0087714", "0.00877135", "0.0087713"} <= f
    assert "8.7713e-03" in f and "0.00877" not in f  # 3 digits: too common to tell
    assert forms(0.35) == set() and forms(1.0) == set()
    assert tokens("= [0.00877…; 1.234…e-05] step 13") == {"0.00877", "1.234e-05", "13"}
