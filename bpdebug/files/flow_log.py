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
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bpdebug.engine.training import QUANTITIES, Flow
from bpdebug.files.atomic import read_bounded
from bpdebug.files.validate import DEFAULT_LIMITS

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


CHUNK = 65_536  # rows formatted at a time: a long log never holds every cell as a string


def to_csv(flow: Flow, ended: str = "finite") -> str:
    """Every number with every digit (repr: the shortest text that reads back as it), a
    column at a time; `ended` on the last row only."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns(flow.delta.shape[1]), ENDED])
    for start in range(0, flow.rows, CHUNK):
        part = flow.take(slice(start, start + CHUNK))
        cells: list[list[str]] = [list(map(str, part.iteration.tolist()))]
        cells.append(list(map(repr, part.loss.tolist())))
        for q in QUANTITIES[:3]:
            cells += [list(map(repr, column)) for column in getattr(part, q).T.tolist()]
        cells += [["" if d < 0 else str(d) for d in column] for column in part.dead.T.tolist()]
        endings = [""] * part.rows
        if start + part.rows == flow.rows:
            endings[-1] = ended
        writer.writerows(zip(*cells, endings, strict=True))
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


def printable(text: str) -> str:
    """`text` with every character a terminal would act on (an escape code, a line end, a
    bidi override) written as its Python escape instead (\\x1b, \\u202e): shown, not obeyed."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _at(path: Path) -> str:
    return printable(str(path))


MAX_ITERATION = 2**53  # every whole number up to here is exact in a float


def read_flow_log(path: Path, max_bytes: int = DEFAULT_LIMITS.max_file_bytes) -> FlowLog:
    """A CSV or JSON log that `train --log` wrote (or any with iteration and loss columns).
    Every name in it, and the file's own, comes back printable (FlowLogError's too)."""
    if path.suffix.lower() not in LOG_SUFFIXES:
        raise FlowLogError(f"{_at(path)}: a log is a .csv or .json file")
    try:
        raw = read_bounded(path, max_bytes)
        raw.decode("utf-8")  # checked whole here; read below a line at a time
    except FileNotFoundError:
        raise FlowLogError(f"{_at(path)}: no such file") from None
    except UnicodeDecodeError as exc:
        raise FlowLogError(f"{_at(path)}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise FlowLogError(f"{_at(path)}: {exc.strerror or exc}") from None
    except ValueError as exc:
        more = " (--max-file-bytes raises the limit)" if "bytes" in str(exc) else ""
        raise FlowLogError(f"{_at(path)}: {exc}{more}") from None
    if path.suffix.lower() == ".json":
        names, data, ended = _json_table(path, raw.decode("utf-8"))
    else:  # as a stream of lines: a StringIO of the whole text would take four times its size
        lines = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", newline="")
        names, data, ended = _csv_table(path, lines)
    return _table(path, names, data)._replace(ended=printable(ended[:200]))


class _Rows:
    """Rows of numbers as they are read, kept as float arrays a block at a time (a list of a
    million lists of floats would take ten times the memory)."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.blocks: list[np.ndarray] = [np.empty((0, width))]
        self.rows: list[list[float]] = []

    def add(self, row: list[float]) -> None:
        self.rows.append(row)
        if len(self.rows) == CHUNK:
            self.blocks.append(np.array(self.rows, dtype=float))
            self.rows = []

    def array(self) -> np.ndarray:
        if self.rows:
            self.blocks.append(np.array(self.rows, dtype=float).reshape(-1, self.width))
            self.rows = []
        return np.concatenate(self.blocks)


def _csv_table(path: Path, lines: Iterable[str]) -> tuple[list[str], np.ndarray, str]:
    reader = csv.reader(lines)
    try:
        names = next(reader, None)
        if names is None:
            raise FlowLogError(f"{_at(path)}: empty: expected a header row (iteration,loss,…)")
        at = names.index(ENDED) if ENDED in names else None  # text: the last row's
        if at is not None:
            names = names[:at] + names[at + 1 :]
        rows, ended = _Rows(len(names)), ""
        for row in reader:
            if not row:
                continue
            if len(row) != len(names) + (at is not None):
                width = len(names) + (at is not None)
                line = reader.line_num
                raise FlowLogError(
                    f"{_at(path)}: line {line} has {len(row)} cells, the header {width}"
                )
            if at is not None:
                ended = row.pop(at).strip() or ended
            rows.add(_numbers(path, reader.line_num, row))
    except csv.Error as exc:
        raise FlowLogError(f"{_at(path)}: not CSV: {printable(str(exc))[:80]}") from None
    return [printable(n) for n in names], rows.array(), ended


def _numbers(path: Path, line: int, row: list[str]) -> list[float]:
    try:
        return [float(cell) if cell else math.nan for cell in row]
    except ValueError:
        return [_number(path, line, cell) for cell in row]


def _number(path: Path, line: int, cell: str) -> float:
    if not cell.strip():
        return math.nan
    try:
        return float(cell)
    except ValueError:
        raise FlowLogError(f"{_at(path)}: line {line}: {cell[:40]!r} is not a number") from None


def _json_table(path: Path, text: str) -> tuple[list[str], np.ndarray, str]:
    try:
        document = json.loads(text)
    except RecursionError:
        raise FlowLogError(f"{_at(path)}: not JSON a log could be: nested too deeply") from None
    except ValueError as exc:
        raise FlowLogError(f"{_at(path)}: not JSON: {printable(str(exc))[:80]}") from None
    rows = document.get("rows") if isinstance(document, dict) else None
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FlowLogError(f'{_at(path)}: expected {{"rows": [{{"iteration": …, "loss": …}}, …]}}')
    names = list(rows[0]) if rows else ["iteration", "loss"]
    table = _Rows(len(names))
    for k, row in enumerate(rows):
        table.add([_json_number(path, k, name, row.get(name)) for name in names])
    ended = document.get(ENDED)
    return [printable(n) for n in names], table.array(), ended if isinstance(ended, str) else ""


def _json_number(path: Path, k: int, name: str, v: object) -> float:
    """A cell of a JSON log: a number (an integer beyond a float's range is ±inf, as the
    same digits in a CSV log read), null for none."""
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise FlowLogError(
            f"{_at(path)}: rows[{k}].{printable(name)[:40]}: {printable(str(v))[:40]!r} "
            "is not a number"
        )
    try:
        return float(v)
    except OverflowError:  # a 400-digit integer
        return math.inf if v > 0 else -math.inf


def _table(path: Path, names: list[str], data: np.ndarray) -> FlowLog:
    for needed in ("iteration", "loss"):
        if needed not in names:
            listed = ", ".join(names)[:80]
            raise FlowLogError(f"{_at(path)}: no {needed!r} column (columns: {listed})")
    if not data.shape[0]:
        raise FlowLogError(f"{_at(path)}: no rows: the log records no iteration")
    iteration = data[:, names.index("iteration")]
    whole = np.isfinite(iteration) & (iteration == np.round(iteration))
    if not (whole & (iteration >= 0) & (iteration <= MAX_ITERATION)).all():
        raise FlowLogError(
            f"{_at(path)}: the iteration column must hold whole numbers from 0 to 2**53"
        )
    if (np.diff(iteration) <= 0).any():
        k = int(np.argmax(np.diff(iteration) <= 0)) + 1
        raise FlowLogError(f"{_at(path)}: iterations must increase (row {k + 1} does not)")
    others = {n: data[:, i] for i, n in enumerate(names) if n not in ("iteration", "loss")}
    loss = data[:, names.index("loss")]
    return FlowLog(printable(path.stem), iteration.astype(np.int64), loss, others)
