"""The command line: `bpdebug [NET]`, `trace`, `check`, `snapshot`. Thin on purpose.

Every bad file or argument is one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .allocator import keep_freed_memory
from .atomic import exists
from .netfile import Limits, NetworkFileError, load_network
from .notation.parse import shown
from .progress import progress_line
from .samples import DEFAULT_SAMPLE, resolve, sample_names

if TYPE_CHECKING:
    from .engine import Network

COMMANDS = ("trace", "check", "snapshot", "explain", "import-torch")


class UsageError(Exception):
    """A bad argument: reported as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _positive_int(text: str) -> int:
    """A whole number such as 20000, 20_000 or 2e4."""
    try:
        value = float(text) if "e" in text.lower() else int(text)
    except (ValueError, OverflowError):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {shown(text)}") from None
    if not float(value).is_integer() or not 1 <= value <= 2**62:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to 2**62, got {text}")
    return int(value)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {shown(text)}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive finite number, got {text}")
    return value


def _digits(text: str) -> int | None:
    if text.strip().lower() == "full":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 1 to 17 or full, got {shown(text)}") from None
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"must be from 1 to 17 (or full), got {value}")
    return value


def _digits_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--digits",
        type=_digits,
        default=6,
        metavar="N",
        help="significant digits of the numbers in formulas, 1-17 or 'full' (default 6)",
    )


def _limit_flags(parser: argparse.ArgumentParser) -> None:
    d = Limits()
    g = parser.add_argument_group("limits (checked before anything is allocated)")
    g.add_argument(
        "--max-units",
        type=_positive_int,
        default=d.max_units,
        metavar="N",
        help=f"largest layer given by units (default {d.max_units:,})",
    )
    g.add_argument(
        "--max-examples",
        type=_positive_int,
        default=d.max_examples,
        metavar="N",
        help=f"most examples in data (default {d.max_examples:,})",
    )
    g.add_argument(
        "--max-params",
        type=_positive_int,
        default=d.max_params,
        metavar="N",
        help=f"most parameters in all (default {d.max_params:,})",
    )
    g.add_argument(
        "--max-file-bytes",
        type=_positive_int,
        default=d.max_file_bytes,
        metavar="N",
        help=f"largest network file (default {d.max_file_bytes:,})",
    )
    g.add_argument(
        "--max-trace-bytes",
        type=_positive_int,
        default=d.max_trace_bytes,
        metavar="N",
        help=f"memory one iteration's trace may take (default {d.max_trace_bytes:,})",
    )
    g.add_argument(
        "--max-magnitude",
        type=_positive_float,
        default=d.max_magnitude,
        metavar="X",
        help=f"largest |number| in a file (default {d.max_magnitude:g})",
    )


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(
        max_units=args.max_units,
        max_examples=args.max_examples,
        max_params=args.max_params,
        max_file_bytes=args.max_file_bytes,
        max_magnitude=args.max_magnitude,
        max_trace_bytes=args.max_trace_bytes,
    )


NET_HELP = f"a network file (.toml or .json) or a sample's name: {', '.join(sample_names())}"


def _open_parser() -> _Parser:
    p = _Parser(
        prog="bpdebug",
        description="A terminal step-debugger for backpropagation. "
        f"Commands: {', '.join(COMMANDS)} (bpdebug COMMAND --help).",
        epilog="Examples: bpdebug · bpdebug xor · bpdebug trace two_layer --format json · "
        "bpdebug check deep · bpdebug snapshot xor --keys 'n n n' --output step3.svg",
    )
    p.add_argument(
        "net",
        nargs="?",
        default=DEFAULT_SAMPLE,
        metavar="NET",
        help=NET_HELP + f" (default: {DEFAULT_SAMPLE})",
    )
    p.add_argument("--version", action="version", version=f"bpdebug {__version__}")
    _limit_flags(p)
    return p


