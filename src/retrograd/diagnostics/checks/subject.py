"""`Subject`: the model, loss, data and optimizer under examination, and the copies checks use.

Every check works on copies (`copy_model`, `copy_pair`), so the caller's model, optimizer and
gradients are never touched. Draws go through `rng(...)`, a generator of the check's own, and
`reseed()` puts the global generator (dropout masks, ...) in a known state; `doctor` restores
the caller's generator afterwards.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from retrograd.autograd.grad_mode import enable_grad, no_grad
from retrograd.nn import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    L1Loss,
    LogSoftmax,
    MSELoss,
    NLLLoss,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from retrograd.nn.module import Module
from retrograd.optim.optimizer import Optimizer
from retrograd.random import default_generator
from retrograd.tensor import Tensor

__all__ = ["Subject", "as_array", "constant_loss", "loss_kind_of"]

# loss kind -> what the targets are
LOSS_KINDS: tuple[tuple[type, str], ...] = (
    (MSELoss, "mse"),
    (L1Loss, "mse"),
    (BCELoss, "bce"),
    (BCEWithLogitsLoss, "bce_logits"),
    (CrossEntropyLoss, "ce"),
    (NLLLoss, "nll"),
)
OUTPUT_KINDS: tuple[tuple[type, str], ...] = (
    (Sigmoid, "sigmoid"),
    (Softmax, "softmax"),
    (LogSoftmax, "log_softmax"),
    (ReLU, "relu"),
    (Tanh, "tanh"),
)


def as_array(value: Any) -> np.ndarray:
    """A NumPy array from a Tensor, an array or nested lists (a copy, so checks can't alias)."""
    if isinstance(value, Tensor):
        return np.array(value.array, copy=True)
    return np.array(value, copy=True)


@dataclass
class Layer:
    """One leaf module as the forward pass called it."""

    name: str
    module: Module


@dataclass
class Subject:
    """What the doctor examines; see `doctor` for the arguments."""

    model: Module
    loss_fn: Callable[..., Any]
    X: np.ndarray
    y: np.ndarray
    optimizer: Optimizer | None = None
    train_step: Callable[..., Any] | None = None
    seed: int = 0
    quick: bool = False
    validation: tuple[np.ndarray, np.ndarray] | None = None  # (X_val, y_val) when given
    notes: dict[str, Any] = field(default_factory=dict)  # results one check leaves for another
    _layers: list[Layer] | None = field(default=None, repr=False)
    _output_is_last_leaf: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        floats = [p.dtype for p in self.model.parameters() if p.dtype.kind == "f"]
        self.dtype = np.dtype(floats[0]) if floats else np.dtype(np.float32)
        if self.X.dtype.kind in "biuf":
            self.X = self.X.astype(self.dtype)
        if self.y.dtype.kind == "f":
            self.y = self.y.astype(self.dtype)
        self.loss_kind = loss_kind_of(self.loss_fn)
        if self.validation is not None:
            X_val, y_val = self.validation
            self.validation = (
                X_val.astype(self.dtype) if X_val.dtype.kind in "biuf" else X_val,
                y_val.astype(self.dtype) if y_val.dtype.kind == "f" else y_val,
            )

    # ------------------------------------------------------------------ data
    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0]) if self.X.ndim else 0

    def rng(self, salt: int = 0) -> np.random.Generator:
        """A generator of the check's own, seeded from `seed` and `salt`."""
        return np.random.default_rng([self.seed, salt])

    def reseed(self, salt: int = 0) -> None:
        """Put the global generator in a state fixed by `seed` and `salt`."""
        state = np.random.default_rng([self.seed, salt, 1]).bit_generator.state
        default_generator().bit_generator.state = state

    def rows(self, limit: int, salt: int = 0) -> np.ndarray:
        """At most `limit` sample indices: all of them in order, or a seeded sorted subset."""
        n = self.n_samples
        if n <= limit:
            return np.arange(n)
        return np.sort(self.rng(salt).choice(n, size=limit, replace=False))

    def inputs(self, rows: np.ndarray | None = None) -> Tensor:
        return Tensor(self.X if rows is None else self.X[rows])

    def targets(self, rows: np.ndarray | None = None) -> Tensor:
        return Tensor(self.y if rows is None else self.y[rows])

    @property
    def class_targets(self) -> bool:
        """The targets are integer class indices (CrossEntropyLoss or NLLLoss)."""
        return self.loss_kind in ("ce", "nll") and self.y.dtype.kind in "iu"

    @property
    def n_classes(self) -> int | None:
        """Classes of a classification target: K for class indices, 2 for 0/1 targets."""
        if self.class_targets:
            return int(self.y.max()) + 1 if self.y.size else None
        if self.loss_kind in ("bce", "bce_logits") or is_binary(self.y):
            return 2
        return None

    # ------------------------------------------------------------------ copies
    def copy_model(self) -> Module:
        model: Module = copy.deepcopy(self.model)
        model.zero_grad()
        return model

    def copy_pair(self) -> tuple[Module, Optimizer | None]:
        """Copies of the model and the optimizer, the copy stepping the copied parameters."""
        model, optimizer = copy.deepcopy((self.model, self.optimizer))
        model.zero_grad()
        return model, optimizer

    # ------------------------------------------------------------------ running
    def loss(self, model: Module, rows: np.ndarray | None = None, X: Any = None) -> Tensor:
        """The loss of `model` on the selected samples (or on `X` with the selected targets)."""
        x = self.inputs(rows) if X is None else Tensor(X)
        return self.loss_fn(model(x), self.targets(rows))

    def loss_value(self, model: Module, rows: np.ndarray | None = None) -> float:
        with no_grad():
            return float(self.loss(model, rows).item())

    def gradients(self, model: Module, rows: np.ndarray | None = None) -> float:
        """Run forward and backward on `model` (a copy); return the loss."""
        model.zero_grad()
        with enable_grad():
            value = self.loss(model, rows)
            if value.requires_grad:  # else no parameter reaches the loss: no gradients
                value.backward()
        return float(value.item())

    def baseline_loss(self, rows: np.ndarray | None = None) -> float | None:
        """The loss of the best constant prediction (None for losses the doctor doesn't know)."""
        y = self.y if rows is None else self.y[rows]
        return constant_loss(self.loss_kind, y, y)

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list[Layer]:
        """The leaf modules of the model in the order one forward pass calls them."""
        if self._layers is None:
            self._trace()
        assert self._layers is not None
        return self._layers

    @property
    def output_kind(self) -> str:
        """What produces the model's output: "sigmoid", "softmax", "relu", "tanh",
        "log_softmax", "linear" (any other layer), or "unknown" (the model's own forward)."""
        layers = self.layers
        if not layers or not self._output_is_last_leaf:
            return "unknown"
        last = layers[-1].module
        return next((kind for cls, kind in OUTPUT_KINDS if isinstance(last, cls)), "linear")

    def _trace(self) -> None:
        model = self.copy_model()
        names = {id(m): name for name, m in model.named_modules()}
        order: list[Layer] = []
        outputs: list[Any] = []
        handles = []
        for module in model.modules():
            if next(module.children(), None) is not None:
                continue

            def hook(mod: Module, args: Any, out: Any) -> None:
                order.append(Layer(names[id(mod)], mod))
                outputs.append(out)

            handles.append(module.register_forward_hook(hook))
        try:
            with no_grad():
                result = model(self.inputs(self.rows(4)))
        finally:
            for handle in handles:
                handle.remove()
        self._layers = order
        self._output_is_last_leaf = bool(outputs) and outputs[-1] is result

    def describe(self, name: str) -> str:
        """ "layer '0' (Linear)" for a leaf module name."""
        for layer in self.layers:
            if layer.name == name:
                return f"layer '{name}' ({type(layer.module).__name__})"
        return f"layer '{name}'"


