"""One debugging session, without Textual: the trace and its network, the iteration and the
loss history, undo and redo, what was last saved, the breakpoints, and the recovery file.

The App shows a session and turns keys into calls on it; everything here is plain Python over
the engine, tested on its own (tests/session/test_session.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bpdebug.engine import Network, Trace, build_trace
from bpdebug.engine.params import Change, differences
from bpdebug.engine.training import HISTORY_ROWS, Flow, Run, flow_of_trace
from bpdebug.files.atomic import free_name, here, write_atomically
from bpdebug.files.netfile import Limits, first_nonfinite, flag_number, network_text
from bpdebug.files.samples import SAMPLES_DIR
from bpdebug.files.validate import DEFAULT_LIMITS
from bpdebug.session.conditions import Condition, next_stop, previous_stop, why_stopped


class Pinned(NamedTuple):
    """A loss curve kept to compare the next run with (P): it outlives edits, undo and
    opening another file, which is how a person compares two settings."""

    name: str  # what it was: "η 2 · 300 it"
    losses: np.ndarray
    network: str  # the network's name, said in the legend when another network is open


@dataclass(frozen=True)
class UndoPoint:
    """What undo restores: the network, the iteration it is at, the loss and gradient-flow
    history."""

    network: Network
    iteration: int
    losses: tuple[float, ...]
    flow: Flow


class Session:
    def __init__(self, network: Network) -> None:
        self.recovered_to: Path | None = None  # where unsaved work was kept, if it was
        self.recovered_network: Network | None = None  # the network written there
        self.recovery_error = ""  # why it could not be kept
        self.pinned: Pinned | None = None
        self._start(network)

    def _start(self, network: Network) -> None:
        self.trace: Trace = build_trace(network)
        self.iteration = 0
        self.losses: list[float] = [self.trace.loss]
        self.flow: Flow = flow_of_trace(self.trace)  # rows at iterations 0 … now
        self.undo_stack: list[UndoPoint] = []
        self.redo_stack: list[UndoPoint] = []
        self.saved: Network | None = network  # as last loaded or saved (None: never saved)
        self.loaded = network  # as it was opened
        self.origin = network.source  # the file it was opened from ("" for none)
        self.before: Trace | None = None  # the trace before the latest edit, for differences
        self.action = ""  # what made `before`: "edit", "undo", "redo", "reset"
        self.against_file = False  # differences since the file, not since the last action
        self._file_trace: Trace | None = None
        self.breakpoints: frozenset[int] = frozenset()
        self.conditions: tuple[Condition, ...] = ()

    @property
    def network(self) -> Network:
        return self.trace.network

    @property
    def file_network(self) -> Network:
        """The network as the file holds it: as last saved, else as it was opened."""
        return self.saved if self.saved is not None else self.loaded

    @property
    def baseline(self) -> Trace | None:
        """What values are compared with (None: nothing to compare): the trace before the
        last action, or the file's, as `against_file` says."""
        if not self.against_file:
            return self.before
        if self.network is self.file_network:
            return None
        if self._file_trace is None or self._file_trace.network is not self.file_network:
            self._file_trace = build_trace(self.file_network)
        return self._file_trace

    @property
    def baseline_name(self) -> str:
        """How the screen names the baseline: "before the edit", "in the file"."""
        return "in the file" if self.against_file else f"before the {self.action or 'edit'}"

    def changes(self) -> list[Change]:
        """Every number that differs from the file, with its value there and now."""
        return differences(self.file_network, self.network)

    @property
    def dirty(self) -> bool:
        """Whether the network differs from the file it was loaded from or last saved to."""
        return self.network is not self.saved

    # ------------------------------------------------------------------ changes

    def pin(self) -> Pinned:
        """Keep the loss curve so far, to draw beside the next run's."""
        net = self.network
        self.pinned = Pinned(
            f"η {net.learning_rate:g} · {self.iteration:,} it",
            np.array(self.losses, dtype=float),
            net.name,
        )
        return self.pinned

    def undo_point(self) -> UndoPoint:
        return UndoPoint(self.network, self.iteration, tuple(self.losses), self.flow)

    def edit(self, network: Network) -> None:
        """A what-if edit: remember how to undo it, trace the new network."""
        trace = build_trace(network)  # first: if anything fails, nothing has changed yet
        self.undo_stack.append(self.undo_point())
        self.redo_stack.clear()
        self.before, self.action = self.trace, "edit"
        self.losses[-1] = trace.loss
        self.flow = Flow.join(self.flow.take(slice(0, -1)), flow_of_trace(trace, self.iteration))
        self.trace = trace

    def reset_to_file(self) -> bool:
        """Back to the network as the file holds it, at iteration 0 (undoable); False if
        there is nothing to reset."""
        if self.network is self.file_network:
            return False
        trace = build_trace(self.file_network)
        self.undo_stack.append(self.undo_point())
        self.redo_stack.clear()
        self.before = self.trace if self.iteration == 0 else None
        self.action = "reset"
        self.iteration, self.losses, self.flow = 0, [trace.loss], flow_of_trace(trace)
        self.trace = trace
        return True

    def advance(self, run: Run) -> None:
        """Training moved on by run.iterations iterations: the new iteration's trace."""
        trace = build_trace(run.network)
        flow = run.flow
        if not flow.rows or flow.iteration[-1] < run.iterations:  # the new iteration's row
            flow = Flow.join(flow, flow_of_trace(trace, run.iterations))
        self.undo_stack.append(self.undo_point())
        self.redo_stack.clear()
        self.before = None
        joined = Flow.join(self.flow.take(slice(0, -1)), flow.shifted(self.iteration))
        self.flow = joined.thinned(HISTORY_ROWS)
        self.iteration += run.iterations
        self.losses[-1:] = run.losses
        self.trace = trace

    def train_one(self) -> None:
        """Apply this iteration's update: the next iteration."""
        losses = [self.trace.loss, self.trace.loss_after]
        now = self.flow.take(slice(-1, None)).shifted(-self.iteration)
        self.advance(Run(self.trace.updated, losses, now, "", ""))

    def undo(self) -> bool:
        """Go back one edit or training run; False if there is nothing to undo."""
        if not self.undo_stack:
            return False
        self.redo_stack.append(self.undo_point())
        self._restore(self.undo_stack.pop(), "undo")
        return True

    def redo(self) -> bool:
        if not self.redo_stack:
            return False
        self.undo_stack.append(self.undo_point())
        self._restore(self.redo_stack.pop(), "redo")
        return True

    def _restore(self, point: UndoPoint, action: str) -> None:
        # Undoing an edit shows what it changed; across training there is no "before" to
        # compare a value with (another iteration's numbers are not this one's edit).
        self.before = self.trace if point.iteration == self.iteration else None
        self.action = action
        self.iteration, self.losses = point.iteration, list(point.losses)
        self.flow = point.flow
        self.trace = build_trace(point.network)

    def replace(self, network: Network, saved: bool = True) -> None:
        """Start afresh on another network: no breakpoints, history or edits carry over.
        `saved=False` for work that no file holds (a recovered network)."""
        self.drop_recovery()  # what it kept was discarded with the rest
        self._start(network)
        if not saved:
            self.saved, self.origin = None, ""

    # ------------------------------------------------------------------ breakpoints

    def toggle_breakpoint(self, index: int) -> None:
        self.breakpoints = self.breakpoints ^ {index}

    def add_condition(self, condition: Condition) -> None:
        if condition.text not in {c.text for c in self.conditions}:
            self.conditions = (*self.conditions, condition)

    def next_stop(self, index: int) -> int | None:
        """The next step with a breakpoint or a condition that holds (None: no such step)."""
        return next_stop(self.trace, index, self.breakpoints, self.conditions)

    def previous_stop(self, index: int) -> int | None:
        return previous_stop(self.trace, index, self.breakpoints, self.conditions)

    def why_stopped(self, index: int) -> list[str]:
        """What holds at step `index`: its breakpoint, each matching condition and why."""
        return why_stopped(self.trace, index, self.breakpoints, self.conditions)

    def watching(self) -> str:
        """The breakpoints and conditions, in a few words: "breakpoints 3, 7; dead relu"."""
        parts = []
        if self.breakpoints:
            steps = ", ".join(str(i + 1) for i in sorted(self.breakpoints)[:6])
            more = " …" if len(self.breakpoints) > 6 else ""
            word = "breakpoint" if len(self.breakpoints) == 1 else "breakpoints"
            parts.append(f"{word} {steps}{more}")
        parts += [c.text for c in self.conditions]
        return "; ".join(parts)

    # ------------------------------------------------------------------ files

    @property
    def source(self) -> Path | None:
        """The user's own file this network came from (None for a shipped sample)."""
        if not self.origin or Path(self.origin).resolve().parent == SAMPLES_DIR.resolve():
            return None
        return Path(self.origin)

    def save_suggestion(self) -> Path:
        """NAME-edited.toml beside the original (else here, else the home folder: a folder
        that exists); never an existing file."""
        src = Path(self.origin) if self.origin else Path("network.toml")
        folder = self.source.parent if self.source and self.source.parent.is_dir() else here()
        stem, suffix = src.stem.removesuffix("-edited"), src.suffix or ".toml"
        return free_name(folder / f"{stem}-edited{suffix}")

    def save(
        self, path: Path, overwrite: bool, limits: Limits, max_magnitude: float | None = None
    ) -> Path:
        """Write the network (the loader's checks first); it is then the saved one."""
        text = self.file_text(path, limits, max_magnitude)
        saved = write_atomically(path, text, overwrite)
        self.mark_saved(self.network)
        return saved

    def file_text(self, path: Path, limits: Limits, max_magnitude: float | None = None) -> str:
        """The network as a file named `path` holds it, once the loader's checks pass.
        `max_magnitude`: save numbers up to it, beyond the default limit (the file then says
        the flag that loads it)."""
        origin = f", from {self.origin}" if self.origin else ""
        comment = f"Saved by bpdebug at iteration {self.iteration}{origin}"
        # Held to the limit a plain `bpdebug FILE` loads with, whatever flag this session
        # was started with: beyond it, only when asked, and the file says the flag it needs.
        limits = replace(limits, max_magnitude=max_magnitude or DEFAULT_LIMITS.max_magnitude)
        if max_magnitude is not None:
            comment += f". Load it with --max-magnitude {flag_number(max_magnitude)}"
        return network_text(self.network, path, comment, limits)

    def mark_saved(self, network: Network) -> None:
        """`network` is now what a file holds (saved here, or downloaded by the browser)."""
        self.saved = network
        if network is self.network:
            self.drop_recovery()

    # ------------------------------------------------------------------ recovery

    def keep(self, why: str) -> Path | None:
        """Write unsaved work to a recovery file (a newer one replaces this session's older
        one); None if there is nothing unsaved or it cannot be written (recovery_error)."""
        if not self.dirty:
            return None
        if self.recovered_to is not None and self.recovered_network is self.network:
            return self.recovered_to
        from bpdebug.files.recovery import write_recovery

        try:
            network, reason = self.keepable(why)
            path = write_recovery(network, reason)
        except (OSError, ValueError) as exc:
            self.recovery_error = str(exc)
            return None
        self.drop_recovery()
        self.recovered_to, self.recovered_network = path, self.network
        return path

    def keepable(self, why: str) -> tuple[Network, str]:
        """The network a recovery file can hold: the current one, or, if it holds nan or inf
        (no file could), the newest earlier one that does not."""
        if not first_nonfinite(self.network):
            return self.network, why
        for snapshot in reversed(self.undo_stack):
            if not first_nonfinite(snapshot.network):
                return snapshot.network, f"{why}; the newest network without nan or inf"
        raise ValueError("every network of this session holds nan or inf")

    def drop_recovery(self) -> None:
        """The work is saved (or kept anew): this session's recovery file is not needed."""
        if self.recovered_to is not None:
            self.recovered_to.unlink(missing_ok=True)
        self.recovered_to = self.recovered_network = None
