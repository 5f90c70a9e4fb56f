"""`bpdebug import-torch`: a PyTorch network as a bpdebug network file.

Two ways in, and only one runs code:
- MODEL.py[:NAME] or package.module[:NAME] imports the module (running it) and takes its
  nn.Sequential of Linear layers and activations. Use it on code you trust.
- WEIGHTS.safetensors or WEIGHTS.pt/.pth hold only numbers: each Linear layer's weight and
  bias, with the activations given by --activations. Nothing is run: safetensors is read
  here directly (no torch needed), a .pt file with torch.load(weights_only=True), which
  refuses anything but tensors and plain containers.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import stat
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from bpdebug.engine import ACTIVATIONS, Layer, Network, read_only_array
from bpdebug.files.atomic import kind_of
from bpdebug.files.flow_log import printable
from bpdebug.files.safetensors_file import ImportTorchError as ImportTorchError  # (ours too)
from bpdebug.files.safetensors_file import at, read_file
from bpdebug.files.safetensors_file import read_safetensors as read_safetensors
from bpdebug.files.validate import DEFAULT_LIMITS

SUPPORTED = "Linear, Identity, Sigmoid, Tanh, ReLU, LeakyReLU, Softplus (beta 1), Softmax (last)"
WEIGHT_SUFFIXES = (".safetensors", ".pt", ".pth")


# ---------------------------------------------------------------- a module (runs its code)


def load_model(spec: str) -> Any:
    """The object `spec` names: 'path/to/file.py[:name]' or 'package.module[:name]'.

    The module is imported under a private name, so a file called tomli_w.py or numpy.py is
    never mistaken for the library of that name; a module that exits is reported, not obeyed.
    """
    target, _, name = spec.partition(":")
    name = name or "model"
    try:
        with warnings.catch_warnings():  # the module's own warnings are not bpdebug's to print
            warnings.simplefilter("ignore")
            if target.endswith(".py"):
                module = _module_from_file(Path(target))
            else:
                module = importlib.import_module(target)
    except ImportTorchError:
        raise
    except KeyboardInterrupt:
        raise
    except SystemExit as exc:
        raise ImportTorchError(f"{at(target)}: the module exited (SystemExit {exc.code})") from None
    except BaseException as exc:  # the user's module failed: say how, in one line
        raise ImportTorchError(
            printable(f"{target}: importing it failed: {type(exc).__name__}: {exc}")[:300]
        ) from None
    if not hasattr(module, name):
        raise ImportTorchError(f"{at(target)}: has no attribute {at(name)!r} (give FILE.py:NAME)")
    return getattr(module, name)


def check_model_file(path: Path) -> None:
    """Refuse what is not a regular .py file of a sane size: a named pipe would be waited on
    for ever, a folder is no module. Checked before torch is looked for, so the answer names
    the file whether or not torch is installed."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ImportTorchError(f"{at(path)}: no such file") from None
    except OSError as exc:
        raise ImportTorchError(f"{at(path)}: cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise ImportTorchError(f"{at(path)} is {kind_of(st.st_mode)}, not a Python file")
    if st.st_size > DEFAULT_LIMITS.max_file_bytes:
        raise ImportTorchError(f"{at(path)}: {st.st_size:,} bytes is too large for a model file")


def _module_from_file(path: Path) -> Any:
    """The module of a .py file, run (after check_model_file)."""
    check_model_file(path)
    private = f"_bpdebug_model_{abs(hash(str(path.resolve())))}"
    module_spec = importlib.util.spec_from_file_location(private, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportTorchError(f"{path}: cannot be imported")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[private] = module  # dataclasses and pickling look a module up by its name
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(private, None)
        raise
    return module


def _activation(module: Any, nn: Any) -> tuple[str, float]:
    if isinstance(module, nn.Identity):
        return "identity", 0.01
    if isinstance(module, nn.Sigmoid):
        return "sigmoid", 0.01
    if isinstance(module, nn.Tanh):
        return "tanh", 0.01
    if isinstance(module, nn.ReLU):
        return "relu", 0.01
    if isinstance(module, nn.LeakyReLU):
        return "leaky_relu", float(module.negative_slope)
    if isinstance(module, nn.Softplus) and float(module.beta) == 1.0:
        return "softplus", 0.01
    if isinstance(module, nn.Softmax):
        return "softmax", 0.01
    raise ImportTorchError(f"{type(module).__name__} is not supported (supported: {SUPPORTED})")


def network_from_sequential(model: Any, loss: str, learning_rate: float, name: str) -> Network:
    """The layers of `model`, float64, with one all-zeros example as placeholder data."""
    import torch.nn as nn

    if not isinstance(model, nn.Sequential):
        raise ImportTorchError(f"expected an nn.Sequential, got {type(model).__name__}")
    layers: list[Layer] = []
    modules = list(model)
    k = 0
    while k < len(modules):
        linear, index = modules[k], k
        if not isinstance(linear, nn.Linear):
            raise ImportTorchError(
                f"layer {k} is {type(linear).__name__}: expected Linear here "
                f"(supported: {SUPPORTED})"
            )
        activation, alpha = "identity", 0.01
        if k + 1 < len(modules) and not isinstance(modules[k + 1], nn.Linear):
            try:
                activation, alpha = _activation(modules[k + 1], nn)
            except ImportTorchError as exc:
                raise ImportTorchError(f"layer {k + 1}: {exc}") from None
            k += 1
        W = linear.weight.detach().cpu().double().numpy()
        b = linear.bias.detach().cpu().double().numpy() if linear.bias is not None else None
        if W.size == 0:
            raise ImportTorchError(f"layer {k}: Linear({W.shape[1]}, {W.shape[0]}) has no weights")
        layers.append(_layer(activation, alpha, W, b, f"layer {index}"))
        k += 1
    if not layers:
        raise ImportTorchError("the model has no Linear layer")
    return _network(layers, loss, learning_rate, name)


def _layer(
    activation: str, alpha: float, W: np.ndarray, b: np.ndarray | None, where: str = ""
) -> Layer:
    """A layer; a Linear without bias gets zeros the update keeps (frozen). Weights that are
    nan or inf are refused by name (`where`: the layer's prefix in the file)."""
    for part, values in (("weight", W), ("bias", b)):
        if values is not None and not np.isfinite(values).all():
            raise ImportTorchError(f"{where or 'a layer'}.{part} holds nan or inf")
    kept = frozenset() if b is not None else frozenset({"b"})
    bias = b if b is not None else np.zeros(W.shape[0])
    return Layer(activation, read_only_array(W), read_only_array(bias), alpha, kept)


def _network(layers: list[Layer], loss: str, learning_rate: float, name: str) -> Network:
    """The network with one all-zeros example as placeholder data (a one-hot target for
    cross-entropy)."""
    n_in, n_out = layers[0].n_in, layers[-1].n_out
    y = np.zeros((n_out, 1))
    if loss == "cross_entropy":
        y[0, 0] = 1.0
    x = read_only_array(np.zeros((n_in, 1)))
    return Network(tuple(layers), loss, learning_rate, x, read_only_array(y), name=name)


# ---------------------------------------------------------------- weights only (runs nothing)


def parse_activations(text: str) -> list[tuple[str, float]]:
    """'relu,leaky_relu:0.2,sigmoid' as (activation, slope) pairs, one per Linear layer."""
    out = []
    for item in (t.strip() for t in text.split(",")):
        name, _, slope = item.partition(":")
        if name not in ACTIVATIONS:
            raise ImportTorchError(
                f"--activations: unknown {name!r}; expected names from {', '.join(ACTIVATIONS)}"
            )
        try:
            alpha = float(slope) if slope else 0.01
        except ValueError:
            raise ImportTorchError(f"--activations: {item!r}: the slope is not a number") from None
        out.append((name, alpha))
    return out


def _natural(key: str) -> list[object]:
    """'layers.10' after 'layers.2': digits compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


def linear_pairs(
    tensors: dict[str, np.ndarray], ordered: bool
) -> list[tuple[str, np.ndarray, np.ndarray | None]]:
    """(prefix, weight, bias) of every 2-D `prefix.weight`, in file order if `ordered`, else
    in the natural order of the prefixes (safetensors files sort their names)."""
    prefixes = [k[: -len(".weight")] for k, v in tensors.items() if k.endswith(".weight")]
    prefixes = [p for p in prefixes if tensors[f"{p}.weight"].ndim == 2]
    if not ordered:
        prefixes.sort(key=_natural)
    return [(p, tensors[f"{p}.weight"], tensors.get(f"{p}.bias")) for p in prefixes]


def network_from_weights(
    tensors: dict[str, np.ndarray],
    activations: list[tuple[str, float]],
    loss: str,
    learning_rate: float,
    name: str,
    ordered: bool = True,
) -> Network:
    pairs = linear_pairs(tensors, ordered)
    if not pairs:
        raise ImportTorchError("no Linear weights (2-D tensors named NAME.weight) in the file")
    if len(activations) != len(pairs):
        names = at(", ".join(p for p, _, _ in pairs))[:200]
        raise ImportTorchError(
            f"--activations gives {len(activations)}, the file has {len(pairs)} Linear "
            f"layers ({names}): give one activation per layer"
        )
    layers = []
    for (prefix, W, b), (activation, alpha) in zip(pairs, activations, strict=True):
        if b is not None and b.shape != (W.shape[0],):
            raise ImportTorchError(
                f"{at(prefix)}.bias has shape {b.shape}; {at(prefix)}.weight {W.shape}"
            )
        layers.append(_layer(activation, alpha, W.astype(np.float64), b, at(prefix)))
    return _network(layers, loss, learning_rate, name)


def read_state_dict(path: Path, max_bytes: int) -> dict[str, np.ndarray]:
    """A .pt/.pth file saved with torch.save(model.state_dict()), loaded with
    weights_only=True (no code runs) from its bytes, read first as any file is (bounded, a
    regular file only); a checkpoint holding one under "state_dict" works too. Its archive
    may not unpack to more than `max_bytes`. A refusal is one line, torch's warnings none."""
    import io
    import pickle
    import zipfile

    import torch

    raw = read_file(path, max_bytes)
    if raw[:2] == b"PK":
        try:
            unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(raw)).infolist())
        except (zipfile.BadZipFile, ValueError, OSError):
            unpacked = 0  # torch.load says what is wrong with it
        if unpacked > max_bytes:
            raise ImportTorchError(
                f"{at(path)}: unpacks to {unpacked:,} bytes (raise the limit with --max-file-bytes)"
            )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise ImportTorchError(f"{at(path)}: {_refusal(str(exc))}") from None
    except EOFError:
        raise ImportTorchError(f"{at(path)}: empty or cut short: not PyTorch weights") from None
    except Exception as exc:  # torch's own errors are many kinds: one line, its first
        first = printable(str(exc).strip().split("\n")[0])[:160]
        raise ImportTorchError(f"{at(path)}: not PyTorch weights: {first}") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("state_dict"), dict):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, dict):
        raise ImportTorchError(f"{at(path)}: holds a {type(loaded).__name__}, not a state_dict")
    out = {}
    for k, v in loaded.items():
        if isinstance(v, torch.Tensor) and v.is_floating_point():
            try:
                out[at(str(k))] = v.detach().cpu().double().numpy()
            except (RuntimeError, TypeError):
                raise ImportTorchError(f"{at(path)}: {at(str(k))} is not a plain tensor") from None
    return out


def _refusal(message: str) -> str:
    """torch.load(weights_only=True)'s refusal (a dozen lines of advice) as one clause."""
    called = re.search(r"GLOBAL ([\w.]+)", message)
    if called:
        return (
            f"refused: loading it would call {called.group(1)} (a pickle that runs code); "
            "only tensors are read (torch.load with weights_only=True)"
        )
    opcode = re.search(r"Unsupported operand (\d+)", message)
    if opcode:
        return f"not PyTorch weights (a pickle instruction weights_only refuses: {opcode.group(1)})"
    return "refused by torch.load(weights_only=True): not PyTorch weights"
