"""`plot_decision_boundary`: a two-input classifier's predictions over the plane."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.errors import InvalidArgumentError, ShapeError
from retrograd.nn import Module, Sigmoid, Softmax
from retrograd.plotting.figure import new_figure, save_png
from retrograd.tensor import Tensor
from retrograd.train.evaluate import predict


def _as_array(value: Any) -> np.ndarray:
    return value.array if isinstance(value, Tensor) else np.asarray(value)


def _label_text(value: Any) -> str:
    """`1` rather than `1.0` for a whole-number float label."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _input_dtype(model: Module) -> np.dtype[Any]:
    for parameter in model.parameters():
        return np.dtype(parameter.array.dtype)
    return np.dtype(np.float32)


def _last_module(model: Module) -> Module:
    modules = list(model.modules())
    return modules[-1] if modules else model


def _class_scores(
    model: Module, points: np.ndarray, logits: bool | None
) -> tuple[np.ndarray, bool]:
    """The model's outputs on `points` as probabilities: `(N,)` of class 1 for one output
    (binary), `(N, C)` otherwise. Returns them and whether the problem is binary."""
    outputs = predict(model, points.astype(_input_dtype(model)), batch_size=4096).array
    outputs = outputs.astype(np.float64).reshape(len(points), -1)
    if logits is None:
        probabilities = isinstance(_last_module(model), (Sigmoid, Softmax))
        logits = not probabilities and not bool(np.all((outputs >= 0) & (outputs <= 1)))
    if outputs.shape[1] == 1:
        scores = outputs[:, 0]
        return (1.0 / (1.0 + np.exp(-scores)) if logits else scores), True
    if logits:
        shifted = np.exp(outputs - outputs.max(axis=1, keepdims=True))
        outputs = shifted / shifted.sum(axis=1, keepdims=True)
    return outputs, False


def plot_decision_boundary(
    model: Module,
    X: Any,
    y: Any,
    path: str | os.PathLike[str] | None = None,
    *,
    resolution: int = 200,
    margin: float = 0.1,
    logits: bool | None = None,
    transform: Callable[[np.ndarray], Any] | None = None,
    title: str | None = None,
    dpi: int = 100,
) -> Any:
    """Draw what a two-input classifier predicts over the plane, with the data on top, as PNG.

    Args:
        model: maps `(N, 2)` to one output per sample (binary: a logit or a probability) or to
            `(N, C)` class scores.
        X: `(N, 2)` the data points (in the units of the axes).
        y: `(N,)` or `(N, 1)` their labels (numbers or strings; used for the colours of the
            points).
        path: the PNG file to write (atomically); None only returns the figure.
        resolution: grid points along each axis. Default: 200.
        margin: extra room around the data, as a fraction of its range. Default: 0.1.
        logits: whether the outputs are logits (passed through a sigmoid or softmax first);
            None guesses: probabilities when the model ends in Sigmoid/Softmax or all outputs lie in
            [0, 1].
        transform: applied to the grid points before the model (e.g. a fitted scaler's
            `transform`), so the axes stay in the original units.
        title: the plot's title. Default: "decision boundary".
        dpi: resolution of the PNG. Default: 100.

    Returns:
        The matplotlib `Figure`. A binary problem shows the probability of class 1 with the 0.5
            contour drawn as the boundary; more classes show the predicted class.
    """
    points = _as_array(X).astype(np.float64)
    labels = _as_array(y)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ShapeError(
            f"plot_decision_boundary: X must have shape (N, 2) (two inputs), got {points.shape}"
        )
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (len(points),):
        raise ShapeError(
            f"plot_decision_boundary: y must have shape ({len(points)},) to match X, got "
            f"{labels.shape}"
        )
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise InvalidArgumentError(
            f"plot_decision_boundary: resolution must be an int >= 2, got {resolution!r}"
        )

    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.where(high > low, (high - low) * margin, 0.5)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], resolution)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    model_input = _as_array(transform(grid)) if transform is not None else grid
    scores, binary = _class_scores(model, np.asarray(model_input), logits)

    figure = new_figure("plot_decision_boundary", figsize=(6.0, 5.0))
    ax = figure.add_subplot()
    if binary:
        surface = scores.reshape(grid_x.shape)
        filled = ax.contourf(grid_x, grid_y, surface, levels=np.linspace(0, 1, 11), cmap="RdBu_r")
        ax.contour(grid_x, grid_y, surface, levels=[0.5], colors="black", linewidths=1.5)
        figure.colorbar(filled, ax=ax, label="P(class 1)")
    else:
        classes = scores.argmax(axis=1).reshape(grid_x.shape)
        n_classes = scores.shape[1]
        ax.contourf(
            grid_x,
            grid_y,
            classes,
            levels=np.arange(n_classes + 1) - 0.5,
            cmap="tab10",
            vmin=-0.5,
            vmax=9.5,
            alpha=0.4,
        )
    distinct = np.unique(labels)
    cmap = "RdBu_r" if binary else "tab10"
    colour_index = np.searchsorted(distinct, labels)
    top = max(len(distinct) - 1, 1) if binary else 9
    scatter = ax.scatter(
        points[:, 0],
        points[:, 1],
        c=colour_index,
        cmap=cmap,
        vmin=0,
        vmax=top,
        edgecolors="black",
        linewidths=0.6,
        s=30,
    )
    handles, _ = scatter.legend_elements()
    if len(handles) == len(distinct) and len(distinct) <= 10:
        ax.legend(handles, [_label_text(v) for v in distinct], title="class", loc="best")
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title(title or "decision boundary")
    if path is not None:
        save_png(figure, path, dpi=dpi)
    return figure