def _command_parser(command: str) -> _Parser:
    p = _Parser(prog=f"bpdebug {command}")
    if command == "import-torch":
        p.description = (
            "Convert a PyTorch network into a network file: an nn.Sequential of Linear "
            "layers and activations from MODEL.py[:NAME] (this runs the module: use it on "
            "code you trust), or the weights of WEIGHTS.safetensors / WEIGHTS.pt with "
            "--activations (nothing runs: .pt is read with torch.load(weights_only=True))."
        )
        p.add_argument(
            "model",
            metavar="SOURCE",
            help="model.py or package.module, with :NAME for the attribute (default: model);"
            " or a .safetensors / .pt / .pth file of weights",
        )
        p.add_argument(
            "--activations",
            metavar="LIST",
            help="for a weights file: one activation per Linear layer, e.g. relu,relu,sigmoid "
            "(leaky_relu:0.2 gives the slope)",
        )
        p.add_argument("--output", "-o", metavar="FILE.toml", help="default: NAME.toml here")
        p.add_argument(
            "--loss",
            default=None,
            choices=("quadratic", "mse", "binary_cross_entropy", "cross_entropy"),
            help="default: cross_entropy after a Softmax, else mse",
        )
        p.add_argument("--learning-rate", type=_positive_float, default=0.1)
        p.add_argument("--force", action="store_true", help="replace an existing output file")
        _limit_flags(p)
        return p
    p.add_argument("net", metavar="NET", help=NET_HELP)
    if command == "trace":
        p.description = "Print every step of one gradient-descent iteration."
        p.add_argument("--format", choices=("text", "json", "markdown"), default="text")
        _digits_flag(p)
    elif command == "check":
        p.description = (
            "Compare every backprop gradient with central finite differences; "
            "exit 1 if any relative error is above the tolerance."
        )
        p.add_argument(
            "--tolerance",
            type=float,
            default=1e-6,
            metavar="TOL",
            help="largest relative error accepted (default 1e-6)",
        )
    elif command == "explain":
        p.description = "Write one iteration as a worked solution a teacher could hand out."
        p.add_argument("--format", choices=("markdown", "latex", "html"), default="markdown")
        _digits_flag(p)
        p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")
        p.add_argument("--force", action="store_true", help="replace an existing --output file")
    elif command == "snapshot":
        p.description = "Run the debugger headless, press KEYS, save the screen."
        p.add_argument("--keys", default="", help="space-separated key names, e.g. 'n n ] 2'")
        p.add_argument("--output", "-o", metavar="FILE.svg", help="where to write the SVG")
        p.add_argument("--text", action="store_true", help="print the screen as plain text")
        p.add_argument("--size", default="100x32", metavar="WxH", help="terminal size")
        p.add_argument("--force", action="store_true", help="replace an existing --output file")
        p.add_argument(
            "--theme",
            default="textual-dark",
            help="a Textual theme, e.g. "
            "textual-light, textual-dark, nord, gruvbox (default textual-dark)",
        )
    _limit_flags(p)
    return p


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


def _run_trace(args: argparse.Namespace) -> int:
    from .engine import build_trace
    from .report import trace_json, trace_markdown, trace_text

    trace = build_trace(load(args.net, _limits(args)))
    render = {"text": trace_text, "json": trace_json, "markdown": trace_markdown}[args.format]
    sys.stdout.write(render(trace, args.digits) + ("\n" if args.format == "json" else ""))
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from .engine import build_trace
    from .engine.gradcheck import check_gradients
    from .report import check_text

    if not args.tolerance > 0:
        raise UsageError("bpdebug check: --tolerance must be a positive number")
    net = load(args.net, _limits(args))
    with progress_line() as progress:
        report = check_gradients(
            net, lambda done, total: progress(f"checked {done} of {total} tensors")
        )
    passed = report.passes(args.tolerance)
    diagnosis = build_trace(net).diagnosis() if not passed else ""
    sys.stdout.write(check_text(net, report, args.tolerance, diagnosis))
    return 0 if passed else 1


