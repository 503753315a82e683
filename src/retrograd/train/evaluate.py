"""`evaluate` and `predict`: batched, under `no_grad`, in eval mode, restoring the mode after."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from retrograd.autograd import no_grad
from retrograd.backend.arrays import to_host
from retrograd.data import DataLoader
from retrograd.metrics.registry import CompactMetric, Metric, get_metric
from retrograd.nn import Module
from retrograd.tensor import Tensor
from retrograd.train.errors import TrainingError, TrainingTypeError
from retrograd.train.inputs import (
    as_loader,
    batch_size_of,
    check_positive_int,
    model_device,
    resolve_data,
    unpack_batch,
)

MetricLike = str | Metric | Callable[[Any, Any], Any]


@contextlib.contextmanager
def eval_mode(model: Module) -> Iterator[Module]:
    """Put `model` in eval mode; afterwards give every submodule back its own previous mode."""
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        yield model
    finally:
        for module, training in modes:
            object.__setattr__(module, "training", training)


def resolve_metrics(who: str, metrics: Sequence[MetricLike]) -> list[Metric]:
    """`Metric` objects for names or functions; their names must be distinct and not 'loss'."""
    if isinstance(metrics, (str, bytes)) or callable(metrics):
        metrics = [metrics]
    resolved = [get_metric(metric) for metric in metrics]
    names = [metric.name for metric in resolved]
    for name in names:
        if name == "loss" or name.startswith("val_"):
            raise TrainingError(f"{who}: a metric may not be named {name!r} (a reserved log key)")
        if names.count(name) > 1:
            raise TrainingError(f"{who}: two metrics are named {name!r}; names key the logs")
    return resolved


def loss_value(who: str, loss: Any) -> float:
    """The Python float of a scalar loss Tensor."""
    if not isinstance(loss, Tensor):
        raise TrainingTypeError(f"{who}: loss_fn must return a Tensor, got {type(loss).__name__}")
    if loss.array.size != 1:
        raise TrainingError(
            f"{who}: loss_fn must return a scalar, got shape {tuple(loss.shape)}; use a "
            "reduction='mean' or 'sum' loss"
        )
    return float(loss.array.reshape(()))


def output_array(who: str, output: Any) -> np.ndarray:
    if not isinstance(output, Tensor):
        raise TrainingTypeError(
            f"{who}: metrics need the model to return a Tensor, got {type(output).__name__}"
        )
    return to_host(output.array)  # metrics are computed on the host


class MetricAccumulator:
    """The epoch's metrics, gathered batch by batch.

    A `CompactMetric` (accuracy, precision, recall, f1) keeps a few values per sample (labels),
    so memory grows with rows, not rows x classes: a target with a million classes would
    otherwise hold every batch's (N, C) outputs until the epoch ends. Any other metric sees the
    whole epoch's targets and outputs, as before.
    """

    def __init__(self, who: str, metrics: Sequence[Metric]) -> None:
        self.who = who
        self.metrics = list(metrics)
        self.compact: dict[str, list[tuple[np.ndarray, ...]]] = {
            metric.name: [] for metric in self.metrics if isinstance(metric, CompactMetric)
        }
        self.needs_full = any(not isinstance(m, CompactMetric) for m in self.metrics)
        self.targets: list[np.ndarray] = []
        self.outputs: list[np.ndarray] = []
        self.batches = 0

    def add(self, target: Any, output: Any) -> None:
        """One batch's targets and model outputs."""
        if not self.metrics:
            return
        y_pred = output_array(self.who, output)
        y_true = to_host(target.array) if isinstance(target, Tensor) else np.asarray(target)
        for metric in self.metrics:
            if isinstance(metric, CompactMetric):
                self.compact[metric.name].append(metric.compact(y_true, y_pred))
        if self.needs_full:
            self.targets.append(y_true)
            self.outputs.append(y_pred)
        self.batches += 1

    def share(self) -> tuple[Any, ...]:
        """What was gathered, as plain arrays (sent between the ranks of a distributed run)."""
        return self.compact, self.targets, self.outputs, self.batches

    def merge(self, shares: Sequence[tuple[Any, ...]]) -> None:
        """Add what other accumulators gathered (`share()` of other ranks), in order."""
        for compact, targets, outputs, batches in shares:
            for name, parts in compact.items():
                self.compact[name].extend(parts)
            self.targets.extend(targets)
            self.outputs.extend(outputs)
            self.batches += batches

    def result(self) -> dict[str, float]:
        """Each metric on everything added."""
        if not self.metrics or not self.batches:
            return {}
        results: dict[str, float] = {}
        if self.needs_full:
            y_true, y_pred = np.concatenate(self.targets), np.concatenate(self.outputs)
        for metric in self.metrics:
            if isinstance(metric, CompactMetric):
                parts = zip(*self.compact[metric.name])
                results[metric.name] = float(metric.from_compact(*map(np.concatenate, parts)))
            else:
                results[metric.name] = float(metric(y_true, y_pred))
        return results


