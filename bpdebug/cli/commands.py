"""What each command does, once its arguments are parsed."""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
from typing import TYPE_CHECKING

from bpdebug.cli.args import UsageError, limits_of
from bpdebug.cli.progress import progress_line
from bpdebug.files.atomic import exists
from bpdebug.files.netfile import Limits, NetworkFileError, load_network
from bpdebug.files.samples import resolve, sample_names

if TYPE_CHECKING:
    from pathlib import Path

    from bpdebug.engine import Network, Trace
    from bpdebug.session.quiz import Quiz


def say(line: str) -> None:
    """One line on standard error, if there is a standard error to say it on."""
    if sys.stderr is not None:
        print(line, file=sys.stderr)


def load(net_arg: str, limits: Limits) -> Network:
    """The network a NET argument names: a file, or a shipped sample."""
    path = resolve(net_arg)
    if not exists(path) and net_arg not in sample_names():
        looks_like_path = "/" in net_arg or path.suffix
        if not looks_like_path:
            raise NetworkFileError(
                net_arg, "", "no such file or sample (samples: " + ", ".join(sample_names()) + ")"
            )
    return load_network(path, limits)


def _printable(words: str) -> str:
    """A file name as a message may show it: no control characters reach the terminal."""
    return "".join(ch if ch.isprintable() else "?" for ch in words)


def run_trace(args: argparse.Namespace) -> int:
    from bpdebug.engine import build_trace
    from bpdebug.output.report import json_numbers, trace_json_parts, trace_markdown, trace_text

    with progress_line() as show:
        show("loading the network…")
        trace = build_trace(load(args.net, limits_of(args)))
    if args.format == "text":
        width = args.width or (shutil.get_terminal_size().columns if sys.stdout.isatty() else 120)
        sys.stdout.write(trace_text(trace, args.digits, max(width, 40)))
        return 0
    if args.format == "markdown":
        sys.stdout.write(trace_markdown(trace, args.digits))
        return 0
    numbers = json_numbers(trace)
    if numbers > args.max_json_numbers:
        raise UsageError(
            f"bpdebug trace: {_printable(args.net)}: --format json would write {numbers:,} "
            f"numbers, more than the limit {args.max_json_numbers:,} "
            f"(raise it with --max-json-numbers {numbers})"
        )
    with progress_line() as show:
        written = 0
        for part, count in trace_json_parts(trace, args.digits):
            sys.stdout.write(part)
            written += count
            if count:
                show(f"writing the JSON: {written:,} of {numbers:,} numbers")
        sys.stdout.write("\n")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from bpdebug.engine import build_trace
    from bpdebug.engine.gradcheck import Progress, check_gradients, check_work
    from bpdebug.output.report import check_text

    if not args.tolerance > 0:
        raise UsageError("bpdebug check: --tolerance must be a positive number")
    with progress_line() as show:
        show("loading the network…")
        net = load(args.net, limits_of(args))
    work = check_work(net)
    if work > args.max_check_work:
        raise UsageError(
            f"bpdebug check: {_printable(args.net)}: the finite differences would take {work:,} "
            f"multiply-adds of work, more than the limit {args.max_check_work:,} "
            f"(raise it with --max-check-work {work})"
        )

    with progress_line() as show:

        def progress(p: Progress) -> None:
            share = 100 * p.work_done // max(1, p.work)
            show(f"checked {p.tensors_done} of {p.tensors} tensors ({share}% of the work)")

        report = check_gradients(net, progress)
    passed = report.passes(args.tolerance)
    diagnosis = build_trace(net).diagnosis() if not passed else ""
    sys.stdout.write(check_text(net, report, args.tolerance, diagnosis))
    return 0 if passed else 1


