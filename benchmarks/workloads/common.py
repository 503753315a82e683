"""Pieces the workloads share: initial weights, and loading them into each library's model."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .base import Trainer

COMPILE_UNAVAILABLE = "compile unavailable: ran eager"


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
        if param.array.shape != value.shape:
            raise ValueError(f"parameter shape {param.array.shape} != weight shape {value.shape}")
        np.copyto(param.array, value)


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
    return [np.array(p.array, copy=True) for p in model.parameters()]


def torch_parameters(model: Any) -> list[np.ndarray]:
    return [p.detach().numpy().copy() for p in model.parameters()]


def mlp_flops(sizes: list[int], batch: int) -> float:
    """Multiply-adds of a dense stack's forward and backward, counted as 2 flops each.

    Each layer does three products of `batch * in * out` multiply-adds: the forward one, the
    weight gradient and the input gradient (the first layer's is not needed, but is counted, as
    is usual).
    """
    return 6.0 * batch * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def retrograd_trainer(
    model: Any, loss_fn: Any, optimizer: Any, batches: Iterator[tuple[Any, Any]], compiled: bool
) -> Trainer:
    """A retrograd `Trainer` whose step trains on the next `(x, target)` of `batches`.

    With `compiled`, the step goes through `retrograd.compile`; where that does not exist yet the
    trainer runs eager and says so in its note.
    """
    import retrograd

    def step(x: Any, target: Any) -> Any:
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()
        return loss

    run, note = step, ""
    if compiled:
        if hasattr(retrograd, "compile"):
            run = retrograd.compile(step)
        else:
            note = COMPILE_UNAVAILABLE

    def train() -> None:
        x, target = next(batches)
        run(x, target)

    return Trainer(train, lambda: retrograd_parameters(model), note)
