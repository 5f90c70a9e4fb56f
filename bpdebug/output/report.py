"""Headless output of a trace and a gradient check: text, markdown and JSON."""

from __future__ import annotations

import json
import math
import re
import textwrap
from collections.abc import Iterator
from typing import Any

import numpy as np

from bpdebug.engine import Network, Step, Trace
from bpdebug.engine.activations import Array
from bpdebug.engine.gradcheck import CheckReport
from bpdebug.notation import DIGITS, grid, layout, num, shape_text, text

PHASE_TITLES = {"forward": "Forward pass", "backward": "Backward pass", "update": "Update"}


def describe(net: Network) -> str:
    """'2-2-2, quadratic loss, η = 0.5, batch of 1'."""
    sizes = "-".join(str(n) for n in net.sizes)
    batch = f"batch of {net.batch_size}"
    return f"{sizes}, {net.loss} loss, η = {num(net.learning_rate)}, {batch}"


def _json_number(v: float) -> float | str:
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def _json_value(value: Any) -> Any:
    """A value as nested lists of numbers and "nan"/"inf" strings (the definition that
    `trace_json_parts` writes faster)."""
    if np.ndim(value) == 0:
        return _json_number(float(value))
    return [_json_value(v) for v in value]


_NONFINITE_JSON = {"nan": '"nan"', "inf": '"inf"', "-inf": '"-inf"'}
MAX_JSON_NUMBERS = 10_000_000  # `bpdebug trace --format json`'s default limit
JSON_BLOCK = 1 << 16  # numbers formatted at a time: bounded memory, and progress between


def _json_texts(numbers: Array) -> list[str]:
    """Each number as json.dumps writes it: float.__repr__, every digit that round-trips."""
    texts = list(map(float.__repr__, numbers.tolist()))
    if not np.isfinite(numbers).all():
        texts = [_NONFINITE_JSON.get(t, t) for t in texts]
    return texts


def _json_array(value: Any, level: int) -> Iterator[tuple[str, int]]:
    """A value as json.dumps(…, indent=1) writes it at nesting `level` (vectors and matrices
    as rows of numbers), in pieces, each with the count of numbers it holds."""
    v = np.asarray(value, dtype=np.float64)
    if v.ndim == 0:
        yield _json_texts(v.reshape(1))[0], 1
        return
    if v.size == 0 or v.ndim > 2:  # never in a trace: the plain encoder, re-indented
        text = json.dumps(_json_value(v), allow_nan=False, indent=1)
        yield text.replace("\n", "\n" + " " * level), v.size
        return
    inner, innermost, outer = " " * (level + 1), " " * (level + 2), " " * level
    rows = v.reshape(1, -1) if v.ndim == 1 else v
    if v.ndim == 1:  # one row of numbers, no row brackets
        number_sep, row_sep = ",\n" + inner, ""
        yield "[\n" + inner, 0
    else:
        number_sep, row_sep = ",\n" + innermost, "\n" + inner + "],\n" + inner + "[\n" + innermost
        yield "[\n" + inner + "[\n" + innermost, 0
    width, flat = rows.shape[1], rows.ravel()
    for first in range(0, flat.size, JSON_BLOCK):
        texts = _json_texts(flat[first : first + JSON_BLOCK])
        yield _json_block(texts, first, width, number_sep, row_sep), len(texts)
    yield ("\n" + outer + "]" if v.ndim == 1 else "\n" + inner + "]\n" + outer + "]"), 0


