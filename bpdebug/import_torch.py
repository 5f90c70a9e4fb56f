"""`bpdebug import-torch`: a PyTorch nn.Sequential of Linear layers and activations, with its
weights, as a bpdebug network file. torch is an optional extra, imported only here.

The model is found by running the user's own code (a file `model.py` or a module `pkg.mod`,
with `:name` for the attribute, default `model`): only ever on a model the user names.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .engine import Layer, Network, frozen_array

SUPPORTED = "Linear, Identity, Sigmoid, Tanh, ReLU, LeakyReLU, Softplus (beta 1), Softmax (last)"


class ImportTorchError(ValueError):
    """One line: what could not be imported, and why."""


def load_model(spec: str) -> Any:
    """The object `spec` names: 'path/to/file.py[:name]' or 'package.module[:name]'."""
    target, _, name = spec.partition(":")
    name = name or "model"
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise ImportTorchError(f"{target}: no such file")
            module_spec = importlib.util.spec_from_file_location(path.stem, path)
            if module_spec is None or module_spec.loader is None:
                raise ImportTorchError(f"{target}: cannot be imported")
            module = importlib.util.module_from_spec(module_spec)
            sys.modules[path.stem] = module
            module_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except ImportTorchError:
        raise
    except Exception as exc:  # the user's module failed: say how, in one line
        raise ImportTorchError(
            f"{target}: importing it failed: {type(exc).__name__}: {exc}"
        ) from None
    if not hasattr(module, name):
        raise ImportTorchError(f"{target}: has no attribute {name!r} (give FILE.py:NAME)")
    return getattr(module, name)


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
        linear = modules[k]
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
        has_bias = linear.bias is not None
        b = linear.bias.detach().cpu().double().numpy() if has_bias else np.zeros(W.shape[0])
        layers.append(
            Layer(
                activation,
                frozen_array(W),
                frozen_array(b),
                alpha,
                frozenset() if has_bias else frozenset({"b"}),
            )
        )
        k += 1
    if not layers:
        raise ImportTorchError("the model has no Linear layer")
    if any(la.activation == "softmax" for la in layers[:-1]):
        raise ImportTorchError("Softmax is supported on the last layer only")
    n_in, n_out = layers[0].n_in, layers[-1].n_out
    y = np.zeros((n_out, 1))
    if loss == "cross_entropy":
        y[0, 0] = 1.0
    return Network(
        tuple(layers),
        loss,
        learning_rate,
        frozen_array(np.zeros((n_in, 1))),
        frozen_array(y),
        name=name,
    )