def run_explain(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bpdebug.engine import build_trace
    from bpdebug.files.atomic import OutputError, check_output, write_output
    from bpdebug.output.explain import explain_html, explain_latex, explain_markdown
    from bpdebug.output.why import parse_whys

    trace = build_trace(load(args.net, limits_of(args)))
    if trace.diagnosis():
        say(f"bpdebug explain: warning: {trace.diagnosis()}")
    try:
        why = parse_whys(args.why, trace.network) if args.why else None
    except ValueError as exc:
        raise UsageError(f"bpdebug explain: {exc}") from None
    style = {"terse": args.terse, "why": why}
    if args.output:
        try:
            check_output(Path(args.output), args.force)  # before anything is written beside it
        except OutputError as exc:
            raise UsageError(f"bpdebug explain: {exc}") from None
    graph = ""  # the graph beside the output: a PDF for LaTeX, an SVG shown by markdown
    if args.output and args.format in ("latex", "markdown"):
        graph = _graph_beside(trace, Path(args.output), args.format, args.force)
    if args.format == "latex":
        text = explain_latex(trace, args.digits, graph or None, **style)
    elif args.format == "markdown":
        text = explain_markdown(trace, args.digits, graph_file=graph or None, **style)
    else:
        text = explain_html(trace, args.digits, **style)
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        write_output(Path(args.output), text, args.force)
    except OutputError as exc:
        raise UsageError(f"bpdebug explain: {exc}") from None
    return 0


def _graph_beside(trace: Trace, out: Path, fmt: str, force: bool) -> str:
    """Write NAME-graph.pdf (LaTeX) or NAME-graph.svg (markdown) beside the output; its file
    name, or '' (said why) if it can't be written."""
    from bpdebug.files.atomic import OutputError, write_output
    from bpdebug.output.graph import GraphvizMissing, render, to_dot

    kind = "pdf" if fmt == "latex" else "svg"
    picture = out.with_name(f"{out.stem}-graph.{kind}")
    try:
        write_output(picture, render(to_dot(trace), kind), force)
    except (GraphvizMissing, RuntimeError, OutputError) as exc:
        where = "figure" if fmt == "latex" else "picture (its DOT ends the document)"
        say(f"bpdebug explain: no graph {where}: {exc}")
        return ""
    return picture.name


def run_import_torch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bpdebug.files.flow_log import printable
    from bpdebug.files.import_torch import WEIGHT_SUFFIXES, ImportTorchError
    from bpdebug.files.netfile import save_network

    source = args.model
    weights = Path(source).suffix.lower() in WEIGHT_SUFFIXES
    name = printable(source.partition(":")[2] or Path(source.partition(":")[0]).stem)[:200]
    out = Path(args.output or f"{name.replace('/', '_')}.toml")  # here, never a folder above
    _check_output_first("import-torch", out, args.force)  # before any module runs
    try:
        net = _imported(args, source, weights, name)
    except ImportTorchError as exc:
        raise UsageError(f"bpdebug import-torch: {exc}") from None
    what = "the weights in" if weights else "the model in"
    try:
        save_network(
            net,
            out,
            overwrite=args.force,
            comment=f"Imported by bpdebug import-torch from {what} {printable(source)}.\n"
            "data is a placeholder (one example of zeros): put your own x and y here.",
            limits=limits_of(args),
        )
    except FileExistsError:
        raise UsageError(
            f"bpdebug import-torch: {printable(str(out))} already exists (use --force)"
        ) from None
    except NetworkFileError as exc:  # what would be written would not load back
        raise UsageError(f"bpdebug import-torch: not written: {exc.key}: {exc.problem}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(
            printable(f"bpdebug import-torch: {out}: {getattr(exc, 'strerror', None) or exc}")
        ) from None
    shape = "-".join(str(n) for n in net.sizes)
    print(printable(f"wrote {out}: {net.name}, {shape}, {net.loss.replace('_', '-')} loss"))
    return 0


def _imported(args: argparse.Namespace, source: str, weights: bool, name: str) -> Network:
    """The network `source` describes: weights (no code runs) or a module (its code runs)."""
    from pathlib import Path

    from bpdebug.files.flow_log import printable
    from bpdebug.files.import_torch import (
        ImportTorchError,
        check_model_file,
        load_model,
        network_from_sequential,
        network_from_weights,
        parse_activations,
        read_safetensors,
        read_state_dict,
    )

    target = source.partition(":")[0]
    if not weights and target.endswith(".py"):
        check_model_file(Path(target))  # a pipe or a folder is named, torch or no torch
    needs_torch = not source.lower().endswith(".safetensors")
    if needs_torch:
        try:
            import torch  # noqa: F401
        except ImportError:
            raise UsageError(
                "bpdebug import-torch: torch is not installed (pip install 'bpdebug[torch]'; "
                "a .safetensors file needs no torch)"
            ) from None
    if weights:
        if not args.activations:
            raise ImportTorchError(
                "a weights file holds no activations: give --activations, one per Linear "
                "layer, e.g. --activations relu,relu,sigmoid"
            )
        activations = parse_activations(args.activations)
        path = Path(source)
        if path.suffix.lower() == ".safetensors":
            tensors, ordered = read_safetensors(path, limits_of(args).max_file_bytes), False
        else:
            tensors, ordered = read_state_dict(path, limits_of(args).max_file_bytes), True
        loss = args.loss or ("cross_entropy" if activations[-1][0] == "softmax" else "mse")
        try:
            return network_from_weights(
                tensors, activations, loss, args.learning_rate, name, ordered
            )
        except ImportTorchError as exc:  # what the file holds: said with the file's name
            raise ImportTorchError(f"{printable(source)}: {exc}") from None
    if args.activations:
        raise ImportTorchError("--activations is for weights files; a model has its own")
    model = load_model(source)
    loss = args.loss
    if loss is None:
        import torch.nn as nn

        last = list(model)[-1] if isinstance(model, nn.Sequential) and len(model) else None
        loss = "cross_entropy" if isinstance(last, nn.Softmax) else "mse"
    return network_from_sequential(model, loss, args.learning_rate, name)


def run_graph(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bpdebug.engine import build_trace
    from bpdebug.files.atomic import OutputError, write_output
    from bpdebug.output.graph import GraphvizMissing, render, to_dot

    out = Path(args.output) if args.output else None
    if args.format == "png" and out is None:
        raise UsageError("bpdebug graph: --format png needs --output FILE.png")
    if out is not None:
        _check_output_first("graph", out, args.force)
    trace = build_trace(load(args.net, limits_of(args)))
    if args.step is not None and args.step > len(trace):
        raise UsageError(f"bpdebug graph: --step: this network has steps 1 to {len(trace)}")
    dot = to_dot(trace, None if args.step is None else args.step - 1)
    data: bytes | None = dot.encode()
    missing = ""
    if args.format != "dot":
        try:
            data = render(dot, args.format)
        except GraphvizMissing as exc:
            missing, data = str(exc), None
        except RuntimeError as exc:
            raise UsageError(f"bpdebug graph: {exc}") from None
    if data is None:  # no Graphviz: the DOT instead, beside where the picture would go
        out = out.with_suffix(".dot") if out is not None else None
        data = dot.encode()
    if out is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
    else:
        try:
            write_output(
                out, data if args.format == "png" and not missing else data.decode(), args.force
            )
        except OutputError as exc:
            raise UsageError(f"bpdebug graph: {exc}") from None
    if missing:
        say(f"bpdebug graph: {missing}; wrote the DOT instead" + (f" to {out}" if out else ""))
        return 1
    return 0


def _check_output_first(command: str, out: Path, force: bool) -> None:
    """An output refused before any work, by what it is (a folder is never `--force`d into a
    file), as one line of `bpdebug COMMAND`."""
    from bpdebug.files.atomic import OutputError, check_output
    from bpdebug.files.flow_log import printable

    try:
        folder = out.is_dir()
    except OSError:  # a name the system refuses: check_output says why
        folder = False
    try:
        if folder:
            raise OutputError(f"{out} is a folder")
        check_output(out, force)
    except OutputError as exc:
        raise UsageError(f"bpdebug {command}: {printable(str(exc))}") from None


def run_snapshot(args: argparse.Namespace) -> int:
    from bpdebug.cli.snapshot import run_snapshot

    with progress_line() as show:
        show("loading the network…")
        net = load(args.net, limits_of(args))
    return run_snapshot(args, net)


def run_app(args: argparse.Namespace, quiz: Quiz | None = None) -> int:
    # Start-up makes many long-lived objects and little garbage: collecting while it runs
    # only walks them again and again (measured: ~50 ms of start-up). Frozen afterwards, the
    # collector leaves them alone for good.
    gc.disable()
    try:
        from bpdebug.tui.app import make_app

        limits = limits_of(args)
        from bpdebug.session.outbox import Folder

        root = getattr(args, "served_from", None)
        served = Folder(root) if root is not None else None
        app = make_app(load(args.net, limits), limits, True, quiz, served)
        gc.freeze()
    finally:
        gc.enable()
    app.run()
    for note in app.exit_notes():
        print(note, file=sys.stderr)
    return app.return_code or 0
