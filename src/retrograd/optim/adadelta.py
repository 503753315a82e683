"""Adadelta: gradient steps scaled by the running RMS of past updates over that of gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import Workspace, add_scaled, addcmul, decayed_grad
from retrograd.optim.optimizer import Optimizer, ParamsT, increment_step
from retrograd.tensor import Tensor


class Adadelta(Optimizer):
    """Adadelta, as ``torch.optim.Adadelta``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: coefficient that scales the update before it is applied. Default: 1.0.
        rho: decay rate of the running averages of the squared gradient and squared update. Default:
            0.9.
        eps: term added inside the square roots for numerical stability. Default: 1e-06.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        foreach: PyTorch's kernel switches; accepted, no effect.
        capturable: PyTorch's kernel switches; accepted, no effect.
        maximize: maximize the objective instead of minimizing it. Default: False.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter: ``step``, ``square_avg`` and ``acc_delta``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "capturable": capturable,
            "foreach": foreach,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    checked = ("lr", "rho", "eps", "weight_decay")
    zeroed_state = ("square_avg", "acc_delta")

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)
        adadelta(
            [p.array for p in params],
            grads,
            [s["square_avg"] for s in states],
            [s["acc_delta"] for s in states],
            [s["step"] for s in states],
            lr=group["lr"],
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )


def adadelta(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    square_avgs: list[np.ndarray],
    acc_deltas: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    rho: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
    workspace: Workspace | None = None,
) -> None:
    """One Adadelta step on NumPy arrays; params, averages and step counts change in place.

    With ``g`` the gradient (negated when maximizing, plus ``weight_decay * p``)::

        square_avg = rho * square_avg + (1 - rho) * g**2
        delta      = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g
        acc_delta  = rho * acc_delta + (1 - rho) * delta**2
        p          = p - lr * delta

    `workspace` holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, rho, eps, weight_decay = map(float, (lr, rho, eps, weight_decay))
    if workspace is None:
        workspace = Workspace()
    for i, (param, grad) in enumerate(zip(params, grads)):
        increment_step(steps[i])
        arrays = (param, grad, square_avgs[i], acc_deltas[i])
        for p, g, square_avg, acc_delta, std, delta, tmp, work in workspace.pieces(arrays, 4):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp)

            np.multiply(square_avg, rho, square_avg)
            addcmul(square_avg, g, g, 1 - rho, square_avg, tmp)
            std = np.add(square_avg, eps, std)
            np.sqrt(std, std)
            delta = np.add(acc_delta, eps, delta)
            np.sqrt(delta, delta)
            np.divide(delta, std, delta)
            np.multiply(delta, g, delta)
            np.multiply(acc_delta, rho, acc_delta)
            addcmul(acc_delta, delta, delta, 1 - rho, acc_delta, tmp)
            add_scaled(p, delta, -lr, p, tmp)
