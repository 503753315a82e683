"""A deliberately wrong loss, for learning what the doctor reports.

`BuggyMSELoss` computes the mean squared error correctly, but its hand-written backward returns
`2 * (target - pred) / n`: the sign is flipped, so gradient descent climbs the loss. It is the
classic slip of writing the error as `target - pred` and forgetting the chain rule's minus. Try
`retrograd demo --loss buggy-mse --doctor`.
"""

from __future__ import annotations

from typing import Any

from retrograd.autograd.context import Context
from retrograd.function import Function
from retrograd.nn.module import Module
from retrograd.tensor import Tensor

__all__ = ["BuggyMSEFunction", "BuggyMSELoss"]


class BuggyMSEFunction(Function):
    """mean((pred - target)^2) with a backward whose sign is flipped (on purpose)."""

    @staticmethod
    def forward(ctx: Context, pred: Tensor, target: Tensor) -> Tensor:
        """The mean of `(pred - target) ** 2` over all elements, a scalar; saves both inputs."""
        ctx.save_for_backward(pred, target)
        diff = pred - target
        return (diff * diff).mean()

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> Any:
        """The gradient for `pred` with its sign flipped (the planted bug), None for `target`."""
        pred, target = ctx.saved_tensors
        n = pred.numel()
        # the bug: the derivative of (pred - target)^2 is 2 * (pred - target)
        return grad_output * 2 * (target - pred) / n, None


class BuggyMSELoss(Module):
    """`nn.MSELoss()`'s forward with a sign-flipped backward; `input`, `target`: same shape."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:  # noqa: A002
        """The mean squared error of `input` and `target`, a scalar whose backward is wrong.

        Shape:
            - Input: `(*)`, any shape.
            - Target: `(*)`, the same shape as the input.
            - Output: `()`, a scalar.
        """
        return BuggyMSEFunction.apply(input, target)
