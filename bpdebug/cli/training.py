"""`bpdebug train` and `bpdebug compare`: many iterations headless, and two runs side by side.

train: progress on a terminal only; loss before → after on stdout; exit 1 when training stops
on a non-finite value or divergence (the diagnosis on stderr), 130 after Ctrl-C. Whatever was
asked (--output, --log) is written atomically even then, and never over an existing file
without --force (checked before training starts, so a long run is not wasted).
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import OutputError, exists, write_output
from ..flow_log import LOG_SUFFIXES, FlowLogError, flow_log_text, how_it_ended, read_flow_log
from ..netfile import MagnitudeError, NetworkFileError, save_network
from ..notation import num
from .args import UsageError, limits_of
from .commands import load, say

if TYPE_CHECKING:
    from ..engine.training import Descent, Run, StopRules

NET_SUFFIXES = (".toml", ".json")


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse before training what could not be written after it."""
    asked = [(args.output, NET_SUFFIXES, "--output"), (args.log, LOG_SUFFIXES, "--log")]
    for name, suffixes, flag in asked:
        if not name:
            continue
        path = Path(name)
        if path.suffix.lower() not in suffixes:
            raise UsageError(f"bpdebug train: {flag} {name}: must end in {' or '.join(suffixes)}")
        if exists(path) and not args.force:
            raise UsageError(f"bpdebug train: {name} already exists (use --force to replace it)")
        if not path.parent.is_dir():
            raise UsageError(f"bpdebug train: {name}: the folder {path.parent} does not exist")
    if args.output and args.log and Path(args.output).resolve() == Path(args.log).resolve():
        raise UsageError("bpdebug train: --output and --log name the same file")


def _rules(args: argparse.Namespace) -> StopRules:
    from ..engine.training import DIVERGING, StopRules

    if args.keep_going:
        return StopRules()
    return StopRules(
        rising=args.stop_rising if args.stop_rising is not None else DIVERGING.rising,
        factor=args.stop_above if args.stop_above is not None else DIVERGING.factor,
    )


@contextmanager
def _stop_on_ctrl_c(descent: Descent) -> Iterator[None]:
    """The first Ctrl-C ends training after the current iteration (what was asked is still
    written); a second one quits at once."""

    def stop(signum: int, frame: object) -> None:
        descent.interrupt("interrupted (Ctrl-C)")
        signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _progress(total: int) -> Iterator[Callable[[Descent], bool]]:
    """A progress bar with iterations/s and the loss, on a terminal only."""
    if not (sys.stdout.isatty() and sys.stderr is not None and sys.stderr.isatty()):
        yield lambda descent: True
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} it/s · L {task.fields[loss]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        auto_refresh=False,
    )
    task = bar.add_task("training", total=total, rate="…", loss="…")
    started, shown = time.perf_counter(), 0.0

    def update(descent: Descent) -> bool:
        nonlocal shown
        now = time.perf_counter()
        if now - shown >= 0.1 or descent.done >= total:
            rate = descent.done / max(now - started, 1e-9)
            loss = num(descent.losses[-1]) if descent.losses else "…"
            bar.update(task, completed=descent.done, rate=f"{rate:,.0f}", loss=loss)
            bar.refresh()
            shown = now
        return True

    with bar:
        yield update


def run_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..engine import build_trace
    from ..engine.training import Descent

    _check_outputs(args)
    net = load(args.net, limits_of(args))
    if args.learning_rate is not None:
        net = replace(net, learning_rate=args.learning_rate)
    descent = Descent(net, _rules(args), args.every)
    started = time.perf_counter()
    with _stop_on_ctrl_c(descent), _progress(args.iterations) as progress:
        run = descent.run_all(args.iterations, progress)
    seconds = time.perf_counter() - started
    rate = f"{run.iterations / seconds:,.0f} it/s" if seconds > 0 else ""
    ran = f"{run.iterations:,}"
    if run.iterations != args.iterations:
        ran += f" of {args.iterations:,}"
    print(
        f"{net.name}: {ran} iterations, "
        f"L {num(run.losses[0], 6)} → {num(run.losses[-1], 6)} ({rate})"
    )
    if run.stopped == "nonfinite":
        say(f"bpdebug train: stopped at {run.reason}; kept the last finite network")
        diagnosis = build_trace(run.network).diagnosis()
        if diagnosis:
            say(f"bpdebug train: its trace: {diagnosis}")
    elif run.stopped in ("rising", "factor"):
        say(f"bpdebug train: stopped: the loss diverges ({run.reason}); --keep-going runs on")
    elif run.stopped:
        say(f"bpdebug train: {run.reason} after {run.iterations:,} iterations")
    written = _write_log(args, run, net.name) and _write_network(args, run)
    if run.stopped == "interrupted":
        return 130
    return 1 if run.stopped or not written else 0


