"""A training run's gradient flow as a file a notebook reads, and read back for `compare`.

CSV: a header row, then one row per recorded iteration:
  iteration, loss, delta_1 … delta_L, dW_1 … dW_L, W_1 … W_L, dead_1 … dead_L
(‖δ⁽ˡ⁾‖, ‖∂L/∂W⁽ˡ⁾‖, ‖W⁽ˡ⁾‖ and the dead relu units of layer l; a dead cell is empty for a
layer that is not a relu; a non-finite number is written inf or nan, which pandas reads), then
`ended`: how `train` ended the run, on the last row only (empty above it, so
`pandas.read_csv(f)` reads the file as it is and `df.ended.iloc[-1]` says it).
JSON: {"bpdebug_flow": 1, "network": …, "ended": …, "columns": […], "rows": [{column: value}]},
the same columns, null for a non-finite number or a non-relu layer's dead units.

How a run ended is one of "finite" (every iteration asked for ran), "stopped: nonfinite (…)",
"stopped: diverging (…)" or "stopped: interrupted (…)", with `train`'s reason; a log written
before bpdebug recorded it reads back as "" (compare says "not recorded").
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from .atomic import read_bounded
from .engine.training import QUANTITIES, Flow
from .validate import DEFAULT_LIMITS

LOG_SUFFIXES = (".csv", ".json")
ENDED = "ended"  # the CSV column (and JSON key) saying how the run ended


class FlowLogError(ValueError):
    """A log that cannot be read, as one line naming the file."""


def columns(depth: int) -> list[str]:
    return ["iteration", "loss"] + [f"{q}_{l}" for q in QUANTITIES for l in range(1, depth + 1)]


def how_it_ended(stopped: str, reason: str) -> str:
    """What a log records of how a run ended, from the run's `stopped` and `reason`."""
    if not stopped:
        return "finite"
    word = "diverging" if stopped in ("rising", "factor") else stopped
    return f"stopped: {word} ({reason})" if reason else f"stopped: {word}"


def _rows(flow: Flow) -> list[list[int | float | None]]:
    """Each row's cells in column order; None where a layer is not a relu."""
    rows: list[list[int | float | None]] = []
    for k in range(flow.rows):
        row: list[int | float | None] = [int(flow.iteration[k]), float(flow.loss[k])]
        for q in QUANTITIES[:3]:
            row += [float(v) for v in getattr(flow, q)[k]]
        row += [int(d) if d >= 0 else None for d in flow.dead[k]]
        rows.append(row)
    return rows


def to_csv(flow: Flow, ended: str = "finite") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns(flow.delta.shape[1]), ENDED])
    rows = _rows(flow)
    for k, row in enumerate(rows):
        cells = ["" if v is None else repr(v) for v in row]
        writer.writerow([*cells, ended if k == len(rows) - 1 else ""])
    return out.getvalue()


def to_json(flow: Flow, network: str, learning_rate: float, ended: str = "finite") -> str:
    names = columns(flow.delta.shape[1])

    def cell(v: int | float | None) -> int | float | None:
        return None if isinstance(v, float) and not math.isfinite(v) else v

    rows = [{c: cell(v) for c, v in zip(names, row, strict=True)} for row in _rows(flow)]
    document = {
        "bpdebug_flow": 1,
        "network": network,
        "learning_rate": learning_rate,
        ENDED: ended,
        "columns": names,
        "rows": rows,
    }
    return json.dumps(document, indent=1, allow_nan=False) + "\n"


def flow_log_text(
    path: Path, flow: Flow, network: str, learning_rate: float, ended: str = "finite"
) -> str:
    """The log in the format its suffix names (.csv or .json); `ended` from how_it_ended."""
    if path.suffix.lower() == ".json":
        return to_json(flow, network, learning_rate, ended)
    return to_csv(flow, ended)


class FlowLog(NamedTuple):
    """A log read back: its iterations and losses (nan where the log has none), every other
    column by name, and how the run ended ("" where the log does not say)."""

    name: str
    iteration: np.ndarray
    loss: np.ndarray
    columns: dict[str, np.ndarray]
    ended: str = ""


