"""Linear, Embedding and the layers that only move or pass data: Identity, Dropout (identity
in eval mode, as ONNX runs it), Flatten and Unflatten."""

from __future__ import annotations

from retrograd import nn
from retrograd.onnx.converters.registry import Step, converts
from retrograd.onnx.graph import GraphBuilder


@converts(nn.Linear)
def linear(g: GraphBuilder, step: Step, x: str) -> str:
    """Gemm for `(N, in)` inputs; MatMul (+ Add) for `(N, *, in)`, which Gemm cannot take."""
    layer = step.module
    weight = layer.weight.array
    bias = None if layer.bias is None else g.initializer(layer.bias.array, f"{step.where}.bias")
    if step.x.ndim == 2:
        w = g.initializer(weight, f"{step.where}.weight")
        return g.node("Gemm", [x, w] + ([bias] if bias else []), step.where, transB=1)
    w_t = g.initializer(weight.T, f"{step.where}.weight_t")
    out = g.node("MatMul", [x, w_t], step.where)
    return g.node("Add", [out, bias], step.where) if bias else out


@converts(nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d)
def identity(g: GraphBuilder, step: Step, x: str) -> str:
    return g.node("Identity", [x], step.where)


def _axis(dim: int, ndim: int) -> int:
    return dim + ndim if dim < 0 else dim


@converts(nn.Flatten)
def flatten(g: GraphBuilder, step: Step, x: str) -> str:
    """Reshape to `(*x.shape[:start], -1, *x.shape[end + 1:])`; 0 copies the leading (batch)
    sizes from the input, so the batch size stays free."""
    ndim = step.x.ndim
    if ndim == 0:
        return g.node("Reshape", [x, g.int64s([1], f"{step.where}.shape")], step.where)
    start, end = _axis(step.module.start_dim, ndim), _axis(step.module.end_dim, ndim)
    shape = [0] * start + [-1] + list(step.x.shape[end + 1 :])
    return g.node("Reshape", [x, g.int64s(shape, f"{step.where}.shape")], step.where)


@converts(nn.Unflatten)
def unflatten(g: GraphBuilder, step: Step, x: str) -> str:
    ndim = step.x.ndim
    dim = _axis(step.module.dim, ndim)
    shape = [0] * dim + list(step.module.unflattened_size) + list(step.x.shape[dim + 1 :])
    return g.node("Reshape", [x, g.int64s(shape, f"{step.where}.shape")], step.where)


@converts(nn.Embedding)
def embedding(g: GraphBuilder, step: Step, x: str) -> str:
    """Gather rows of the weight (the input holds int64 indices)."""
    weight = g.initializer(step.module.weight.array, f"{step.where}.weight")
    return g.node("Gather", [weight, x], step.where, axis=0)
