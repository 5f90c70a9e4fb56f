"""The debugger's view state: where it is and how it shows the session, in one object.

The session (session/session.py) holds the work: the network, its trace, the history. This
holds what the screen adds to it: the step at the cursor, the parameter selected, the
precision, the example followed, what a quiz hides and the gradient check. The App changes
it and hands each panel what it draws (views/panels.py); no widget keeps a copy of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bpdebug.engine import Trace
from bpdebug.engine.gradcheck import CheckReport
from bpdebug.engine.params import ParamRef
from bpdebug.notation import DIGITS

FIRST_PARAMETER = ParamRef("W", 1, 0, 0)


@dataclass
class ViewState:
    """What the debugger shows of its session, and how."""

    cursor: int = 0  # the step shown (0-based)
    selected: ParamRef = FIRST_PARAMETER  # the parameter e, + and − change
    nudge: float = 0.1  # what + and − add to it
    digits: int | None = DIGITS  # significant digits shown; None: every digit
    example: int | None = None  # the example (column) of a batch being followed
    veiled: frozenset[int] = frozenset()  # the steps a quiz hides at the cursor: written ?
    checking: bool = False  # f: finite differences beside ∂L/∂W and ∂L/∂b
    check: tuple[Trace, CheckReport] | None = field(default=None, repr=False)  # once a trace
    graph: bool = False  # m: the diagram shows the computational graph, not the units
    status: str = ""  # the title bar's "iteration k · L = …"
    plot_hides_loss: bool = False  # the loss plot was last drawn without a quiz's L

    @property
    def followed(self) -> int:
        """The example whose numbers the diagram writes: the followed one, else the first."""
        return self.example if self.example is not None else 0

    def start_afresh(self) -> None:
        """Another network: the first parameter selected, the whole batch followed."""
        self.selected, self.example = FIRST_PARAMETER, None
