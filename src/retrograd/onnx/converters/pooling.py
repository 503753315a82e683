"""Pooling (MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool1d/2d) and nearest-neighbour Upsample.

Spatial sizes are static in the exported graph (only the batch size is free), so an adaptive
pool whose windows tile its input evenly becomes a plain AveragePool.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from retrograd import nn
from retrograd.nn.functional.pooling import as_tuple
from retrograd.onnx.converters.registry import Step, converts
from retrograd.onnx.graph import GraphBuilder


def _window(step: Step, n: int) -> dict[str, Any]:
    layer = step.module
    padding = as_tuple(layer.padding, n, "padding", layer)
    return {
        "kernel_shape": list(as_tuple(layer.kernel_size, n, "kernel_size", layer)),
        "strides": list(as_tuple(layer.stride, n, "stride", layer)),
        "pads": list(padding) * 2,
    }


@converts(nn.MaxPool1d, nn.MaxPool2d)
def max_pool(g: GraphBuilder, step: Step, x: str) -> str:
    layer = step.module
    n = layer.n_spatial
    step.require_batched(n)
    dilations = list(as_tuple(layer.dilation, n, "dilation", layer))
    return g.node(
        "MaxPool",
        [x],
        step.where,
        **_window(step, n),
        dilations=dilations,
        ceil_mode=int(layer.ceil_mode),
    )


@converts(nn.AvgPool1d, nn.AvgPool2d)
def avg_pool(g: GraphBuilder, step: Step, x: str) -> str:
    """AveragePool; a `divisor_override` d becomes a product by prod(kernel) / d of the mean
    with padding counted (the window sum over prod(kernel)), which is exact unless `ceil_mode`
    clips the last windows."""
    layer = step.module
    n = 1 if isinstance(layer, nn.AvgPool1d) else 2
    step.require_batched(n)
    window = _window(step, n)
    divisor = getattr(layer, "divisor_override", None)
    if divisor is not None and layer.ceil_mode:
        raise step.fail("divisor_override together with ceil_mode=True has no ONNX equivalent")
    include_pad = layer.count_include_pad or divisor is not None
    out = g.node(
        "AveragePool",
        [x],
        step.where,
        **window,
        ceil_mode=int(layer.ceil_mode),
        count_include_pad=int(include_pad),
    )
    if divisor is None:
        return out
    factor = g.scalar(math.prod(window["kernel_shape"]) / divisor, step.x.dtype, step.where)
    return g.node("Mul", [out, factor], step.where)


@converts(nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)
def adaptive_avg_pool(g: GraphBuilder, step: Step, x: str) -> str:
    layer = step.module
    step.require_batched(layer.n_spatial)
    sizes, out = step.x.shape[2:], step.y.shape[2:]
    if all(o == 1 for o in out):
        return g.node("GlobalAveragePool", [x], step.where)
    if any(s % o for s, o in zip(sizes, out)):
        raise step.fail(
            f"output size {tuple(out)} does not divide the input size {tuple(sizes)}, so its "
            "windows differ in size; ONNX can express an output of 1 (GlobalAveragePool) or an "
            "even tiling (AveragePool)"
        )
    kernel = [s // o for s, o in zip(sizes, out)]
    return g.node("AveragePool", [x], step.where, kernel_shape=kernel, strides=kernel)


@converts(nn.Upsample, nn.UpsamplingNearest2d)
def upsample(g: GraphBuilder, step: Step, x: str) -> str:
    """Resize, mode 'nearest': 'nearest' reads floor(i / scale) (asymmetric, floor),
    'nearest-exact' floor((i + 0.5) / scale) (half_pixel, round_prefer_ceil).

    A scale factor is passed as Resize's scales (PyTorch divides by the factor too); a size, a
    recomputed factor, and the 2-d cases where retrograd (like PyTorch) reads i or i // 2
    whatever the factor, pass the output size, from which Resize takes out / in.
    """
    layer, where = step.module, step.where
    sizes, out = step.x.shape[2:], step.y.shape[2:]
    if layer.mode == "nearest-exact":
        modes = {
            "coordinate_transformation_mode": "half_pixel",
            "nearest_mode": "round_prefer_ceil",
        }
    else:
        modes = {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    shortcut = (
        len(sizes) == 2
        and layer.mode == "nearest"
        and all(o in (s, 2 * s) for s, o in zip(sizes, out))
    )
    if layer.scale_factor is not None and not layer.recompute_scale_factor and not shortcut:
        factors = layer.scale_factor
        if not isinstance(factors, tuple):
            factors = (factors,) * len(sizes)
        scales = g.initializer(np.array([1.0, 1.0, *factors], np.float32), f"{where}.scales")
        return g.node("Resize", [x, "", scales], where, mode="nearest", **modes)
    # the batch and channel sizes come from the input, so the batch size stays free
    shape = g.node("Shape", [x], where)
    leading = g.node(
        "Slice", [shape, g.int64s([0], f"{where}.start"), g.int64s([2], f"{where}.end")], where
    )
    full = g.node("Concat", [leading, g.int64s(out, f"{where}.size")], where, axis=0)
    return g.node("Resize", [x, "", "", full], where, mode="nearest", **modes)
