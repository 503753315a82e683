"""Pieces the workloads share: initial weights, and loading them into each library's model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def linear_init(sizes: list[int], rng: np.random.Generator) -> list[np.ndarray]:
    """float32 `[W1, b1, W2, b2, ...]` for layers `sizes[0] -> sizes[1] -> ...`.

    Drawn like PyTorch's default `nn.Linear` init: uniform in +-1/sqrt(in_features).
    """
    weights = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return weights


def load_retrograd(parameters: Iterable[Any], weights: list[np.ndarray]) -> None:
    """Copy `weights` into retrograd parameters, in order, checking shapes."""
    parameters = list(parameters)
    if len(parameters) != len(weights):
        raise ValueError(f"model has {len(parameters)} parameters, expected {len(weights)}")
    for param, value in zip(parameters, weights):
        if param.data.shape != value.shape:
            raise ValueError(f"parameter shape {param.data.shape} != weight shape {value.shape}")
        np.copyto(param.data, value)


def load_torch(parameters: Iterable[Any], weights: list[np.ndarray]) -> None:
    """Copy `weights` into PyTorch parameters, in order, checking shapes."""
    import torch

    parameters = list(parameters)
    if len(parameters) != len(weights):
        raise ValueError(f"model has {len(parameters)} parameters, expected {len(weights)}")
    with torch.no_grad():
        for param, value in zip(parameters, weights):
            param.copy_(torch.from_numpy(value))


def retrograd_parameters(model: Any) -> list[np.ndarray]:
    return [np.array(p.data, copy=True) for p in model.parameters()]


def torch_parameters(model: Any) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]
