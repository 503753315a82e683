"""Graph steps that put preprocessing inside an exported model, for `to_onnx(before=...,
after=...)`: filling missing values, standardizing features and undoing a target scaling."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrograd.onnx.export import GraphStep
from retrograd.onnx.graph import GraphBuilder


def fill_missing(values: Sequence[float]) -> GraphStep:
    """x, with each NaN in column j replaced by `values[j]` (IsNaN + Where)."""

    def step(g: GraphBuilder, x: str, dtype: np.dtype) -> str:
        fill = g.initializer(np.asarray(values, dtype=dtype), "fill_values")
        return g.node("Where", [g.node("IsNaN", [x], "fill_missing"), fill, x], "fill_missing")

    return step


def standardize(mean: Sequence[float] | None, scale: Sequence[float] | None) -> GraphStep:
    """(x - mean) / scale per column (Sub, Div), either part skipped when None."""

    def step(g: GraphBuilder, x: str, dtype: np.dtype) -> str:
        if mean is not None:
            x = g.node("Sub", [x, g.initializer(np.asarray(mean, dtype), "scaler.mean")], "scaler")
        if scale is not None:
            x = g.node(
                "Div", [x, g.initializer(np.asarray(scale, dtype), "scaler.scale")], "scaler"
            )
        return x

    return step


def unstandardize(mean: Sequence[float] | None, scale: Sequence[float] | None) -> GraphStep:
    """x * scale + mean per column (Mul, Add): the inverse of `standardize`."""

    def step(g: GraphBuilder, x: str, dtype: np.dtype) -> str:
        where = "target_scaler"
        if scale is not None:
            x = g.node("Mul", [x, g.initializer(np.asarray(scale, dtype), f"{where}.scale")], where)
        if mean is not None:
            x = g.node("Add", [x, g.initializer(np.asarray(mean, dtype), f"{where}.mean")], where)
        return x

    return step
