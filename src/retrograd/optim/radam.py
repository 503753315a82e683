"""RAdam: Adam whose adaptive step is switched on, and rectified, once its variance is tractable."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import Workspace, addcmul, decayed_grad, lerp_
from retrograd.optim.optimizer import Optimizer, ParamsT, increment_step
from retrograd.tensor import Tensor


class RAdam(Optimizer):
    """RAdam, as ``torch.optim.RAdam``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate. Default: 0.001.
        betas: decay rates of the running averages of the gradient and of its square. Default: (0.9,
            0.999).
        eps: term added to the denominator for numerical stability. Default: 1e-08.
        weight_decay: L2 penalty added to the gradient (or, with `decoupled_weight_decay`,
            applied to the weights directly). Default: 0.
        decoupled_weight_decay: decay the weights directly instead of through the gradient. Default:
            False.
        foreach: PyTorch's kernel switches; accepted, no effect.
        capturable: PyTorch's kernel switches; accepted, no effect.
        maximize: maximize the objective instead of minimizing it. Default: False.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter: ``step``, ``exp_avg`` and ``exp_avg_sq``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "decoupled_weight_decay": decoupled_weight_decay,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    checked = ("lr", "eps", "betas", "weight_decay")
    zeroed_state = ("exp_avg", "exp_avg_sq")

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)
        beta1, beta2 = group["betas"]
        radam(
            [p.array for p in params],
            grads,
            [s["exp_avg"] for s in states],
            [s["exp_avg_sq"] for s in states],
            [s["step"] for s in states],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )


def radam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
    workspace: Workspace | None = None,
) -> None:
    """One RAdam step on NumPy arrays; params, moments and step counts change in place.

    With ``g`` the gradient (negated when maximizing; plus ``weight_decay * p``, or with
    decoupled weight decay ``p = p * (1 - lr * weight_decay)`` first) and ``t`` the step count::

        exp_avg    = beta1 * exp_avg + (1 - beta1) * g
        exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g**2
        rho_inf    = 2 / (1 - beta2) - 1
        rho_t      = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
        if rho_t > 5:
            rect = sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                        / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * exp_avg / (1 - beta1**t)
                  * sqrt(1 - beta2**t) / (sqrt(exp_avg_sq) + eps) * rect
        else:
            p = p - lr * exp_avg / (1 - beta1**t)

    `workspace` holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, beta1, beta2, eps, weight_decay = map(float, (lr, beta1, beta2, eps, weight_decay))
    if workspace is None:
        workspace = Workspace()
    decoupled_lr = lr if decoupled_weight_decay else None
    rho_inf = 2 / (1 - beta2) - 1
    for i, (param, grad) in enumerate(zip(params, grads)):
        step = increment_step(steps[i])
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        rect = 0.0
        if rho_t > 5.0:
            rect = (
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            ) ** 0.5

        arrays = (param, grad, exp_avgs[i], exp_avg_sqs[i])
        for p, g, exp_avg, exp_avg_sq, update, adaptive, tmp, work in workspace.pieces(arrays, 4):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp, decoupled_lr)

            lerp_(exp_avg, g, 1 - beta1, tmp)
            np.multiply(exp_avg_sq, beta2, exp_avg_sq)
            addcmul(exp_avg_sq, g, g, 1 - beta2, exp_avg_sq, tmp)

            update = np.divide(exp_avg, bias_correction1, update)
            np.multiply(update, lr, update)
            if rho_t > 5.0:
                adaptive = np.sqrt(exp_avg_sq, adaptive)
                np.add(adaptive, eps, adaptive)
                # PyTorch's ``scalar / tensor`` is ``tensor.reciprocal() * scalar``
                np.reciprocal(adaptive, adaptive)
                np.multiply(adaptive, bias_correction2**0.5, adaptive)
                np.multiply(update, adaptive, update)
                np.multiply(update, rect, update)
            np.subtract(p, update, p)
