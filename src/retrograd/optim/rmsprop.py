"""RMSprop: gradient steps divided by a running root mean square of the gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import Workspace, add_scaled, addcdiv_, addcmul, decayed_grad, lerp_
from retrograd.optim.optimizer import Optimizer, ParamsT, increment_step
from retrograd.tensor import Tensor


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate. Default: 0.01.
        alpha: smoothing constant of the running average of the squared gradient. Default: 0.99.
        eps: term added to the denominator for numerical stability. Default: 1e-08.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        momentum: momentum factor (0 turns momentum off). Default: 0.
        centered: normalize by an estimate of the gradient's variance instead of its second moment.
            Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.
        foreach: PyTorch's kernel switches; accepted, no effect.
        capturable: PyTorch's kernel switches; accepted, no effect.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (with momentum) and
    ``grad_avg`` (when centered).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "capturable": capturable,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    checked = ("lr", "eps", "momentum", "weight_decay", "alpha")
    zeroed_state = ("square_avg",)

    def _init_state(self, state: dict[str, Any], param: Tensor, group: dict[str, Any]) -> None:
        super()._init_state(state, param, group)
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(param.array)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(param.array)

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)
        rmsprop(
            [p.array for p in params],
            grads,
            [s["square_avg"] for s in states],
            [s["grad_avg"] for s in states] if group["centered"] else [],
            [s["momentum_buffer"] for s in states] if group["momentum"] > 0 else [],
            [s["step"] for s in states],
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            centered=group["centered"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )


def rmsprop(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    square_avgs: list[np.ndarray],
    grad_avgs: list[np.ndarray],
    momentum_buffers: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    alpha: float,
    eps: float,
    weight_decay: float,
    momentum: float,
    centered: bool,
    maximize: bool,
    workspace: Workspace | None = None,
) -> None:
    """One RMSprop step on NumPy arrays; params, averages, buffers and step counts change in place.

    `grad_avgs` is used only when centered and `momentum_buffers` only with momentum.
    `workspace` holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, alpha, eps, weight_decay, momentum = map(float, (lr, alpha, eps, weight_decay, momentum))
    if workspace is None:
        workspace = Workspace()
    for i, (param, grad) in enumerate(zip(params, grads)):
        increment_step(steps[i])
        arrays = (
            param,
            grad,
            square_avgs[i],
            grad_avgs[i] if centered else None,
            momentum_buffers[i] if momentum > 0 else None,
        )
        for p, g, square_avg, grad_avg, buffer, avg, tmp, work in workspace.pieces(arrays, 3):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp)

            np.multiply(square_avg, alpha, square_avg)
            addcmul(square_avg, g, g, 1 - alpha, square_avg, tmp)
            if centered:
                lerp_(grad_avg, g, 1 - alpha, tmp)
                avg = addcmul(square_avg, grad_avg, grad_avg, -1.0, avg, tmp)
                np.sqrt(avg, avg)
            else:
                avg = np.sqrt(square_avg, avg)
            np.add(avg, eps, avg)
            if buffer is not None:
                np.multiply(buffer, momentum, buffer)
                addcdiv_(buffer, g, avg, 1.0, tmp)
                add_scaled(p, buffer, -lr, p, tmp)
            else:
                addcdiv_(p, g, avg, -lr, tmp)