def read_flow_log(path: Path, max_bytes: int = DEFAULT_LIMITS.max_file_bytes) -> FlowLog:
    """A CSV or JSON log that `train --log` wrote (or any with iteration and loss columns)."""
    if path.suffix.lower() not in LOG_SUFFIXES:
        raise FlowLogError(f"{path}: a log is a .csv or .json file")
    try:
        text = read_bounded(path, max_bytes).decode("utf-8")
    except FileNotFoundError:
        raise FlowLogError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise FlowLogError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except (OSError, ValueError) as exc:
        raise FlowLogError(f"{path}: {getattr(exc, 'strerror', None) or exc}") from None
    if path.suffix.lower() == ".json":
        names, rows, ended = _json_table(path, text)
    else:
        names, rows, ended = _csv_table(path, text)
    return _table(path, names, rows)._replace(ended=ended)


def _csv_table(path: Path, text: str) -> tuple[list[str], list[list[Any]], str]:
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise FlowLogError(f"{path}: not CSV: {exc}") from None
    if not table:
        raise FlowLogError(f"{path}: empty: expected a header row (iteration,loss,…)")
    names, rows = table[0], [r for r in table[1:] if r]
    for n, row in enumerate(rows, start=2):
        if len(row) != len(names):
            raise FlowLogError(f"{path}: line {n} has {len(row)} cells, the header {len(names)}")
    ended = ""
    if ENDED in names:  # text, not a number: the last row's (older logs have no such column)
        at = names.index(ENDED)
        ended = next((r[at].strip() for r in reversed(rows) if r[at].strip()), "")
        names = names[:at] + names[at + 1 :]
        rows = [r[:at] + r[at + 1 :] for r in rows]
    numbers = [[_number(path, n, cell) for cell in row] for n, row in enumerate(rows, 2)]
    return names, numbers, ended[:200]


def _number(path: Path, line: int, cell: str) -> float:
    if not cell.strip():
        return math.nan
    try:
        return float(cell)
    except ValueError:
        raise FlowLogError(f"{path}: line {line}: {cell[:40]!r} is not a number") from None


def _json_table(path: Path, text: str) -> tuple[list[str], list[list[Any]], str]:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise FlowLogError(f"{path}: not JSON: {str(exc)[:80]}") from None
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FlowLogError(f'{path}: expected {{"rows": [{{"iteration": …, "loss": …}}, …]}}')
    names = list(rows[0]) if rows else ["iteration", "loss"]
    table = []
    for k, row in enumerate(rows):
        cells = []
        for name in names:
            v = row.get(name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise FlowLogError(f"{path}: rows[{k}].{name}: {str(v)[:40]!r} is not a number")
            cells.append(math.nan if v is None else float(v))
        table.append(cells)
    ended = document.get(ENDED)
    return names, table, ended[:200] if isinstance(ended, str) else ""


def _table(path: Path, names: list[str], rows: list[list[float]]) -> FlowLog:
    for needed in ("iteration", "loss"):
        if needed not in names:
            raise FlowLogError(f"{path}: no {needed!r} column (columns: {', '.join(names)[:80]})")
    if not rows:
        raise FlowLogError(f"{path}: no rows: the log records no iteration")
    data = np.array(rows, dtype=float).reshape(len(rows), len(names))
    iteration = data[:, names.index("iteration")]
    if not (np.isfinite(iteration).all() and (iteration == np.round(iteration)).all()):
        raise FlowLogError(f"{path}: the iteration column must hold whole numbers")
    if (np.diff(iteration) <= 0).any():
        k = int(np.argmax(np.diff(iteration) <= 0)) + 1
        raise FlowLogError(f"{path}: iterations must increase (row {k + 1} does not)")
    others = {n: data[:, i] for i, n in enumerate(names) if n not in ("iteration", "loss")}
    return FlowLog(path.stem, iteration.astype(np.int64), data[:, names.index("loss")], others)
