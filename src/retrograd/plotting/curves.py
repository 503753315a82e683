"""`plot_history`: training curves, one panel per quantity, training against validation."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from typing import Any

from retrograd.errors import ArgumentTypeError, InvalidArgumentError
from retrograd.plotting.figure import new_figure, save_png
from retrograd.train.history import History

_TITLES = {
    "loss": "loss",
    "accuracy": "accuracy",
    "mae": "mean absolute error",
    "mse": "mean squared error",
    "rmse": "root mean squared error",
    "r2": "R²",
    "f1": "F1 score",
}


def _curves(history: History | Mapping[str, Sequence[float]]) -> dict[str, list[float]]:
    logs = history.history if isinstance(history, History) else history
    if not isinstance(logs, Mapping):
        raise ArgumentTypeError(
            "plot_history takes a History (what fit returns) or its .history dict, got "
            f"{type(history).__name__}"
        )
    curves = {str(key): [float(v) for v in values] for key, values in logs.items()}
    if not any(not all(math.isnan(v) for v in values) for values in curves.values()):
        raise InvalidArgumentError("plot_history: the history holds no values to plot (no epochs?)")
    return curves


def panel_keys(keys: Sequence[str]) -> list[str]:
    """The quantities that get a panel: "loss" first, then each metric; a `val_x` key shares
    the panel of `x` (or gets its own when `x` is missing)."""
    names: list[str] = []
    for key in keys:
        name = key[4:] if key.startswith("val_") else key
        if name not in names:
            names.append(name)
    return sorted(names, key=lambda name: name != "loss")


def plot_history(
    history: History | Mapping[str, Sequence[float]],
    path: str | os.PathLike[str] | None = None,
    *,
    title: str | None = None,
    dpi: int = 100,
    overwrite: bool = True,
) -> Any:
    """Draw the training curves of `history` and write them as a PNG at `path`.

    Args:
        history: what `retrograd.train.fit` returns, or its ``.history`` dict
            (``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``).
        path: the PNG file to write (atomically); None only returns the figure.
        title: a title over all panels.
        dpi: resolution of the PNG. Default: 100.
        overwrite: replace an existing file at `path` (False: refuse with OutputFileError).
            Default: True.

    Returns:
        The matplotlib `Figure`: one panel per quantity (loss first, then each metric),
            training and validation curves against the epoch (1-based).
    """
    curves = _curves(history)
    names = panel_keys(list(curves))
    columns = min(len(names), 3)
    rows = math.ceil(len(names) / columns)
    figure = new_figure("plot_history", figsize=(4.2 * columns, 3.2 * rows))
    from matplotlib.ticker import MaxNLocator  # importable: new_figure found matplotlib

    axes = figure.subplots(rows, columns, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        for key, label, style in ((name, "training", "-"), (f"val_{name}", "validation", "--")):
            values = curves.get(key)
            if values is None:
                continue
            epochs = range(1, len(values) + 1)
            ax.plot(epochs, values, style, marker="." if len(values) < 30 else None, label=label)
        ax.set_title(_TITLES.get(name, name))
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
        ax.legend()
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    if title:
        figure.suptitle(title)
    if path is not None:
        save_png(figure, path, dpi=dpi, overwrite=overwrite)
    return figure