def run_evaluation(
    who: str,
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    loader: DataLoader,
    metrics: Sequence[Metric],
) -> dict[str, float]:
    """Mean loss (weighted by batch size) and metrics over `loader`, in eval mode, no grad."""
    total, seen = 0.0, 0
    accumulated = MetricAccumulator(who, metrics)
    with eval_mode(model), no_grad():
        for batch in loader:
            inputs, target = unpack_batch(who, batch, model_device(model))
            if target is None:
                raise TrainingError(f"{who}: the batches have no targets to compute a loss with")
            output = model(inputs)
            size = batch_size_of(inputs)
            total += loss_value(who, loss_fn(output, target)) * size
            seen += size
            accumulated.add(target, output)
    if seen == 0:
        raise TrainingError(f"{who}: the data yielded no batches")
    return {"loss": total / seen, **accumulated.result()}


def evaluate(
    model: Module,
    loss_fn: Callable[[Any, Any], Any],
    data: Any = None,
    *,
    x: Any = None,
    y: Any = None,
    batch_size: int = 32,
    metrics: Sequence[MetricLike] = (),
) -> dict[str, float]:
    """The mean loss and the metrics of `model` on some data, like Keras's ``evaluate``.

    Args:
        model: as for `fit`.
        loss_fn: as for `fit`.
        data: a DataLoader, a Dataset or a tuple ``(x, y)``; or give `x` and `y`.
        x: the inputs, when `data` is not given.
        y: the targets, when `data` is not given.
        batch_size: batch size when the data is not already a DataLoader. Default: 32.
        metrics: names (``"accuracy"``, ``"mae"`` ...), `Metric` objects or functions
            ``fn(y_true, y_pred)``, computed on all the outputs at once.

    Runs under `no_grad` in eval mode and gives the model back the mode it had.

    Returns:
        ``{"loss": ..., <metric name>: ...}``.
    """
    check_positive_int("evaluate", "batch_size", batch_size)
    source = resolve_data("evaluate", data, x, y)
    loader = as_loader(source, batch_size)
    return run_evaluation("evaluate", model, loss_fn, loader, resolve_metrics("evaluate", metrics))


def predict(model: Module, x: Any, batch_size: int = 32) -> Tensor:
    """The model's outputs for every sample of `x`, as one Tensor ``(N, ...)``.

    `x` is a Tensor or array ``(N, ...)``, a Dataset or a DataLoader (only the inputs of each
    batch are used). Runs in batches under `no_grad`, in eval mode, and gives the model back the
    mode it had (a training loop can call it mid-epoch).
    """
    check_positive_int("predict", "batch_size", batch_size)
    source = resolve_data("predict", None, x, None, targets=False)
    loader = as_loader(source, batch_size)
    outputs: list[np.ndarray] = []
    device = model_device(model)
    with eval_mode(model), no_grad():
        for batch in loader:
            inputs, _ = unpack_batch("predict", batch, device)
            output = model(inputs)
            if not isinstance(output, Tensor):
                raise TrainingTypeError(
                    f"predict: the model must return a Tensor, got {type(output).__name__}"
                )
            outputs.append(to_host(output.array))  # predictions come back to the host
    if not outputs:
        raise TrainingError("predict: the data yielded no batches")
    return Tensor(np.concatenate(outputs))