def _json_block(texts: list[str], first: int, width: int, number_sep: str, row_sep: str) -> str:
    """Numbers first… of a matrix `width` wide, each after the separator its place calls
    for: between numbers of a row, or closing a row and opening the next."""
    if width == 1 and row_sep:  # a column: every number a row of its own
        return (row_sep if first else "") + row_sep.join(texts)
    out = []
    end, at = first + len(texts), first
    while at < end:
        row_end = min(end, (at // width + 1) * width)
        if at:
            out.append(row_sep if at % width == 0 else number_sep)
        out.append(number_sep.join(texts[at - first : row_end - first]))
        at = row_end
    return "".join(out)


def json_numbers(trace: Trace) -> int:
    """How many numbers `trace_json` writes: every step's value, entry by entry."""
    return sum(int(np.size(s.value)) for s in trace.steps) + 2  # and L, L′


def trace_json_parts(trace: Trace, digits: int | None = DIGITS) -> Iterator[tuple[str, int]]:
    """`trace_json`'s text in pieces, each with the count of numbers it holds (a 10⁶-entry
    matrix is written in blocks, not built as nested lists first)."""
    head = {
        "network": trace.network.name,
        "loss": _json_number(trace.loss),
        "loss_after": _json_number(trace.loss_after),
        "warning": trace.diagnosis() or None,
    }
    text = json.dumps(head, ensure_ascii=False, allow_nan=False, indent=1)
    yield text[: -len("\n}")] + ',\n "steps": [' + ("" if trace.steps else "]\n}"), 2
    for n, s in enumerate(trace.steps):
        step = {
            "step": s.index + 1,
            "index": s.index,
            "phase": s.phase,
            "layer": s.layer,
            "kind": s.kind,
            "symbol": s.symbol,
            "formula": s.formula,
            "substituted": s.substituted(digits),
            "shape": list(s.shape),
        }
        text = json.dumps(step, ensure_ascii=False, allow_nan=False, indent=1)
        text = text[: -len("\n}")].replace("\n", "\n  ")  # the step's keys at depth 3
        yield ("," if n else "") + "\n  " + text + ',\n   "value": ', 0
        yield from _json_array(s.value, 3)
        yield "\n  }", 0
    if trace.steps:
        yield "\n ]\n}", 0


def trace_json(trace: Trace, digits: int | None = DIGITS) -> str:
    """Every step with its value at full precision (and the formula with numbers as text,
    at `digits`): json.dumps(…, indent=1) of the document, byte for byte."""
    return "".join(part for part, _ in trace_json_parts(trace, digits))


def _stats(step: Step, digits: int | None) -> str:
    v = np.asarray(step.value)
    finite = v[np.isfinite(v)]
    if not finite.size:
        return "no finite entries"
    bad = v.size - finite.size
    extra = f", {bad} non-finite" if bad else ""
    low, high, mean = (num(x, digits) for x in (finite.min(), finite.max(), finite.mean()))
    return f"min {low}, max {high}, mean {mean}{extra}"


def _nonfinite_line(trace: Trace) -> list[str]:
    diagnosis = trace.diagnosis()
    return [f"warning: {diagnosis}"] if diagnosis else []


def _step_lines(step: Step, digits: int | None, width: int) -> tuple[list[str], bool]:
    """The step's numbers and result in two dimensions, matrices as bracketed rows, and
    whether its result was written whole."""
    lhs = text(layout.lay(step.lhs, (), layout.Setting()).box)
    lead = f"        {lhs} {step.relation} "
    return grid.equation_lines(step.equation(), width, digits, lead, most_rows=8)


def _wrapped(words: str, width: int) -> list[str]:
    return textwrap.wrap(words, width, initial_indent="        ", subsequent_indent="          ")


def _at_commas(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width`, broken after its commas (η = 0.3 stays whole)."""
    lines = [""]
    for part in text.split(", "):
        joined = f"{lines[-1]}, {part}" if lines[-1] else part
        if len(joined) < width or not lines[-1]:  # (room for the comma)
            lines[-1] = joined
        else:
            lines[-1] += ","
            lines.append(f"  {part}")
    return lines


def trace_text(trace: Trace, digits: int | None = DIGITS, width: int = 120) -> str:
    """Every step: its formula, then its numbers and result laid out as on the screen
    (matrices of up to 16×12 in full where `width` allows, larger ones by their corners)."""
    net = trace.network
    title = f"{net.name or 'network'} — {describe(net)}"
    lines = [
        *_at_commas(title, width),
        f"L = {num(trace.loss, digits)} → L′ = {num(trace.loss_after, digits)} after one update",
    ]
    lines += _nonfinite_line(trace)
    phase = None
    for s in trace.steps:
        if s.phase != phase:
            phase = s.phase
            lines += ["", PHASE_TITLES[phase]]
        where = f"layer {s.layer}" if s.layer else "loss"
        head = f"  [{s.index + 1:>3}] {where:<8} {s.formula}"
        shape = f"({s.shape_text})"
        gap = "    " if len(head) + 4 + len(shape) <= width else " "  # narrower: one space,
        lines.append(head + gap + shape if len(head) + len(gap + shape) <= width else head)
        written, whole = _step_lines(s, digits, width) if s.kind != "loss_after" else ([], True)
        lines += written or [f"        {s.substituted(digits)}"]
        if not whole:
            stats = f"{shape_text(s.shape)}: {_stats(s, digits)} (--format json for every entry)"
            lines += _wrapped(stats, width)
        if s.note:
            lines += _wrapped(f"note: {s.note}", width)
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$])")


def markdown_escape(words: str) -> str:
    """Text from a file made inert in markdown: no markup, no HTML, no math."""
    return _MD_SPECIAL.sub(r"\\\1", words)


def trace_markdown(trace: Trace, digits: int | None = DIGITS) -> str:
    net = trace.network
    before, after = num(trace.loss, digits), num(trace.loss_after, digits)
    lines = [
        f"# {markdown_escape(net.name or 'Network')}",
        "",
        f"{describe(net)}.",
        "",
        f"Loss before the update L = `{before}`, after L′ = `{after}`.",
        "",
    ]
    lines += [f"> {line}" for line in _nonfinite_line(trace)]
    phase = None
    for s in trace.steps:
        if s.phase != phase:
            phase = s.phase
            lines += [
                "",
                f"## {PHASE_TITLES[phase]}",
                "",
                "| # | layer | formula | with numbers | shape |",
                "|---|---|---|---|---|",
            ]
        layer = str(s.layer) if s.layer else "—"
        lines.append(
            f"| {s.index + 1} | {layer} | {_md_cell(s.formula)} | "
            f"`{_md_cell(s.substituted(digits))}` | {s.shape_text} |"
        )
    return "\n".join(lines) + "\n"


def _verdict(report: CheckReport, tolerance: float) -> str:
    err = report.max_error
    if err != err:
        bad = [t.name for t in report.tensors if not t.finite]
        listed = ", ".join(bad[:6]) + (f" and {len(bad) - 6} more" if len(bad) > 6 else "")
        return f"FAILED: non-finite gradients or estimates in {listed}"
    sign = "≤" if report.passes(tolerance) else ">"
    verdict = "OK" if report.passes(tolerance) else "FAILED"
    return f"max relative error {err:.2e} {sign} tolerance {tolerance:g}: {verdict}"


def check_text(net: Network, report: CheckReport, tolerance: float, diagnosis: str = "") -> str:
    lines = [
        f"Gradient check: {net.name or 'network'} ({describe(net)}, {report.n_params} parameters)",
        "",
        f"{'tensor':<8}{'shape':<10}{'max rel. error':>16}  result",
    ]
    for t in report.tensors:
        err = t.max_error
        ok = "ok" if err <= tolerance else "FAIL" if t.finite else "non-finite"
        lines.append(f"{t.name:<8}{shape_text(t.backprop.shape):<10}{err:>16.2e}  {ok}")
    lines += [
        "",
        f"{'backprop:':<20}{'1 forward + 1 backward pass':<42}"
        f"{report.backprop_seconds * 1e3:10.3f} ms",
        f"{'finite differences:':<20}"
        f"{f'{report.forward_passes} forward passes (2 per parameter)':<42}"
        f"{report.numeric_seconds * 1e3:10.3f} ms",
        f"{'':<20}from the moved layer on: {report.layer_evaluations:,} of "
        f"{report.forward_passes * net.depth:,} layer evaluations, "
        f"{report.numpy_calls:,} NumPy calls",
        "",
        _verdict(report, tolerance),
        "relative error = |g − ĝ| / max(|g|, |ĝ|, 1e-4·max(1, |L|)), "
        "ĝ = (L(θ+h) − L(θ−h)) / 2h, h = 1e-5·max(1, |θ|)",
    ]
    if diagnosis:
        lines.append(f"warning: {diagnosis}")
    return "\n".join(lines) + "\n"
