"""A million-row training log, each figure beside a baseline measured in the same run:

- reading it (`read_flow_log`) against NumPy's own `np.loadtxt` of the same CSV;
- writing it (`to_csv`, every digit) against `np.savetxt` of the same numbers with `%r`'s
  precision (`%.17g`);
- plotting it with a break (nan) at every other row — half a million runs — against the same
  curve with no break at all (what the plot costs when nothing breaks it).

    python benchmarks/logs.py            # about half a minute on 2 cores
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bpdebug.engine.flow import Flow
from bpdebug.files.flow_log import read_flow_log, to_csv
from bpdebug.output.plot import Series, plot

ROWS = 1_000_000


def seconds(call: Callable[[], object], rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    rng = np.random.default_rng(0)
    flow = Flow(
        np.arange(ROWS),
        1 / (1 + np.arange(ROWS, dtype=float)),
        rng.random((ROWS, 1)),
        rng.random((ROWS, 1)),
        rng.random((ROWS, 1)),
        -np.ones((ROWS, 1), dtype=np.int64),
    )
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "million.csv"
        text = to_csv(flow)
        log.write_text(text)
        numbers = np.column_stack([flow.iteration, flow.loss, flow.delta, flow.dW, flow.W])
        rows = [
            (
                "read a 10⁶-row log",
                seconds(lambda: read_flow_log(log, 1 << 30)),
                seconds(lambda: np.loadtxt(log, delimiter=",", skiprows=1, usecols=range(5))),
                "np.loadtxt",
            ),
            (
                "write a 10⁶-row log",
                seconds(lambda: to_csv(flow)),
                seconds(lambda: np.savetxt(Path(folder) / "b.csv", numbers, "%.17g", ",")),
                "np.savetxt",
            ),
        ]
    x = np.arange(ROWS, dtype=float)
    broken = flow.loss.copy()
    broken[1::2] = np.nan
    rows.append(
        (
            "plot 10⁶ points broken 5·10⁵ times",
            seconds(lambda: plot([Series("a", x, broken)], 80, 14)),
            seconds(lambda: plot([Series("a", x, flow.loss)], 80, 14)),
            "unbroken",
        )
    )
    print(f"{'figure':<36} {'seconds':>8} {'baseline':>9} {'ratio':>6}  baseline is")
    for name, value, base, what in rows:
        print(f"{name:<36} {value:8.2f} {base:9.2f} {value / base:6.1f}  {what}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
