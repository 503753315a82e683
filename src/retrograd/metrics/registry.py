"""Metric objects for a training loop, and `get_metric` to resolve names like "accuracy"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Protocol, runtime_checkable

import numpy as np

from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.metrics._inputs import predicted_labels, to_numpy, true_labels
from retrograd.metrics.accuracy import accuracy
from retrograd.metrics.prf import f1_score, precision, recall
from retrograd.metrics.regression import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)


@runtime_checkable
class Metric(Protocol):
    """What a training loop needs: a `name` (the history key), whether higher is better, and
    `metric(y_true, y_pred) -> float` on whole arrays of targets and model outputs."""

    name: str
    higher_is_better: bool

    def __call__(self, y_true: Any, y_pred: Any) -> float: ...


@runtime_checkable
class CompactMetric(Metric, Protocol):
    """A `Metric` that a training loop can accumulate batch by batch in little memory.

    `compact(y_true, y_pred)` turns one batch into a tuple of arrays of one row per sample
    (labels rather than `(N, C)` scores); the loop joins each position over the batches and
    `from_compact(*arrays)` gives what `metric(y_true, y_pred)` gives on the whole epoch.
    """

    def compact(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, ...]:
        """One batch as a tuple of arrays, one row per sample."""
        ...

    def from_compact(self, *arrays: np.ndarray) -> float:
        """The metric of the whole epoch from the `compact` arrays joined over its batches."""
        ...


class FunctionMetric:
    """A `Metric` from a function `fn(y_true, y_pred, **kwargs) -> float`."""

    def __init__(
        self, name: str, fn: Callable[..., Any], higher_is_better: bool = True, **kwargs: Any
    ) -> None:
        self.name = name
        self.fn = fn
        self.higher_is_better = higher_is_better
        self.kwargs = kwargs

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return float(self.fn(y_true, y_pred, **self.kwargs))

    def __repr__(self) -> str:
        return f"FunctionMetric({self.name!r}, {getattr(self.fn, '__name__', self.fn)})"


class Accuracy(FunctionMetric):
    """`accuracy` on model outputs: scores `(N, C)` by argmax, probabilities by `threshold`."""

    def __init__(self, threshold: float = 0.5) -> None:
        super().__init__("accuracy", accuracy, threshold=threshold)
        self.threshold = threshold

    def compact(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, ...]:
        """The batch's true and predicted labels (N,), not its scores (N, C)."""
        return true_labels(y_true), predicted_labels(y_pred, self.threshold)

    def from_compact(self, *arrays: np.ndarray) -> float:
        """The accuracy of the true and predicted labels `compact` gave (joined over batches)."""
        t, p = arrays
        return float(self.fn(t, p, **self.kwargs))


class ClassificationMetric(FunctionMetric):
    """`precision`, `recall` or `f1_score` on model outputs, turned into labels first.

    Outputs become labels as in `accuracy` (argmax of `(N, C)`, `> threshold` for `(N,)`/`(N, 1)`
    floats); one-hot targets by argmax. `average="auto"` is `'binary'` (score of `pos_label`)
    when outputs and labels show at most two classes, else `'macro'`. `zero_division` is 0.0
    (quiet: a batch without positives is normal in training).
    """

    def __init__(
        self,
        name: str,
        fn: Callable[..., Any],
        average: str | None = "auto",
        pos_label: Any = 1,
        threshold: float = 0.5,
        zero_division: Any = 0.0,
    ) -> None:
        super().__init__(name, fn, pos_label=pos_label, zero_division=zero_division)
        self.average = average
        self.threshold = threshold

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        return self.from_compact(*self.compact(y_true, y_pred))

    def compact(self, y_true: Any, y_pred: Any) -> tuple[np.ndarray, ...]:
        """True labels, predicted labels and whether the scores had more than two columns,
        each (N,): what the metric needs of a batch, without its (N, C) scores."""
        scores = to_numpy(y_pred)
        t, p = true_labels(y_true), predicted_labels(scores, self.threshold)
        many = scores.ndim == 2 and scores.shape[1] > 2
        return t, p, np.full(p.shape[:1], many)

    def from_compact(self, *arrays: np.ndarray) -> float:
        """The metric of the labels `compact` gave (joined over batches); `average="auto"` is
        decided here, on all of them."""
        t, p, many = arrays
        average = self.average
        if average == "auto":
            average = "macro" if bool(many.any()) or len(np.union1d(t, p)) > 2 else "binary"
        return float(self.fn(t, p, average=average, **self.kwargs))


_MAE = partial(FunctionMetric, "mae", mean_absolute_error, higher_is_better=False)
_MSE = partial(FunctionMetric, "mse", mean_squared_error, higher_is_better=False)
_RMSE = partial(FunctionMetric, "rmse", root_mean_squared_error, higher_is_better=False)
_R2 = partial(FunctionMetric, "r2", r2_score)
_PRECISION = partial(ClassificationMetric, "precision", precision)
_RECALL = partial(ClassificationMetric, "recall", recall)
_F1 = partial(ClassificationMetric, "f1", f1_score)

# Names `get_metric` knows -> a callable making a fresh metric object.
_BUILDERS: dict[str, Callable[[], Metric]] = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "mae": _MAE,
    "mean_absolute_error": _MAE,
    "mse": _MSE,
    "mean_squared_error": _MSE,
    "rmse": _RMSE,
    "root_mean_squared_error": _RMSE,
    "r2": _R2,
    "r2_score": _R2,
    "precision": _PRECISION,
    "recall": _RECALL,
    "f1": _F1,
    "f1_score": _F1,
}

METRIC_NAMES: tuple[str, ...] = tuple(sorted(_BUILDERS))
"""Names accepted by `get_metric` (the metric's `name` is the short one: "mae", "f1", ...)."""


def get_metric(metric: str | Metric | Callable[[Any, Any], Any]) -> Metric:
    """A `Metric` from a name (case-insensitive), a `Metric` (returned as is) or a function
    `fn(y_true, y_pred)` (wrapped, named after the function)."""
    if isinstance(metric, str):
        builder = _BUILDERS.get(metric.lower())
        if builder is None:
            raise InvalidArgumentError(
                f"unknown metric {metric!r}; valid names are: {', '.join(METRIC_NAMES)}"
            )
        return builder()
    if isinstance(metric, Metric):
        return metric
    if callable(metric):
        return FunctionMetric(getattr(metric, "__name__", type(metric).__name__), metric)
    raise ArgumentTypeError(
        f"get_metric expects a metric name, a Metric or a function, got {type(metric).__name__}"
    )
