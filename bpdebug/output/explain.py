"""Worked solutions: one gradient-descent iteration written out as a lesson to hand out.

`bpdebug explain NET --format markdown|latex|html` writes the network, then every step in
order: a sentence or two saying what it computes and why (lesson.py), its formula, the
formula with its numbers and the result, and its note; below the gradient of a chosen weight,
that weight's chain rule path by path (why.py); then the update. `--terse` leaves out the
sentences and the derivations: the answer-key form. Every formula comes from the engine's
formula model through the one layout the screen uses; the three formats are the three
writers of handout.py, so they cannot say different things.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

import numpy as np

from bpdebug.engine import Step, Trace
from bpdebug.engine.params import ParamRef
from bpdebug.notation import DIGITS, num
from bpdebug.notation.prose import Math, Prose
from bpdebug.output.answer_grid import GRID_CSS, answer_grid
from bpdebug.output.graph import to_dot
from bpdebug.output.handout import (
    GRAPH_CAPTION,
    Html,
    Latex,
    Markdown,
    Once,
    Writer,
    given,
    graph_html,
    network_words,
    step_heading,
    worked,
)
from bpdebug.output.lesson import Lesson, phase_intro
from bpdebug.output.report import PHASE_TITLES
from bpdebug.output.why import default_whys, derivations


class Options:
    """What a worked solution holds besides the steps: the lesson's sentences (not when
    terse), the derivations of `why` (by default one weight per layer of a small network),
    the steps a quiz still asks (`veiled`: blanks, and `?` in later numbers) and the graph
    (a file beside the document, or None)."""

    def __init__(
        self,
        trace: Trace,
        digits: int | None = DIGITS,
        veiled: frozenset[int] = frozenset(),
        terse: bool = False,
        why: Sequence[ParamRef] | None = None,
        graph_file: str | None = None,
    ) -> None:
        self.trace, self.digits, self.veiled, self.terse = trace, digits, veiled, terse
        refs = list(why) if why is not None else [] if terse else default_whys(trace.network)
        self.whys = {  # (not one whose numbers would give a veiled step's value away)
            after: kept
            for after, ds in derivations(trace, refs, digits).items()
            if (kept := [d for d in ds if not d.uses & veiled])
        }
        self.graph_file = graph_file


def worked_solution(writer: Writer, o: Options) -> str:
    trace, net = o.trace, o.trace.network
    lines = writer.begin(f"Worked solution: {net.name or 'network'}")
    if o.terse:
        words = network_words(net, "A")
        lines += writer.paragraph(
            Prose(words, ": one gradient-descent iteration, every value in order.")
        )
    else:
        lines += writer.paragraph(_introduction(trace))
    if trace.diagnosis():
        lines += writer.warning(trace.diagnosis())
    lines += writer.heading(2, "The network")
    lines += writer.given(given(net, o.digits))
    lines += _figure(writer, o)
    lesson, once = Lesson(trace, o.digits, o.veiled), Once()
    for phase, steps in groupby(trace.steps, key=lambda s: s.phase):
        lines += writer.heading(2, PHASE_TITLES[phase])
        if not o.terse:
            lines += writer.paragraph(phase_intro(trace, phase))
        for step in steps:
            lines += _step(writer, o, step, lesson, once)
    lines += writer.heading(2, "Result")
    lines += writer.paragraph(_result_sentence(trace, o.digits, o.veiled, o.terse))
    if isinstance(writer, Markdown) and not o.graph_file:
        lines += _dot_appendix(trace)
    lines += writer.end()
    return "\n".join(lines).rstrip("\n") + "\n"


def _step(writer: Writer, o: Options, step: Step, lesson: Lesson, once: Once) -> list[str]:
    w = worked(step, o.digits, o.veiled)
    lines = writer.heading(3, step_heading(step))
    said = None if o.terse else lesson(step)
    if said:
        lines += writer.paragraph(said)
    lines += writer.display(w.formula)
    if step.index in o.veiled:  # an exam sheet's answer grid, the shape of the value
        lines += answer_grid(writer, w.lhs, step, working=False)
    else:
        lines += writer.worked(w)
    note = once(step.note) if w.numbers is not None else ""  # L′'s formula says it already
    if note:
        lines += writer.paragraph(note, note=True)
    for d in o.whys.get(step.index, []):
        lines += writer.heading(4, d.title)
        for block in d.blocks:
            lines += writer.paragraph(block.prose) if block.prose else writer.display(block.display)  # type: ignore[arg-type]
    return lines


def _introduction(trace: Trace) -> Prose:
    return Prose(
        "One iteration of gradient descent on ",
        network_words(trace.network),
        ", every value "
        "in the order it is computed: the forward pass, the backward pass (backpropagation) "
        "and the update. Each step says what it computes and why, gives its formula, then the "
        "formula with its numbers.",
    )


def _result_sentence(
    trace: Trace, digits: int | None, veiled: frozenset[int], terse: bool = True
) -> Prose:
    """The iteration in one sentence: the answer key's loss before and after; the lesson,
    whose last step said those already, what one iteration changed and what comes next."""

    def loss(kind: str, name: str) -> Math:
        step = trace.find(kind)
        value = "?" if step.index in veiled else num(float(np.asarray(step.value)), digits)
        return Math(f"{name} = {value}")

    if terse:
        return Prose(
            "The loss goes from ", loss("loss", "L"), " to ", loss("loss_after", "L′"), "."
        )
    hidden = {trace.find("loss").index, trace.find("loss_after").index} & veiled
    change = trace.loss_after - trace.loss
    by = Prose(
        "One iteration changed the loss by ",
        Math(f"L′ − L = {'?' if hidden else num(change, digits)}"),
        ". " if hidden or not trace.loss else f" ({change / trace.loss:+.1%}). ".replace("-", "−"),
    )
    return Prose(
        by,
        "Training repeats the same three passes from the updated parameters: forward, "
        "backward, update, until the loss stops going down.",
    )


def _figure(writer: Writer, o: Options) -> list[str]:
    """The computational graph beside the network: a file (markdown's SVG, LaTeX's PDF),
    or inline in HTML."""
    if isinstance(writer, Html):
        return ["<h3>The computational graph</h3>", *graph_html(to_dot(o.trace))]
    if o.graph_file:
        return writer.image(o.graph_file, GRAPH_CAPTION)
    return []


def _dot_appendix(trace: Trace) -> list[str]:
    return [
        "## Appendix: the computational graph",
        "",
        "Its DOT, for Graphviz (`dot -Tsvg`) or any DOT viewer:",
        "",
        "```dot",
        to_dot(trace).rstrip(),
        "```",
        "",
    ]


# ---------------------------------------------------------------- the three formats


def explain_markdown(
    trace: Trace,
    digits: int | None = DIGITS,
    veiled: frozenset[int] = frozenset(),
    *,
    terse: bool = False,
    why: Sequence[ParamRef] | None = None,
    graph_file: str | None = None,
) -> str:
    """The worked solution in markdown with LaTeX math; the `veiled` steps (a quiz still
    asks them) are written as an exam sheet writes an asked step, an answer grid the shape
    of the value after the formula, and the numbers of later steps write `?` for them.
    `graph_file`: an SVG of the graph beside the file, shown as a picture (without one, its
    DOT ends the document)."""
    return worked_solution(Markdown(), Options(trace, digits, veiled, terse, why, graph_file))


def explain_latex(
    trace: Trace,
    digits: int | None = DIGITS,
    graph_file: str | None = None,
    *,
    veiled: frozenset[int] = frozenset(),
    terse: bool = False,
    why: Sequence[ParamRef] | None = None,
) -> str:
    """`graph_file`: a PDF of the computational graph beside the .tex, shown as a figure."""
    return worked_solution(Latex(), Options(trace, digits, veiled, terse, why, graph_file))


def explain_html(
    trace: Trace,
    digits: int | None = DIGITS,
    veiled: frozenset[int] = frozenset(),
    *,
    terse: bool = False,
    why: Sequence[ParamRef] | None = None,
) -> str:
    return worked_solution(Html(GRID_CSS), Options(trace, digits, veiled, terse, why))


FORMATS: dict[str, Callable[..., str]] = {
    "markdown": explain_markdown,
    "latex": explain_latex,
    "html": explain_html,
}
