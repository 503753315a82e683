"""`Normalize`: (x - mean) / sqrt(var + eps) over some axes, the core of batch, layer and group
norm. A primitive for speed: the composite records eight nodes and keeps their temporaries, the
fused backward needs only the output and 1 / std."""

from __future__ import annotations

import numpy as np

from retrograd.autograd.node import Node


class Normalize(Node):
    """y = (x - mean(x)) / sqrt(var(x) + eps), mean and biased variance over `axes`.

    Backward (with g the upstream gradient and means over `axes`):
    dx = (g - mean(g) - y * mean(g * y)) / sqrt(var + eps).
    """

    __slots__ = ("axes",)
    saves_inputs = False
    saves_output = True

    def forward(self, x: np.ndarray, *, axes: tuple[int, ...], eps: float) -> np.ndarray:
        centred = x - x.mean(axis=axes, keepdims=True)
        variance = (centred * centred).mean(axis=axes, keepdims=True)
        inv_std = (1.0 / np.sqrt(variance + eps)).astype(x.dtype, copy=False)
        out = centred * inv_std
        self.axes = axes
        self.saved = (out, inv_std)
        return out

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out, inv_std = self.saved
        axes = self.axes
        mean_grad = grad.mean(axis=axes, keepdims=True)
        mean_grad_out = (grad * out).mean(axis=axes, keepdims=True)
        return (grad - mean_grad - out * mean_grad_out) * inv_std