def loss_kind_of(loss_fn: Any) -> str:
    """ "mse", "bce", "bce_logits", "ce", "nll" for the built-in losses, else "other"."""
    return next((kind for cls, kind in LOSS_KINDS if isinstance(loss_fn, cls)), "other")


def constant_loss(kind: str, fitted: np.ndarray, scored: np.ndarray) -> float | None:
    """The loss on targets `scored` of the best constant prediction for targets `fitted` (the
    mean, or the class frequencies), for a loss of `kind`; None when the doctor can't tell."""
    if fitted.size == 0 or scored.size == 0:
        return None
    if kind == "mse" and fitted.dtype.kind == "f":
        return float(np.mean((scored - fitted.mean(axis=0)) ** 2))
    if kind in ("bce", "bce_logits") and fitted.dtype.kind == "f":
        p = np.clip(fitted.reshape(fitted.shape[0], -1).mean(axis=0), 1e-7, 1 - 1e-7)
        s = scored.reshape(scored.shape[0], -1)
        return float(np.mean(-(s * np.log(p) + (1 - s) * np.log(1 - p))))
    if kind in ("ce", "nll") and fitted.dtype.kind in "iu" and scored.dtype.kind in "iu":
        classes = int(max(fitted.max(), scored.max())) + 1
        counts = np.bincount(fitted.reshape(-1).astype(np.int64), minlength=classes)
        if np.array_equal(fitted, scored):  # the entropy of the class frequencies
            p = counts[counts > 0] / counts.sum()
            return float(-(p * np.log(p)).sum())
        p = (counts + 1.0) / (counts.sum() + classes)  # smoothed: unseen classes are not -inf
        return float(-np.mean(np.log(p[scored.reshape(-1).astype(np.int64)])))
    return None


def is_binary(y: np.ndarray) -> bool:
    """Every target is 0 or 1 (and both occur)."""
    if y.size == 0 or y.dtype.kind not in "biuf":
        return False
    values = np.unique(y)
    return len(values) == 2 and bool(np.all((values == 0) | (values == 1)))


def finite(value: float) -> bool:
    return math.isfinite(value)
