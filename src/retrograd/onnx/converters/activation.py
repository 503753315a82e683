"""Activations. ONNX has most of them as one op; GELU (before opset 20), SiLU and PyTorch's
Softplus (with beta and threshold) are composed from a few."""

from __future__ import annotations

import math

from retrograd import nn
from retrograd.onnx.converters.registry import Step, converts
from retrograd.onnx.graph import GraphBuilder

_SIMPLE = {nn.ReLU: "Relu", nn.Sigmoid: "Sigmoid", nn.Tanh: "Tanh"}


@converts(*_SIMPLE)
def simple(g: GraphBuilder, step: Step, x: str) -> str:
    return g.node(_SIMPLE[type(step.module)], [x], step.where)


@converts(nn.LeakyReLU)
def leaky_relu(g: GraphBuilder, step: Step, x: str) -> str:
    return g.node("LeakyRelu", [x], step.where, alpha=float(step.module.negative_slope))


@converts(nn.ELU)
def elu(g: GraphBuilder, step: Step, x: str) -> str:
    return g.node("Elu", [x], step.where, alpha=float(step.module.alpha))


@converts(nn.GELU)
def gelu(g: GraphBuilder, step: Step, x: str) -> str:
    """x/2 (1 + erf(x/sqrt 2)), or with approximate='tanh' x/2 (1 + tanh(sqrt(2/pi)(x +
    0.044715 x^3))), as retrograd computes them."""
    dtype, where = step.x.dtype, step.where
    if step.module.approximate == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x], where), x], where)
        cubic = g.node("Mul", [cube, g.scalar(0.044715, dtype, f"{where}.c")], where)
        inner = g.node("Add", [x, cubic], where)
        scaled = g.node(
            "Mul", [inner, g.scalar(math.sqrt(2 / math.pi), dtype, f"{where}.k")], where
        )
        curve = g.node("Tanh", [scaled], where)
    else:
        scaled = g.node("Mul", [x, g.scalar(1 / math.sqrt(2), dtype, f"{where}.k")], where)
        curve = g.node("Erf", [scaled], where)
    one_plus = g.node("Add", [curve, g.scalar(1.0, dtype, f"{where}.one")], where)
    half_x = g.node("Mul", [x, g.scalar(0.5, dtype, f"{where}.half")], where)
    return g.node("Mul", [half_x, one_plus], where)


@converts(nn.SiLU)
def silu(g: GraphBuilder, step: Step, x: str) -> str:
    return g.node("Mul", [x, g.node("Sigmoid", [x], step.where)], step.where)


@converts(nn.Softplus)
def softplus(g: GraphBuilder, step: Step, x: str) -> str:
    """Softplus(beta x) / beta, and x itself where beta x > threshold (PyTorch's rule)."""
    dtype, where = step.x.dtype, step.where
    beta, threshold = float(step.module.beta), float(step.module.threshold)
    z = x if beta == 1.0 else g.node("Mul", [x, g.scalar(beta, dtype, f"{where}.beta")], where)
    smooth = g.node("Softplus", [z], where)
    if beta != 1.0:
        smooth = g.node("Div", [smooth, g.scalar(beta, dtype, f"{where}.beta")], where)
    above = g.node("Greater", [z, g.scalar(threshold, dtype, f"{where}.threshold")], where)
    return g.node("Where", [above, x, smooth], where)


def _softmax_axis(step: Step) -> int:
    """`dim`, or PyTorch's implicit choice when it is None (0 for 0-, 1- and 3-d inputs)."""
    dim = step.module.dim
    if dim is None:
        return 0 if step.x.ndim in (0, 1, 3) else 1
    return int(dim)


@converts(nn.Softmax)
def softmax(g: GraphBuilder, step: Step, x: str) -> str:
    return g.node("Softmax", [x], step.where, axis=_softmax_axis(step))


@converts(nn.LogSoftmax)
def log_softmax(g: GraphBuilder, step: Step, x: str) -> str:
    return g.node("LogSoftmax", [x], step.where, axis=_softmax_axis(step))