def _run_explain(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .atomic import OutputError, write_output
    from .engine import build_trace
    from .explain import FORMATS

    trace = build_trace(load(args.net, _limits(args)))
    if trace.diagnosis():
        _say(f"bpdebug explain: warning: {trace.diagnosis()}")
    text = FORMATS[args.format](trace, args.digits)
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        write_output(Path(args.output), text, args.force)
    except OutputError as exc:
        raise UsageError(f"bpdebug explain: {exc}") from None
    return 0


def _run_import_torch(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .import_torch import WEIGHT_SUFFIXES, ImportTorchError
    from .netfile import save_network

    source = args.model
    weights = Path(source).suffix.lower() in WEIGHT_SUFFIXES
    name = (source.partition(":")[2] or Path(source.partition(":")[0]).stem)[:200]
    try:
        net = _imported(args, source, weights, name)
    except ImportTorchError as exc:
        raise UsageError(f"bpdebug import-torch: {exc}") from None
    out = Path(args.output or f"{name}.toml")
    what = "the weights in" if weights else "the model in"
    try:
        save_network(
            net,
            out,
            overwrite=args.force,
            comment=f"Imported by bpdebug import-torch from {what} {source}.\n"
            "data is a placeholder (one example of zeros): put your own x and y here.",
            limits=_limits(args),
        )
    except FileExistsError:
        raise UsageError(f"bpdebug import-torch: {out} already exists (use --force)") from None
    except NetworkFileError as exc:  # what would be written would not load back
        raise UsageError(f"bpdebug import-torch: not written: {exc.key}: {exc.problem}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"bpdebug import-torch: {out}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    print(f"wrote {out}: {net!r}")
    return 0


def _imported(args: argparse.Namespace, source: str, weights: bool, name: str) -> Network:
    """The network `source` describes: weights (no code runs) or a module (its code runs)."""
    from pathlib import Path

    from .import_torch import (
        ImportTorchError,
        load_model,
        network_from_sequential,
        network_from_weights,
        parse_activations,
        read_safetensors,
        read_state_dict,
    )

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
            tensors, ordered = read_safetensors(path, _limits(args).max_file_bytes), False
        else:
            tensors, ordered = read_state_dict(path), True
        loss = args.loss or ("cross_entropy" if activations[-1][0] == "softmax" else "mse")
        return network_from_weights(tensors, activations, loss, args.learning_rate, name, ordered)
    if args.activations:
        raise ImportTorchError("--activations is for weights files; a model has its own")
    model = load_model(source)
    loss = args.loss
    if loss is None:
        import torch.nn as nn

        last = list(model)[-1] if isinstance(model, nn.Sequential) and len(model) else None
        loss = "cross_entropy" if isinstance(last, nn.Softmax) else "mse"
    return network_from_sequential(model, loss, args.learning_rate, name)


def _run_snapshot(args: argparse.Namespace) -> int:
    from .tui.snapshot import run_snapshot

    return run_snapshot(args, load(args.net, _limits(args)))


def _run_app(args: argparse.Namespace) -> int:
    # Start-up makes many long-lived objects and little garbage: collecting while it runs
    # only walks them again and again (measured: ~50 ms of start-up). Frozen afterwards, the
    # collector leaves them alone for good.
    gc.disable()
    try:
        from .tui.app import make_app

        limits = _limits(args)
        app = make_app(load(args.net, limits), limits, offer_recovered=True)
        gc.freeze()
    finally:
        gc.enable()
    app.run()
    for note in app.exit_notes():
        print(note, file=sys.stderr)
    return app.return_code or 0


def dispatch(argv: Sequence[str]) -> int:
    if argv and argv[0] in COMMANDS:
        args = _command_parser(argv[0]).parse_args(argv[1:])
        runner = {
            "trace": _run_trace,
            "explain": _run_explain,
            "import-torch": _run_import_torch,
            "check": _run_check,
            "snapshot": _run_snapshot,
        }[argv[0]]
        return int(runner(args))
    return _run_app(_open_parser().parse_args(argv))


def _say(line: str) -> None:
    """One line on standard error, if there is a standard error to say it on."""
    if sys.stderr is not None:
        print(line, file=sys.stderr)


def _usable_streams() -> bool:
    """Standard output can be written to, in any encoding: a character the encoding lacks is
    written as an escape (\u2202) rather than failing. False if it is closed."""
    if sys.stdout is None:
        _say("bpdebug: standard output is closed: nothing could be shown")
        return False
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    return True


def _drop_stdout() -> None:
    """After output failed: stop Python trying again (and failing again) at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    keep_freed_memory()
    if not _usable_streams():
        return 2
    try:
        code = dispatch(argv)
        sys.stdout.flush()
        return code
    except (UsageError, NetworkFileError) as exc:
        _say(f"bpdebug: {exc}" if isinstance(exc, NetworkFileError) else str(exc))
        return 2
    except BrokenPipeError:
        _drop_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    except MemoryError:
        _say(
            "bpdebug: not enough memory for this network "
            "(the --max-… limits keep a network within what a machine usually has)"
        )
        return 2
    except OSError as exc:  # writing the output failed: a full disk, a closed pipe …
        _say(f"bpdebug: cannot write the output: {exc.strerror or exc}")
        with contextlib.suppress(OSError, ValueError):
            _drop_stdout()
        return 1
