"""Weights from a .safetensors file, read here without torch and without running anything:
an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
byte span, then the raw numbers. The header is held to the format before a byte of data is
read, so a file that lies about its sizes or offsets is one line, never a wrong network.
"""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path
from typing import Any

import numpy as np

from bpdebug.files.atomic import read_bounded
from bpdebug.files.flow_log import printable


class ImportTorchError(ValueError):
    """One line: what could not be imported, and why."""


# Every dtype of the safetensors format and its size in bytes; the floats are read (BF16 as
# the top half of a float32), the rest only checked (a file may hold integer buffers too).
SAFETENSORS_SIZES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2}
SAFETENSORS_SIZES |= {"U16": 2, "F16": 2, "BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8}
SAFETENSORS_SIZES |= {"I64": 8, "U64": 8}
SAFETENSORS_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}
MAX_HEADER = 100_000_000  # the format's own limit on its JSON header
MAX_DIMS = 32  # more dimensions than NumPy held for years; a Linear layer needs 2


def read_safetensors(path: Path, max_bytes: int) -> dict[str, np.ndarray]:
    """The float tensors of a .safetensors file (8-byte header size, a JSON header, the raw
    data), read here, bounded by `max_bytes`, nothing executed. The header is held to the
    format: every entry a dtype, a shape of whole numbers and two offsets whose span is
    exactly that many numbers, the entries' data back to back, covering the data exactly
    (no overlap, no gap, nothing beyond the file)."""
    raw = read_file(path, max_bytes)
    if len(raw) < 8:
        raise ImportTorchError(f"{at(path)}: too short to be a safetensors file")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > min(len(raw) - 8, MAX_HEADER):
        raise ImportTorchError(
            f"{at(path)}: not a safetensors file: its header length reads {size:,} bytes, "
            f"and {len(raw) - 8:,} follow it"
        )
    header = _header(path, raw[8 : 8 + size])
    data = memoryview(raw)[8 + size :]
    entries = {k: _entry(path, k, v, len(data)) for k, v in header.items() if k != "__metadata__"}
    _check_layout(path, entries, len(data))
    tensors: dict[str, np.ndarray] = {}
    for key, (dtype, shape, begin, end) in entries.items():
        if dtype in SAFETENSORS_DTYPES:
            flat = np.frombuffer(data[begin:end], dtype=SAFETENSORS_DTYPES[dtype])
            if dtype == "BF16":
                flat = (flat.astype(np.uint32) << 16).view(np.float32)
            tensors[key] = flat.reshape(shape).astype(np.float64)
        elif key.endswith((".weight", ".bias")):
            raise ImportTorchError(f"{at(path)}: {at(key)} holds {dtype} numbers; expected floats")
    return tensors


def _header(path: Path, text: bytes) -> dict[str, Any]:
    """The JSON header: an object of entries (each name once) and an optional
    __metadata__ of text."""

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            twice = next(k for k in keys if keys.count(k) > 1)
            raise ImportTorchError(f"{at(path)}: its header names {at(twice)!r} twice")
        return dict(pairs)

    try:
        header = json.loads(text, object_pairs_hook=unique)
    except ImportTorchError:
        raise
    except RecursionError:
        raise ImportTorchError(f"{at(path)}: its header nests too deeply to be one") from None
    except (ValueError, UnicodeDecodeError):
        raise ImportTorchError(
            f"{at(path)}: not a safetensors file (its header is not JSON)"
        ) from None
    if not isinstance(header, dict):
        raise ImportTorchError(f"{at(path)}: not a safetensors file (its header is not an object)")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ImportTorchError(f"{at(path)}: __metadata__ must map names to text")
    return header


def _whole(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _entry(path: Path, key: str, info: Any, room: int) -> tuple[str, tuple[int, ...], int, int]:
    """An entry of the header as (dtype, shape, begin, end), or the one line saying what is
    wrong with it."""
    where = f"{at(path)}: {at(key)}"
    if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
        raise ImportTorchError(f"{where}: an entry must give exactly dtype, shape, data_offsets")
    dtype, shape, offsets = info["dtype"], info["shape"], info["data_offsets"]
    if not isinstance(dtype, str) or dtype not in SAFETENSORS_SIZES:
        raise ImportTorchError(f"{where}: dtype {_shown(dtype)} is not a safetensors dtype")
    if not isinstance(shape, list) or not all(_whole(n) and n >= 0 for n in shape):
        raise ImportTorchError(
            f"{where}: shape must be a list of whole numbers ≥ 0, got {_shown(shape)}"
        )
    if len(shape) > MAX_DIMS:
        raise ImportTorchError(f"{where}: shape has {len(shape)} dimensions; at most {MAX_DIMS}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(map(_whole, offsets))):
        raise ImportTorchError(
            f"{where}: data_offsets must be two whole numbers [begin, end], got {_shown(offsets)}"
        )
    begin, end = offsets
    if not 0 <= begin <= end:
        raise ImportTorchError(f"{where}: data_offsets [{begin}, {end}]: must be 0 ≤ begin ≤ end")
    if end > room:
        raise ImportTorchError(
            f"{where}: data_offsets [{begin}, {end}] reach beyond the file's {room:,} bytes of data"
        )
    count = math.prod(shape)
    if count * SAFETENSORS_SIZES[dtype] != end - begin:
        raise ImportTorchError(
            f"{where}: shape {shape} of {dtype} takes {count * SAFETENSORS_SIZES[dtype]:,} bytes; "
            f"data_offsets [{begin}, {end}] hold {end - begin:,}"
        )
    return dtype, tuple(shape), begin, end


def _check_layout(
    path: Path, entries: dict[str, tuple[str, tuple[int, ...], int, int]], room: int
) -> None:
    """The entries' data back to back from byte 0 to the end of the file: no two overlap,
    none leaves a gap (as the format, and its own reader, require)."""
    reached, before = 0, ""
    for key, (_, _, begin, end) in sorted(entries.items(), key=lambda e: (e[1][2], e[1][3])):
        if begin < reached:
            raise ImportTorchError(f"{at(path)}: {at(key)}'s data overlaps {at(before)}'s")
        if begin > reached:
            raise ImportTorchError(
                f"{at(path)}: {begin - reached:,} bytes before {at(key)}'s data belong to no tensor"
            )
        reached, before = end, key
    if reached != room:
        raise ImportTorchError(f"{at(path)}: its last {room - reached:,} bytes belong to no tensor")


def _shown(value: object) -> str:
    """A value from a file, for a message: short, printable."""
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return printable(text if len(text) <= 40 else text[:39] + "…")


def at(path: Path | str) -> str:
    return printable(str(path))


def read_file(path: Path, max_bytes: int) -> bytes:
    """The file's bytes: a regular file only (a named pipe is refused, not waited on), at
    most `max_bytes` of it."""
    try:
        return read_bounded(path, max_bytes)
    except FileNotFoundError:
        raise ImportTorchError(f"{at(path)}: no such file") from None
    except OSError as exc:
        raise ImportTorchError(f"{at(path)}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        what = str(exc).replace("not a network file", "not a file of weights")
        more = " (raise the limit with --max-file-bytes)" if "bytes" in what else ""
        raise ImportTorchError(f"{at(path)}: {what}{more}") from None
