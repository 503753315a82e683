"""Small problems and scripted pieces shared by the training tests."""

from __future__ import annotations

from typing import Any

import numpy as np

import retrograd as rg
from retrograd import nn
from retrograd.train import Callback


def regression_data(n: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``x: (n, 3)``, ``y: (n, 1)`` from a linear rule plus a little noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    w = np.array([[1.0], [-2.0], [0.5]], dtype=np.float32)
    y = x @ w + 0.3 + 0.01 * rng.normal(size=(n, 1)).astype(np.float32)
    return x, y.astype(np.float32)


def classification_data(n: int = 90, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 2-d: ``x: (n, 2)`` float32, ``y: (n,)`` int64 labels."""
    rng = np.random.default_rng(seed)
    centers = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = np.arange(n) % 3
    x = centers[y] + rng.normal(size=(n, 2))
    return x.astype(np.float32), y.astype(np.int64)


def linear_model(seed: int = 0, in_features: int = 3, out_features: int = 1) -> nn.Module:
    rg.manual_seed(seed)
    return nn.Sequential(nn.Linear(in_features, out_features))


def weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.array.copy() for k, v in model.state_dict().items()}


def assert_same_weights(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


class ScriptedValidationLoss:
    """MSE while training; during validation (grad disabled) the next value of `values`.

    With one validation batch per epoch, epoch `i` gets ``val_loss == values[i]``.
    """

    def __init__(self, values: list[float]) -> None:
        self.values = list(values)
        self.calls = 0

    def __call__(self, output: Any, target: Any) -> Any:
        if rg.is_grad_enabled():
            return ((output - target) ** 2).mean()
        value = self.values[self.calls]
        self.calls += 1
        return rg.tensor(value, dtype="float64")


class Recorder(Callback):
    """Records every hook call, and the weights at the end of each batch and epoch."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.epoch_weights: list[dict[str, np.ndarray]] = []
        self.batch_weights: list[dict[str, np.ndarray]] = []

    def on_train_begin(self, logs=None):
        self.calls.append(("train_begin",))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end",))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(("epoch_end", epoch, dict(logs)))
        self.epoch_weights.append(weights(self.model))

    def on_batch_begin(self, batch, logs=None):
        self.calls.append(("batch_begin", batch))

    def on_batch_end(self, batch, logs=None):
        self.calls.append(("batch_end", batch, dict(logs)))
        self.batch_weights.append(weights(self.model))
