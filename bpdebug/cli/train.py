"""`bpdebug train` and `bpdebug compare`: many iterations headless, and two runs side by side.

train: progress on a terminal only; loss before → after on stdout; exit 1 when training stops
on a non-finite value or divergence (the diagnosis on stderr), or when an output could not be
written; 128 + the signal's number after Ctrl-C (130), SIGTERM (143) or SIGHUP (129). Every
argument and every output is checked before training starts (a long run is not wasted on a
log that could never be written); whatever was asked (--output, --log) is then written, each
on its own and atomically, even after a signal, and never over an existing file without
--force. What is recorded is bounded: --max-iterations, --max-log-rows, and no flow kept
beyond a few rows when no log is asked.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from bpdebug.cli.args import UsageError, limits_of
from bpdebug.cli.commands import load, say
from bpdebug.cli.outputs import Target, ready, shown
from bpdebug.files.atomic import OutputError
from bpdebug.files.flow_log import (
    LOG_SUFFIXES,
    FlowLogError,
    flow_log_text,
    how_it_ended,
    read_flow_log,
)
from bpdebug.files.netfile import MagnitudeError, NetworkFileError, network_text
from bpdebug.notation import num

if TYPE_CHECKING:
    from bpdebug.engine import Network
    from bpdebug.engine.training import Descent, Run, StopRules

NET_SUFFIXES = (".toml", ".json")
SIGNALS: dict[int, str] = {
    signal.SIGINT: "Ctrl-C",
    signal.SIGTERM: "SIGTERM",
    signal.SIGHUP: "SIGHUP",
}
UNLOGGED_ROWS = 64  # the flow kept when no --log asks for it (nothing reads it)


def _check_arguments(args: argparse.Namespace) -> None:
    """What no run could make right, refused before anything is loaded or trained."""
    from bpdebug.engine.network import MAX_LEARNING_RATE

    if args.iterations > args.max_iterations:
        raise UsageError(
            f"bpdebug train: -n {args.iterations:,} is more than {args.max_iterations:,} "
            "iterations; --max-iterations raises the limit"
        )
    learning_rate = args.learning_rate
    if learning_rate is not None and not 0 < learning_rate <= MAX_LEARNING_RATE:
        raise UsageError(
            f"bpdebug train: --learning-rate must be above 0 and at most {MAX_LEARNING_RATE:g} "
            f"(as a file's learning_rate), got {learning_rate:g}"
        )
    rows = -(-(args.iterations + 1) // args.every) + 1  # every K-th from 0, and the last
    if args.log and rows > args.max_log_rows:
        every = -(-(args.iterations + 1) // max(args.max_log_rows - 1, 1))
        raise UsageError(
            f"bpdebug train: --log would hold {rows:,} rows, more than {args.max_log_rows:,}: "
            f"give --every {every} (a row every {every:,} iterations) or raise --max-log-rows"
        )


def _check_outputs(args: argparse.Namespace) -> dict[str, Target]:
    """Each output asked for, checked as one (see outputs.ready) before training."""
    asked = [(args.output, NET_SUFFIXES, "--output"), (args.log, LOG_SUFFIXES, "--log")]
    for name, suffixes, flag in asked:
        if name and Path(name).suffix.lower() not in suffixes:
            raise UsageError(
                f"bpdebug train: {flag} {shown(name)}: must end in {' or '.join(suffixes)}"
            )
    if args.output and args.log and Path(args.output).resolve() == Path(args.log).resolve():
        raise UsageError("bpdebug train: --output and --log name the same file")
    targets: dict[str, Target] = {}
    for name, _, flag in asked:
        if not name:
            continue
        path = Path(name)
        try:
            targets[flag] = ready(path, args.force)
        except OutputError as exc:
            for target in targets.values():
                target.close()
            raise UsageError(f"bpdebug train: {flag}: {exc}") from None
    return targets


def _rules(args: argparse.Namespace) -> StopRules:
    from bpdebug.engine.training import DIVERGING, StopRules

    if args.keep_going:
        return StopRules()
    return StopRules(
        rising=args.stop_rising if args.stop_rising is not None else DIVERGING.rising,
        factor=args.stop_above if args.stop_above is not None else DIVERGING.factor,
    )


@contextmanager
def _stopped_by_signals(descent: Descent) -> Iterator[list[int]]:
    """Ctrl-C, SIGTERM and SIGHUP end training after the current iteration, and what was
    asked is still written; the same signal again quits at once (unless it was ignored when
    train started, as nohup ignores SIGHUP: then it stays so). Yields the signals met."""
    met: list[int] = []

    def stop(signum: int, frame: object) -> None:
        met.append(signum)
        descent.interrupt(SIGNALS[signum])  # the log says "stopped: interrupted (SIGTERM)"
        again = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        signal.signal(signum, again)

    ignored = [signum for signum in SIGNALS if signal.getsignal(signum) == signal.SIG_IGN]
    previous = {  # one ignored on purpose (nohup, a background job) stays ignored
        signum: signal.signal(signum, stop) for signum in SIGNALS if signum not in ignored
    }
    try:
        yield met
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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
    started, shown_at = time.perf_counter(), 0.0

    def update(descent: Descent) -> bool:
        nonlocal shown_at
        now = time.perf_counter()
        if now - shown_at >= 0.1 or descent.done >= total:
            rate = descent.done / max(now - started, 1e-9)
            loss = num(descent.losses[-1]) if descent.losses else "…"
            bar.update(task, completed=descent.done, rate=f"{rate:,.0f}", loss=loss)
            bar.refresh()
            shown_at = now
        return True

    with bar:
        yield update


def run_train(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from bpdebug.engine.training import Descent

    _check_arguments(args)
    with ExitStack() as stack:
        targets = _check_outputs(args)
        for target in targets.values():
            stack.callback(target.close)
        net = load(args.net, limits_of(args))
        if args.learning_rate is not None:
            net = replace(net, learning_rate=args.learning_rate)
        logged = "--log" in targets
        cap = None if logged else UNLOGGED_ROWS
        descent = Descent(net, _rules(args), args.every, cap, all_losses=False)
        signals = stack.enter_context(_stopped_by_signals(descent))
        started = time.perf_counter()
        with _progress(args.iterations) as progress:
            run = descent.run_all(args.iterations, progress)
        _report(args, net, run, time.perf_counter() - started)
        written = [  # each on its own: a log that fails never costs the network
            _write_network(args, run, targets["--output"]) if "--output" in targets else True,
            _write_log(run, net.name, targets["--log"]) if logged else True,
        ]
    if signals:
        return 128 + signals[0]
    return 1 if run.stopped or not all(written) else 0


def _report(args: argparse.Namespace, net: Network, run: Run, seconds: float) -> None:
    """The loss before → after on stdout; why training stopped early, if it did, on stderr."""
    from bpdebug.engine import build_trace

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
        say(f"bpdebug train: interrupted ({run.reason}) after {run.iterations:,} iterations")


def _write_log(run: Run, name: str, target: Target) -> bool:
    ended = how_it_ended(run.stopped, run.reason)
    text = flow_log_text(target.path, run.flow, name, run.network.learning_rate, ended)
    try:
        target.write(text)
    except OutputError as exc:
        say(f"bpdebug train: --log not written: {exc}")
        return False
    print(f"wrote {shown(target.path)}: {run.flow.rows:,} rows")
    return True


def _write_network(args: argparse.Namespace, run: Run, target: Target) -> bool:
    """The trained network, as the loader would read it back; where it cannot be written
    after all (a disk that filled up, a magnitude beyond the limit), kept in a recovery file
    so that the run is not lost."""
    path = target.path
    comment = (
        f"Trained by bpdebug train: {run.iterations:,} iterations from "
        f"{args.net} (L {run.losses[0]:.6g} → {run.losses[-1]:.6g})."
    )
    try:
        target.write(network_text(run.network, path, comment, limits_of(args)))
    except MagnitudeError as exc:
        problem = (
            f"{exc.key}: {exc.value:.3g} is beyond the magnitude limit {exc.limit:g}; rerun "
            f"with {exc.flag} to write it (and load it with the same flag)"
        )
    except (OutputError, NetworkFileError, ValueError) as exc:
        problem = str(exc)
    else:
        print(f"wrote {shown(path)}")
        return True
    say(f"bpdebug train: {shown(path)} not written: {problem}{_kept(run.network)}")
    return False


def _kept(net: Network) -> str:
    """The network put in a recovery file (as the app keeps unsaved work): where, or ''."""
    from bpdebug.files.recovery import write_recovery

    try:
        path = write_recovery(net, "bpdebug train could not write its --output")
    except (OSError, ValueError):
        return ""
    return f"; the trained network is kept in {shown(path)}"


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

    from bpdebug.output.plot import Series, framed, legend, plot

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
