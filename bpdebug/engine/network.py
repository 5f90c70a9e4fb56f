"""The network and its data: immutable, float64, one column per example."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from bpdebug.engine.activations import Array
from bpdebug.engine.layers.dense import Layer
from bpdebug.engine.losses import LOSSES, Loss
from bpdebug.engine.optimizers import Optimizer, OptState

INITS = ("xavier", "he", "normal")
MAX_LEARNING_RATE = 1e6  # η is above 0 and at most this, in a file or an edit


def read_only_array(values: object) -> Array:
    """A read-only float64 copy: nothing downstream can change a network in place."""
    arr = np.array(values, dtype=np.float64)
    arr.setflags(write=False)
    return arr


def read_only(arr: Array) -> Array:
    """Make a freshly computed array read-only in place (no copy: nothing else holds it)."""
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class Network:
    """Layers, loss, learning rate and the batch they are trained on (x: n₀ × m, y: n_L × m)."""

    layers: tuple[Layer, ...]
    loss: str
    learning_rate: float
    x: Array
    y: Array
    name: str = ""
    seed: int | None = None
    source: str = field(default="", compare=False)  # the file it came from, if any
    # Every layer's W (row by row) then b, in one read-only vector, when the code that made
    # the network has it at hand (a loaded file, an update): the next update starts from it
    # instead of gathering the parameters again. None otherwise; always equal to them.
    theta: Array | None = field(default=None, compare=False, repr=False)
    # The optimizer of the file's [optimizer] table (None: plain gradient descent) and the
    # state it carries between iterations (None: none yet, zeros).
    optimizer: Optimizer | None = field(default=None, compare=False, repr=False)
    opt_state: OptState | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.name.isprintable():  # a name is shown on screens: no control characters
            printable = "".join(ch if ch.isprintable() else " " for ch in self.name)
            object.__setattr__(self, "name", printable)

    @property
    def loss_fn(self) -> Loss:
        return LOSSES[self.loss]

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (int(self.x.shape[0]), *(layer.n_out for layer in self.layers))

    @property
    def batch_size(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_params(self) -> int:
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    def with_layers(self, layers: tuple[Layer, ...], theta: Array | None = None) -> Network:
        """The same network with other layers (spelled out: `replace` is slow in a loop).

        `theta`: the new layers' W and b in one vector, if the caller has them so.
        """
        return self._rebuilt(layers, theta, self.optimizer, self.opt_state)

    def with_optimizer(self, optimizer: Optimizer | None, state: OptState | None) -> Network:
        """The same network with another optimizer or optimizer state."""
        return self._rebuilt(self.layers, self.theta, optimizer, state)

    def _rebuilt(
        self,
        layers: tuple[Layer, ...],
        theta: Array | None,
        optimizer: Optimizer | None,
        state: OptState | None,
    ) -> Network:
        return Network(
            layers,
            self.loss,
            self.learning_rate,
            self.x,
            self.y,
            self.name,
            self.seed,
            self.source,
            theta,
            optimizer,
            state,
        )

    def with_params(
        self, params: Sequence[tuple[Array, Array]], theta: Array | None = None
    ) -> Network:
        """The same network with each layer's (W, b) replaced, in order (`theta`: the same
        numbers in one vector, if the caller has them so)."""
        layers = tuple(
            Layer(layer.activation, W, b, layer.alpha, layer.frozen)
            for layer, (W, b) in zip(self.layers, params, strict=True)
        )
        return self.with_layers(layers, theta)

    def same_as(self, other: Network) -> bool:
        """Bit-for-bit equality of every number, name and setting."""
        if (self.loss, self.learning_rate, self.name, self.seed, self.depth) != (
            other.loss,
            other.learning_rate,
            other.name,
            other.seed,
            other.depth,
        ):
            return False
        pairs = [(self.x, other.x), (self.y, other.y)]
        for mine, theirs in zip(self.layers, other.layers, strict=True):
            if mine.activation != theirs.activation or mine.frozen != theirs.frozen:
                return False
            if mine.activation == "leaky_relu" and mine.alpha != theirs.alpha:
                return False
            pairs += [(mine.W, theirs.W), (mine.b, theirs.b)]
        if self.optimizer != other.optimizer:
            return False
        mine_state, their_state = self.opt_state, other.opt_state
        if (mine_state is None) != (their_state is None):
            return False
        if mine_state is not None and not mine_state.same_as(their_state):
            return False
        return all(_bits_equal(p, q) for p, q in pairs)

    def __repr__(self) -> str:
        shape = "-".join(str(n) for n in self.sizes)
        return f"Network({self.name!r}, {shape}, {self.loss}, batch={self.batch_size})"


def _bits_equal(p: Array, q: Array) -> bool:
    return p.shape == q.shape and p.tobytes() == q.tobytes()


def init_params(n_out: int, n_in: int, init: str, rng: np.random.Generator) -> tuple[Array, Array]:
    """Initial W, b for a layer given by `units`: xavier/he give zero biases, normal N(0, 1)."""
    if init == "xavier":
        limit = np.sqrt(6.0 / (n_in + n_out))
        return read_only_array(rng.uniform(-limit, limit, (n_out, n_in))), read_only_array(
            np.zeros(n_out)
        )
    if init == "he":
        W = rng.normal(0.0, np.sqrt(2.0 / n_in), (n_out, n_in))
        return read_only_array(W), read_only_array(np.zeros(n_out))
    if init == "normal":
        W = rng.normal(0.0, 1.0, (n_out, n_in))
        return read_only_array(W), read_only_array(rng.normal(0.0, 1.0, n_out))
    raise ValueError(f"unknown init {init!r}")
