"""Training: many iterations of gradient descent, each recorded only as the numbers a person
watches over time (the gradient flow), stopped where it breaks.

An iteration starts from parameters θₖ with loss Lₖ and moves them to θₖ₊₁ = θₖ − η gₖ. Training
stops before the update of the first iteration whose loss or update is not finite, keeping
θₖ (finite) as the network: the trace of that iteration shows where the nan or inf appears.
It can also stop when the loss diverges (it rose K iterations in a row, or passed F times its
first value), or when asked to. Nothing here is recorded per step: that is the trace's job.

The update is bit for bit the trace's (tests/engine/test_training.py): θ + (−η·g), written into the
gradient's own buffer, checked, then copied over θ; with an optimizer, its stages
(optimizers.update) over the whole parameter vector, the state carried along.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.backprop import loss_of
from bpdebug.engine.flat import flat_gradients, layout_of, parameters
from bpdebug.engine.flow import (  # the record of the gradient flow; its names are training's too
    FLOW_FIELDS,
    HISTORY_ROWS,
    QUANTITIES,
    QUANTITY_NAMES,
    Flow,
    Recorder,
    dead_units,
    flow_of_trace,
    norm,
)
from bpdebug.engine.network import Network, read_only
from bpdebug.engine.optimizers import STATE, OptState, plain, update
from bpdebug.engine.update import descend, frozen_mask, keep_frozen, pick, trained
from bpdebug.engine.vector import unflatten

__all__ = [
    "DIVERGING",
    "FLOW_FIELDS",
    "HISTORY_ROWS",
    "QUANTITIES",
    "QUANTITY_NAMES",
    "Descent",
    "Flow",
    "Recorder",
    "Run",
    "StopRules",
    "dead_units",
    "flow_of_trace",
    "norm",
    "train",
]


@dataclass(frozen=True)
class StopRules:
    """When training stops before it has run every iteration asked for (beyond nan/inf,
    which always stops it): the loss rose `rising` iterations in a row, or passed `factor`
    times its first value. None: never for that reason."""

    rising: int | None = None
    factor: float | None = None

    def __post_init__(self) -> None:
        if self.rising is not None and self.rising < 1:
            raise ValueError(f"rising must be at least 1, got {self.rising}")
        if self.factor is not None and not (math.isfinite(self.factor) and self.factor > 1):
            raise ValueError(f"factor must be a number above 1, got {self.factor}")


DIVERGING = StopRules(rising=10, factor=10.0)  # the app's default: say so, don't run on
KEPT_LOSSES = 1024  # without all_losses: trimmed back to three once this many are held


class Run(NamedTuple):
    """What a training run did."""

    network: Network  # where it ended: the last network whose parameters are finite
    losses: list[float]  # L₀ … Lₙ: the loss before each iteration run, then `network`'s
    flow: Flow  # the gradient flow, rows at iterations 0 … n (all, or spaced; n only with
    # final_row, or when it stopped there)
    stopped: str  # "" (ran them all), "nonfinite", "rising", "factor" or "interrupted"
    reason: str  # what stopped it, in a line ('' when nothing did)
    dropped: int = 0  # losses left out of `losses` after L₀ (Descent's all_losses=False)

    @property
    def iterations(self) -> int:
        return len(self.losses) - 1 + self.dropped


class Probe:
    """What training keeps of a pass for its gradient-flow row: z⁽ˡ⁾ (the dead relu units)
    and δ⁽ˡ⁾ (‖δ‖), l = 1..L; a recorder of backprop's loop that wants no other factor."""

    factors = False

    def __init__(self) -> None:
        self.z: dict[int, Array] = {}
        self.delta: dict[int, Array] = {}

    def backward(
        self, l: int, dL_da: Array | None, dact: Array | None, delta: Array, dW: Array, db: Array
    ) -> None:
        self.delta[l] = delta