def _write_log(args: argparse.Namespace, run: Run, name: str) -> bool:
    if not args.log:
        return True
    path = Path(args.log)
    ended = how_it_ended(run.stopped, run.reason)
    text = flow_log_text(path, run.flow, name, run.network.learning_rate, ended)
    try:
        write_output(path, text, args.force)
    except OutputError as exc:
        say(f"bpdebug train: not written: {exc}")
        return False
    print(f"wrote {path}: {run.flow.rows:,} rows")
    return True


def _write_network(args: argparse.Namespace, run: Run) -> bool:
    if not args.output:
        return True
    path = Path(args.output)
    comment = (
        f"Trained by bpdebug train: {run.iterations:,} iterations from "
        f"{args.net} (L {run.losses[0]:.6g} → {run.losses[-1]:.6g})."
    )
    try:
        save_network(run.network, path, args.force, comment, limits_of(args))
    except MagnitudeError as exc:
        say(
            f"bpdebug train: {path} not written: {exc.key}: {exc.value:.3g} is beyond the "
            f"magnitude limit {exc.limit:g}; rerun with {exc.flag} to write it "
            "(and load it with the same flag)"
        )
        return False
    except FileExistsError:
        say(f"bpdebug train: {path} already exists (use --force to replace it)")
        return False
    except (NetworkFileError, OSError, ValueError) as exc:
        say(f"bpdebug train: {path} not written: {getattr(exc, 'strerror', None) or exc}")
        return False
    print(f"wrote {path}")
    return True


def run_compare(args: argparse.Namespace) -> int:
    import shutil

    from rich.console import Console

    try:
        logs = [read_flow_log(Path(p), limits_of(args).max_file_bytes) for p in args.logs]
    except FlowLogError as exc:
        raise UsageError(f"bpdebug compare: {exc}") from None
    console = Console(highlight=False, soft_wrap=True)
    color = console.is_terminal and not console.no_color
    for line in compare_summary(logs):
        console.print(line, markup=False)
    width = args.width or min(shutil.get_terminal_size((80, 24)).columns, 120)
    console.print()
    for text in compare_plot(logs, width, args.height, color):
        console.print(text)
    return 0


def compare_summary(logs: list) -> list[str]:  # type: ignore[type-arg]
    """A table: per run its iterations, first, last and lowest loss, and how it ended."""
    import numpy as np

    names = [f"{chr(ord('A') + k)}: {log.name}" for k, log in enumerate(logs)]
    rows = [("", *names)]
    rows.append(("iterations", *(f"{int(log.iteration[-1]):,}" for log in logs)))
    rows.append(("first loss", *(num(float(log.loss[0]), 6) for log in logs)))
    rows.append(("last loss", *(num(float(log.loss[-1]), 6) for log in logs)))

    def lowest(log) -> str:  # type: ignore[no-untyped-def]
        finite = np.isfinite(log.loss)
        if not finite.any():
            return "none finite"
        k = int(np.nanargmin(np.where(finite, log.loss, np.nan)))
        return f"{num(float(log.loss[k]), 6)} at {int(log.iteration[k]):,}"

    def ended(log) -> str:  # type: ignore[no-untyped-def]
        """As `train` recorded it; an older log does not say (its first non-finite loss may)."""
        if log.ended:
            return str(log.ended)
        bad = np.flatnonzero(~np.isfinite(log.loss))
        if not bad.size:
            return "not recorded"
        return f"not recorded (non-finite at {int(log.iteration[bad[0]]):,})"

    rows.append(("lowest loss", *(lowest(log) for log in logs)))
    rows.append(("ended", *(ended(log) for log in logs)))
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    ]


SEPARATE_SCALES = 10  # runs whose lengths differ more than this many times: a panel each


def compare_plot(logs: list, width: int, height: int, color: bool) -> list:  # type: ignore[type-arg]
    """Both loss curves on one plot sharing its scales, with a legend naming them. Runs of
    very different lengths (59 iterations against 5,000) get a panel each, on scales of its
    own (on shared ones the short run would be two columns wide), each panel labelled."""
    from rich.text import Text

    from ..plot import Series, framed, legend, plot

    series = [Series(log.name, log.iteration.astype(float), log.loss) for log in logs]
    names = [f"{chr(ord('A') + k)}: {log.name}" for k, log in enumerate(logs)]
    margin = 12
    p = plot(series, max(10, width - margin), max(2, height))
    scale = "log" if p.log else "linear"
    lengths = [max(1, int(log.iteration[-1] - log.iteration[0])) for log in logs]
    if max(lengths) <= SEPARATE_SCALES * min(lengths):
        title = Text(f"loss ({scale} scale) by iteration")
        return [title, *framed(p, color), legend(names, color)]
    out = [
        Text(f"the runs' lengths differ more than {SEPARATE_SCALES}×: each on scales of its own")
    ]
    for k, one in enumerate(series):
        before = [one._replace(x=one.x[:0], y=one.y[:0])] * k  # B keeps its mark, •
        drawn = plot([*before, one], max(10, width - margin), max(2, height // len(series)))
        title = legend([names[k]], color, first=k)
        title.append(f" · loss ({'log' if drawn.log else 'linear'} scale) by iteration")
        out += [title, *framed(drawn, color)]
    return out
