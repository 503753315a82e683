"""BatchNorm1d/2d (eval mode: the running statistics) and LayerNorm (opset 17 and later)."""

from __future__ import annotations

import numpy as np

from retrograd import nn
from retrograd.onnx.converters.registry import Step, converts
from retrograd.onnx.graph import GraphBuilder


@converts(nn.BatchNorm1d, nn.BatchNorm2d)
def batch_norm(g: GraphBuilder, step: Step, x: str) -> str:
    layer = step.module
    if layer.running_mean is None or layer.running_var is None:
        raise step.fail(
            "without running statistics (track_running_stats=False) it normalises with the "
            "statistics of each batch even in eval mode; ONNX's BatchNormalization cannot"
        )
    if step.x.ndim < 2:
        raise step.fail(f"ONNX needs an input (N, C, ...), got shape {step.x.shape}")
    n, dtype, where = layer.num_features, layer.running_mean.array.dtype, step.where
    weight = np.ones(n, dtype) if layer.weight is None else layer.weight.array
    bias = np.zeros(n, dtype) if layer.bias is None else layer.bias.array
    inputs = [
        x,
        g.initializer(weight, f"{where}.weight"),
        g.initializer(bias, f"{where}.bias"),
        g.initializer(layer.running_mean.array, f"{where}.running_mean"),
        g.initializer(layer.running_var.array, f"{where}.running_var"),
    ]
    return g.node("BatchNormalization", inputs, where, epsilon=float(layer.eps))


@converts(nn.LayerNorm)
def layer_norm(g: GraphBuilder, step: Step, x: str) -> str:
    layer, where = step.module, step.where
    if g.opset < 17:
        raise step.fail(
            f"ONNX has LayerNormalization from opset 17; export with opset>=17, not {g.opset}"
        )
    shape = tuple(layer.normalized_shape)
    weight = np.ones(shape, step.x.dtype) if layer.weight is None else layer.weight.array
    inputs = [x, g.initializer(weight, f"{where}.weight")]
    if layer.bias is not None:
        inputs.append(g.initializer(layer.bias.array, f"{where}.bias"))
    return g.node("LayerNormalization", inputs, where, axis=-len(shape), epsilon=float(layer.eps))
