"""Network files: TOML for people, JSON for programs, one schema, validated before computing.

Every problem is a `NetworkFileError` whose text is one line: the file, the key path
(`layers[1].W`) and what is wrong. Sizes are checked against `Limits` before any array exists.
Nothing here runs code from a file: tomllib and json only, no pickle, no eval.

Saving a network that came from a TOML file updates that file's own document (tomlkit, the
style-preserving TOML library) rather than writing a new one: its comments, key order and
layout stay, only the numbers that changed are rewritten. What it writes is read back through
the loader and must give the same network, bit for bit; a file that changed since it was
opened so much that it no longer fits the network is written in bpdebug's own layout instead,
and its first comment says why.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

from bpdebug.engine import Network
from bpdebug.files.atomic import read_bounded, write_atomically
from bpdebug.files.optimizer_file import optimizer_document, optimizer_toml
from bpdebug.files.validate import (
    DEFAULT_LIMITS,
    Limits,
    NetworkFileError,
    kind_of,
    network_from_document,
)

__all__ = [
    "Limits",
    "NetworkFileError",
    "first_nonfinite",
    "load_network",
    "network_from_document",
    "network_to_document",
    "save_network",
]


def _read_text(path: Path, limits: Limits) -> str:
    """The file's text: a regular file only, read no further than the size limit."""
    try:
        raw = read_bounded(path, limits.max_file_bytes)
    except FileNotFoundError:
        raise NetworkFileError(str(path), "", "no such file") from None
    except IsADirectoryError:
        raise NetworkFileError(str(path), "", "is a folder, not a network file") from None
    except OSError as exc:
        raise NetworkFileError(str(path), "", f"cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        problem = str(exc)
        if problem.startswith("file is"):
            problem += f"; the limit is {limits.max_file_bytes:,} (raise it with --max-file-bytes)"
        raise NetworkFileError(str(path), "", problem) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NetworkFileError(
            str(path), "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None


def parse_document(text: str, source: str, fmt: str) -> dict[str, Any]:
    """Parse TOML or JSON text into a dict, with syntax errors as one-line NetworkFileErrors."""
    try:
        # JSON's NaN/Infinity parse here, then fail validation with their key path
        doc = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NetworkFileError(source, "", f"TOML syntax error: {exc}") from None
    except json.JSONDecodeError as exc:
        raise NetworkFileError(
            source, "", f"JSON syntax error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise NetworkFileError(source, "", "nested too deeply to be a network file") from None
    except ValueError as exc:  # Python refuses integers of more than 4,300 digits
        problem = "a number has more than 4,300 digits" if "4300" in str(exc) else str(exc)
        raise NetworkFileError(source, "", problem[:200]) from None
    if not isinstance(doc, dict):
        raise NetworkFileError(
            source, "", f"expected a table of keys at the top, got {kind_of(doc)}"
        )
    return doc


def file_format(path: Path, text: str = "") -> str:
    """'json' or 'toml', from the suffix or, failing that, from the first character."""
    suffix = path.suffix.lower()
    if suffix in (".json", ".toml"):
        return suffix[1:]
    return "json" if text.lstrip().startswith(("{", "[")) else "toml"


def load_network(path: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Network:
    """Read, parse and validate a network file."""
    p = Path(path)
    text = _read_text(p, limits)
    if not text.strip():
        raise NetworkFileError(str(p), "", "the file is empty")
    doc = parse_document(text, str(p), file_format(p, text))
    return network_from_document(doc, str(p), limits)


# ---------------------------------------------------------------- saving


def network_to_document(net: Network) -> dict[str, Any]:
    """The file schema for `net`, with every parameter written out (no `units`)."""
    doc: dict[str, Any] = {}
    if net.name:
        doc["name"] = net.name
    doc["loss"] = net.loss
    doc["learning_rate"] = net.learning_rate
    if net.seed is not None:
        doc["seed"] = net.seed
    doc["data"] = {"x": net.x.T.tolist(), "y": net.y.T.tolist()}
    layers = []
    for layer in net.layers:
        item: dict[str, Any] = {"activation": layer.activation}
        if layer.activation == "leaky_relu":
            item["alpha"] = layer.alpha
        item["W"] = layer.W.tolist()
        item["b"] = layer.b.tolist()
        if layer.frozen:
            item["frozen"] = sorted(layer.frozen)
        layers.append(item)
    doc["layers"] = layers
    optimizer = optimizer_document(net)
    if optimizer is not None:
        doc["optimizer"] = optimizer
    return doc


def _toml_value(value: Any) -> str:
    """One TOML value on one line; floats by repr, which round-trips every bit."""
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, float):
        return repr(value)
    import tomli_w  # only when saving

    return tomli_w.dumps({"v": value})[4:].rstrip("\n")


def to_toml(net: Network, comment: str = "") -> str:
    """TOML with one matrix row per list and a comment line, readable and exact."""
    doc = network_to_document(net)
    lines = [f"# {line}" for line in comment.splitlines()]
    for key in ("name", "loss", "learning_rate", "seed"):
        if key in doc:
            lines.append(f"{key} = {_toml_value(doc[key])}")
    lines += ["", "[data]  # one row per example"]
    lines += [f"{k} = {_toml_value(v)}" for k, v in doc["data"].items()]
    for item in doc["layers"]:
        lines += ["", "[[layers]]"]
        lines += [f"{k} = {_toml_value(v)}" for k, v in item.items()]
    if "optimizer" in doc:
        lines += optimizer_toml(doc["optimizer"], _toml_value)
    return "\n".join(lines) + "\n"


def to_json(net: Network) -> str:
    return json.dumps(network_to_document(net), indent=2, allow_nan=False) + "\n"


def save_network(
    net: Network,
    path: str | os.PathLike[str],
    overwrite: bool = False,
    comment: str = "",
    limits: Limits = DEFAULT_LIMITS,
) -> Path:
    """Write `net` atomically (temp file, then rename). Refuses to replace a file unless asked.

    What is written is first read back through the loader's own checks, so every file bpdebug
    writes loads: raises NetworkFileError (a ValueError) with the loader's message when it
    would not (MagnitudeError, a kind of it, when a number is beyond `limits.max_magnitude`:
    it says the limit that would load it), ValueError when the network holds non-finite
    numbers, FileExistsError when
    `path` exists and overwrite is False, OSError on I/O failure.
    """
    p = Path(path)
    return write_atomically(p, network_text(net, p, comment, limits), overwrite)


def network_text(
    net: Network, path: Path, comment: str = "", limits: Limits = DEFAULT_LIMITS
) -> str:
    """The text save_network writes to `path` (JSON or TOML by its suffix), once the loader's
    own checks pass; raises as save_network does. A served session delivers it as a download."""
    bad = first_nonfinite(net)
    if bad:
        raise ValueError(f"cannot save: {bad} is not finite (edit it back or undo first)")
    key, largest = largest_number(net)
    if largest > limits.max_magnitude:
        raise MagnitudeError(str(path), key, largest, limits.max_magnitude)
    network_from_document(network_to_document(net), str(path), limits)
    if file_format(path) == "json":
        return to_json(net)
    kept, why = keeping_layout(net, comment, str(path), limits)
    if why:
        comment += f"\n({why}: written in bpdebug's own layout)"
    return kept or to_toml(net, comment)


# ---------------------------------------------------------------- saving, keeping the layout

# A comment that bpdebug itself put first, replaced (not piled up) when the file is saved again.
OWN_COMMENTS = ("# Saved by bpdebug", "# Trained by bpdebug", "# Unsaved work of a bpdebug")
# tomlkit reads about 1 MB a second: a larger file (784-128-10's weights are 3 MB, written by
# a program, not a person) is written in bpdebug's own layout, fast, and its comment says so.
KEEP_LAYOUT_BYTES = 512 * 1024


def keeping_layout(net: Network, comment: str, where: str, limits: Limits) -> tuple[str, str]:
    """The TOML file `net` came from (read again now), its values set to `net`'s in place,
    and `comment` first: (text, ""). ("", "") when it came from no TOML file; ("", why) when
    that file can no longer be read, is too large, no longer fits `net`, or the text would not
    load back as `net` bit for bit."""
    source = Path(net.source) if net.source else None
    if source is None or source.suffix.lower() == ".json":
        return "", ""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    try:
        text = _read_text(source, limits)
        if file_format(source, text) != "toml":
            return "", ""
        if len(text) > KEEP_LAYOUT_BYTES:
            kib = KEEP_LAYOUT_BYTES // 1024
            return "", f"{source.name} is over {kib} KiB: too large to keep its comments quickly"
        document = tomlkit.parse(text)
        _update(document, network_to_document(net))
        kept = _with_comment(tomlkit.dumps(document), comment)
    except NetworkFileError as exc:
        return "", f"{source.name}'s comments could not be kept: {exc.problem}"
    except (TOMLKitError, ValueError, TypeError, KeyError, RecursionError) as exc:
        return "", f"{source.name}'s comments could not be kept: {str(exc)[:80]}"
    if not _loads_as(kept, net, where, limits):
        return "", f"{source.name}'s comments could not be kept: its layout changed the values"
    return kept, ""


def _update(table: Any, values: dict[str, Any]) -> None:
    """Set a TOML table's keys to `values` in place: what is unchanged stays as written (its
    spelling, comments and layout), what changed is rewritten, what `values` lacks (a layer's
    `units` and `init`, now W and b) goes, kept as a comment on the first new key."""
    gone = [_as_written(k, table[k]) for k in table if k not in values]
    for key in [k for k in table if k not in values]:
        del table[key]
    for key, value in values.items():
        if gone and key not in table:
            table[key] = _fresh(value, None)
            table[key].comment("was " + "; ".join(gone))
            gone = []
            continue
        old = table.get(key)
        if key == "layers":
            if not isinstance(old, list) or len(old) != len(value):
                raise ValueError(f"it has {len(old or [])} layers, the network {len(value)}")
            for old_layer, layer in zip(old, value, strict=True):
                _update(old_layer, layer)
        elif isinstance(value, dict) and isinstance(old, dict):
            _update(old, value)
        elif isinstance(value, list) and _same_shape(old, value):
            _update_list(old, value)
        elif key not in table or not _same(old, value):
            table[key] = _fresh(value, old)


def _as_written(key: str, item: Any) -> str:
    """'units = 2  # drawn from the seed': a key as the file wrote it, its comment too."""
    comment = getattr(getattr(item, "trivia", None), "comment", "")
    return f"{key} = {item.as_string()}" + (f"  {comment}" if comment else "")


def _update_list(old: list[Any], new: list[Any]) -> None:
    """Rewrite only the entries that changed (a matrix keeps its rows, spacing, comments)."""
    for k, value in enumerate(new):
        if isinstance(value, list):
            _update_list(old[k], value)
        elif not _same(old[k], value):
            old[k] = value


def _same_shape(old: Any, new: Any) -> bool:
    if isinstance(new, list):
        return (
            isinstance(old, list)
            and len(old) == len(new)
            and all(_same_shape(o, n) for o, n in zip(old, new, strict=True))
        )
    return not isinstance(old, list | dict)


def _same(old: Any, new: Any) -> bool:
    """Whether the file's value reads as `new` (1 and 1.0 do; 0.0 and -0.0 do not)."""
    if isinstance(old, bool) or not isinstance(old, int | float | str):
        return False
    if isinstance(new, float) and not isinstance(old, str):
        return float(old) == new and math.copysign(1.0, old) == math.copysign(1.0, new)
    if isinstance(new, int):
        return isinstance(old, int) and int(old) == new
    return isinstance(new, str) and isinstance(old, str) and str(old) == new


def _fresh(value: Any, old: Any) -> Any:
    """A new TOML value; a matrix replacing one written a row per line is written so too."""
    import tomlkit

    item = tomlkit.item(value)
    if isinstance(value, list) and value and isinstance(value[0], list):
        spread = old is not None and "\n" in tomlkit.item(old).as_string()
        item.multiline(spread)
    return item


def _with_comment(text: str, comment: str) -> str:
    """`comment` as the first lines, in place of one bpdebug wrote there before."""
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith(OWN_COMMENTS):
        lines.pop(0)
    return "".join(f"# {line}\n" for line in comment.splitlines()) + "".join(lines)


def _loads_as(text: str, net: Network, where: str, limits: Limits) -> bool:
    """Whether `text` loads, through the loader's own checks, as `net` to the last bit."""
    try:
        back = network_from_document(parse_document(text, where, "toml"), where, limits)
    except NetworkFileError:
        return False
    return back.same_as(net)


def first_nonfinite(net: Network) -> str:
    """The key of the first number of `net` that is nan or infinite ('' if none)."""
    arrays = [("learning_rate", np.array(net.learning_rate))]
    for i, layer in enumerate(net.layers):
        arrays += [(f"layers[{i}].W", layer.W), (f"layers[{i}].b", layer.b)]
    arrays += [("data.x", net.x), ("data.y", net.y), *optimizer_arrays(net)]
    for key, arr in arrays:
        if not np.all(np.isfinite(arr)):
            return key
    return ""


def optimizer_arrays(net: Network) -> list[tuple[str, np.ndarray]]:
    """The optimizer's state as the file names it: ("optimizer.state.W1.exp_avg_sq", array)."""
    state = net.opt_state
    if state is None:
        return []
    return [
        (f"optimizer.state.{key}.{name}", array)
        for key, arrays in state.tensors.items()
        for name, array in arrays.items()
    ]


class MagnitudeError(NetworkFileError):
    """A number beyond the magnitude limit: saved, the file would not load back without a
    higher --max-magnitude. `needed` is the limit that would load it, `flag` says it."""

    def __init__(self, source: str, key: str, value: float, limit: float) -> None:
        self.value, self.limit = value, limit
        self.needed = magnitude_limit_for(value)
        self.flag = f"--max-magnitude {flag_number(self.needed)}"
        super().__init__(
            source,
            key,
            f"{value:.3g} is larger than the limit of {limit:g} that bpdebug loads "
            f"({self.flag} would load it)",
        )


def flag_number(value: float) -> str:
    """A number as short as a flag can take it and still mean at least `value`: 4e180."""
    mantissa, _, exponent = f"{value:g}".partition("e")
    short = f"{mantissa}e{int(exponent)}" if exponent else mantissa
    return short if float(short) >= value else repr(value)


def magnitude_limit_for(value: float) -> float:
    """The round limit at or above |value|: 3.66e180 → 4e180, 7e3 → 7e3, 9.5 → 10 (the
    largest float itself for a number beyond 1.7e308)."""
    value = abs(value)
    mantissa, exponent = (int(float(part)) for part in f"{value:.0e}".split("e"))
    limit = float(f"{mantissa}e{exponent}")
    while limit < value:  # rounded down: the next mantissa up
        mantissa += 1
        limit = float(f"{mantissa}e{exponent}")
    return min(limit, sys.float_info.max)


def largest_number(net: Network) -> tuple[str, float]:
    """Where the largest |number| of the weights, biases, data and optimizer state is, as the
    file names it ("layers[3].b[0]", "data.x[2][0]", "optimizer.state.W1.exp_avg_sq[0][1]"),
    and its size: the loader holds all of them to --max-magnitude. The learning rate and the
    optimizer's hyper-parameters have limits of their own."""
    best, where = -1.0, ""
    arrays = [(f"layers[{i}].W", la.W) for i, la in enumerate(net.layers)]
    arrays += [(f"layers[{i}].b", la.b) for i, la in enumerate(net.layers)]
    arrays += [("data.x", np.asarray(net.x).T), ("data.y", np.asarray(net.y).T)]  # file order
    arrays += optimizer_arrays(net)
    for key, arr in arrays:
        a = np.abs(np.asarray(arr, dtype=float))
        if a.size and float(a.max()) > best:
            index = np.unravel_index(int(np.argmax(a)), a.shape)
            best, where = float(a.max()), key + "".join(f"[{int(k)}]" for k in index)
    return where, best