class Descent:
    """Gradient descent that records only the losses and the gradient flow.

    The parameters live in one private, writable vector that the working network's W and b
    are views of; an iteration writes θ + (−η·g) into the gradient's buffer (bit for bit the
    trace's update), checks it is finite, and copies it over θ. `every`, `cap`: how the flow
    is recorded (see Recorder). Without `all_losses` only L₀ and the latest losses are kept
    (what the stop rules read): memory stays flat over any number of iterations.
    """

    def __init__(
        self,
        net: Network,
        rules: StopRules = StopRules(),
        every: int = 1,
        cap: int | None = None,
        all_losses: bool = True,
    ) -> None:
        self._start, self.rules = net, rules
        self._all_losses, self._dropped = all_losses, 0
        self._layout = layout_of(net.layers)
        self._theta = parameters(net).copy()  # ours to change
        self._own = unflatten(self._theta, self._layout)  # views: W⁽ˡ⁾ is self._own[l - 1][0]
        self._work = net.with_params(self._own)
        self._learning_rate = net.learning_rate
        self._relu = [layer.activation == "relu" for layer in net.layers]
        self._W_spans = [(w, b) for w, b, *_ in self._layout.spans]  # W⁽ˡ⁾ in the vector
        self._frozen = frozen_mask(net.layers, self._layout)  # where the update must not write
        self._trained = trained(net.layers)
        self.recorder = Recorder(net.depth, every, cap)
        # An optimizer other than plain descent: its state, carried from update to update.
        self._opt = None if plain(net.optimizer) else net.optimizer
        state = net.opt_state or OptState()
        self._t, self._tensors = state.t, {k: dict(v) for k, v in state.tensors.items()}
        self._next = self._theta.copy()  # where the optimizer writes each update
        self._next_views = unflatten(self._next, self._layout)
        # The optimizers are elementwise: with a state for every parameter (or none yet), one
        # call on the whole vector gives each entry exactly what a call per parameter would.
        self._flat: dict[str, Array] | None = self._flat_state()
        self.losses: list[float] = []
        self.stopped, self.reason = "", ""
        self.done = 0  # updates applied
        self._rises = 0

    @property
    def _k(self) -> int:
        """The iteration whose loss was recorded last."""
        return self._dropped + len(self.losses) - 1

    def _record(self, value: float, grad: Array, probe: Probe, force: bool = False) -> None:
        k = self._k
        if not (force or self.recorder.wants(k)):
            return
        theta, relu = self._theta, self._relu
        layers = range(1, len(relu) + 1)
        cols = {
            "delta": [norm(probe.delta[l]) for l in layers],
            "dW": [norm(grad[w:b]) for w, b in self._W_spans],
            "W": [norm(theta[w:b]) for w, b in self._W_spans],
        }
        dead = [dead_units(probe.z[l]) if relu[l - 1] else -1 for l in layers]
        self.recorder.add(k, value, cols, dead, force)

    def _pass(self) -> tuple[float, Array, Probe]:
        probe = Probe()
        value, grad, (z, _) = flat_gradients(self._work, self._layout, probe)
        probe.z = z
        self.losses.append(value)
        if not self._all_losses and len(self.losses) > KEPT_LOSSES:
            self._dropped += len(self.losses) - 3
            del self.losses[1:-2]  # L₀ and the last two: all that the stop rules read
        return value, grad, probe

    def run(self, iterations: int) -> int:
        """Up to `iterations` updates in place, each recorded; how many ran. Stops early,
        saying why in `stopped` and `reason`, when a stop rule holds or when interrupted."""
        done = 0
        with np.errstate(all="ignore"):  # nan/inf are the learner's to see, not warnings
            while done < iterations and not self.stopped:  # `stopped`: also an interrupt
                value, grad, probe = self._pass()
                if self._should_stop(value):
                    self._record(value, grad, probe, force=True)
                    break
                self._record(value, grad, probe)
                if self._opt is not None:
                    new, pending = self._optimizer_step(grad)
                else:  # into the gradient's own buffer: the trace's bits
                    new, pending = descend(self._theta, grad, self._learning_rate, grad), None
                if self._frozen is not None:  # frozen entries stay bit for bit, even if g is nan
                    np.copyto(new, self._theta, where=self._frozen)
                if not math.isfinite(float(new.sum())) and not np.isfinite(new).all():
                    k = self._k
                    self.stopped = "nonfinite"
                    self.reason = f"iteration {k}: the update makes a parameter nan or inf"
                    self._ensure_last_row(value, probe)
                    break
                np.copyto(self._theta, new)
                if pending is not None:
                    self._t += 1
                    if self._flat is not None:
                        self._flat = pending  # type: ignore[assignment]
                    else:
                        self._tensors = pending  # type: ignore[assignment]
                done += 1
        self.done += done
        return done

    def _state_tensors(self) -> dict[str, dict[str, Array]]:
        """The state per parameter (read-only copies), from the vectors or the dictionaries."""
        if self._flat is None:
            return {
                k: {n: read_only(a.copy()) for n, a in v.items()} for k, v in self._tensors.items()
            }
        views = {name: unflatten(vector, self._layout) for name, vector in self._flat.items()}
        return {
            ref.key: {n: read_only(pick(v, ref).copy()) for n, v in views.items()}
            for ref in self._trained
        }

    def _flat_state(self) -> dict[str, Array] | None:
        """The state as vectors laid out like θ, if every trained parameter has it all (or
        none has any yet); None: a partial state, updated parameter by parameter."""
        if self._opt is None or not self._tensors:
            return {} if self._opt is not None else None
        names = STATE[self._opt.name]
        if any(set(self._tensors.get(ref.key, {})) != set(names) for ref in self._trained):
            return None
        flat = {name: np.zeros(self._layout.size) for name in names}
        for name, vector in flat.items():
            views = unflatten(vector, self._layout)
            for ref in self._trained:
                pick(views, ref)[...] = self._tensors[ref.key][name]
        return flat

    def _optimizer_step(self, grad: Array) -> tuple[Array, object]:
        """The optimizer's update of θ and the state it leads to (kept only if finite)."""
        opt = self._opt
        assert opt is not None
        if self._flat is not None:
            learning_rate, t = self._learning_rate, self._t + 1
            stages, state = update(
                opt, self._theta, grad, self._flat, t, learning_rate, stages=False
            )
            return stages[-1].value, state
        return self._optimizer_step_per_parameter(grad)

    def _optimizer_step_per_parameter(
        self, grad: Array
    ) -> tuple[Array, dict[str, dict[str, Array]]]:
        """The optimizer's update of every trained parameter (the trace's stages, optimizers.py),
        into a new vector, and the state it leads to (kept only if the update is finite)."""
        opt = self._opt
        assert opt is not None
        new = self._next  # frozen entries were copied once and are never written
        pending: dict[str, dict[str, Array]] = {}
        grads = unflatten(grad, self._layout)
        learning_rate, t = self._learning_rate, self._t + 1
        for ref in self._trained:
            theta, g = pick(self._own, ref), pick(grads, ref)
            state = self._tensors.get(ref.key, {})
            stages, pending[ref.key] = update(opt, theta, g, state, t, learning_rate, stages=False)
            np.copyto(pick(self._next_views, ref), stages[-1].value)
        return new, pending

    def _ensure_last_row(self, value: float, probe: Probe) -> None:
        """The iteration training stops at keeps its row even where the spacing skipped it."""
        k = self._k
        if self.recorder.wants(k):
            return
        with np.errstate(all="ignore"):  # its gradient again: the buffer now holds the update
            _, grad, _ = flat_gradients(self._work, self._layout)
        self._record(value, grad, probe, force=True)

    def _should_stop(self, value: float) -> bool:
        """Whether the loss just recorded stops training here (before its update)."""
        k = self._k
        if not math.isfinite(value):
            self.stopped, self.reason = "nonfinite", f"iteration {k}: the loss is {value}"
            return True
        first, rules = self.losses[0], self.rules
        self._rises = self._rises + 1 if k and value > self.losses[-2] else 0
        if rules.rising is not None and self._rises >= rules.rising:
            self.stopped = "rising"
            self.reason = f"iteration {k}: the loss rose {self._rises} iterations in a row"
            return True
        if rules.factor is not None and first > 0 and value > rules.factor * first:
            self.stopped = "factor"
            self.reason = (
                f"iteration {k}: the loss {value:.4g} passed {rules.factor:g}× its first "
                f"value {first:.4g}"
            )
            return True
        return False  # (an interrupt from another thread is seen at the next iteration)

    def run_all(
        self,
        iterations: int,
        progress: Callable[[Descent], bool] | None = None,
        chunk: int = 64,
        final_row: bool = True,
    ) -> Run:
        """Up to `iterations` updates, in chunks; `progress` is called after each (returning
        False interrupts), and an interrupt from a signal handler ends the chunk early."""
        while self.done < iterations and not self.stopped:
            self.run(min(chunk, iterations - self.done))
            if progress is not None and not progress(self):
                self.interrupt()
        return self.finish(final_row)

    def interrupt(self, why: str = "stopped when asked") -> None:
        """Stop before the next iteration (from another thread: a key, a signal)."""
        if not self.stopped:
            self.stopped, self.reason = "interrupted", why

    def network(self) -> Network:
        """The current parameters as an immutable network (a copy: later steps don't touch it)."""
        theta = read_only(self._theta.copy())  # frozen entries never moved: it is the network's
        new = unflatten(theta, self._layout)
        net = self._start.with_params(keep_frozen(self._start.layers, new), theta)
        if self._opt is not None:
            net = net.with_optimizer(self._opt, OptState(self._t, self._state_tensors()))
        return net

    def finish(self, final_row: bool = True) -> Run:
        """The run so far: the current network, with its own loss (and, with `final_row`,
        its flow row) appended unless the run stopped before updating it (then they are
        already the last). Without `final_row` only a forward pass is made: the app builds
        the new iteration's trace anyway, and takes that row from it."""
        if self.stopped not in ("nonfinite", "rising", "factor"):
            with np.errstate(all="ignore"):
                if final_row:
                    value, grad, probe = self._pass()
                    self._record(value, grad, probe, force=True)
                else:
                    self.losses.append(loss_of(self._work))
        flow = self.recorder.flow()
        losses = list(self.losses)
        return Run(self.network(), losses, flow, self.stopped, self.reason, self._dropped)


def train(
    net: Network,
    iterations: int,
    rules: StopRules = StopRules(),
    progress: Callable[[Descent], bool] | None = None,
    every: int = 1,
    final_row: bool = True,
) -> Run:
    """Run up to `iterations` updates, recording the flow of every `every`-th. `progress`
    is called after each chunk of iterations; returning False interrupts the run."""
    return Descent(net, rules, every).run_all(iterations, progress, final_row=final_row)
