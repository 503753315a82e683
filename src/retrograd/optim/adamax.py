"""Adamax: Adam with the second moment replaced by a running infinity norm of the gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import Workspace, addcdiv_, decayed_grad, lerp_
from retrograd.optim.optimizer import Optimizer, ParamsT, increment_step
from retrograd.tensor import Tensor


class Adamax(Optimizer):
    """Adamax, as ``torch.optim.Adamax``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate. Default: 0.002.
        betas: decay rates of the running average of the gradient and of the infinity norm. Default:
            (0.9, 0.999).
        eps: term added to the infinity norm for numerical stability. Default: 1e-08.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        foreach: PyTorch's kernel switches; accepted, no effect.
        capturable: PyTorch's kernel switches; accepted, no effect.
        maximize: maximize the objective instead of minimizing it. Default: False.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter: ``step``, ``exp_avg`` and ``exp_inf``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    checked = ("lr", "eps", "betas", "weight_decay")
    zeroed_state = ("exp_avg", "exp_inf")

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)
        beta1, beta2 = group["betas"]
        adamax(
            [p.array for p in params],
            grads,
            [s["exp_avg"] for s in states],
            [s["exp_inf"] for s in states],
            [s["step"] for s in states],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )


def adamax(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_infs: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    maximize: bool,
    workspace: Workspace | None = None,
) -> None:
    """One Adamax step on NumPy arrays; params, moments and step counts change in place.

    With ``g`` the gradient (negated when maximizing, plus ``weight_decay * p``) and ``t`` the
    step count::

        exp_avg = beta1 * exp_avg + (1 - beta1) * g
        exp_inf = max(beta2 * exp_inf, |g| + eps)
        p       = p - lr / (1 - beta1**t) * exp_avg / exp_inf

    `workspace` holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, beta1, beta2, eps, weight_decay = map(float, (lr, beta1, beta2, eps, weight_decay))
    if workspace is None:
        workspace = Workspace()
    for i, (param, grad) in enumerate(zip(params, grads)):
        step = increment_step(steps[i])
        clr = lr / (1 - beta1**step)
        arrays = (param, grad, exp_avgs[i], exp_infs[i])
        for p, g, exp_avg, exp_inf, norm, tmp, work in workspace.pieces(arrays, 3):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp)

            lerp_(exp_avg, g, 1 - beta1, tmp)
            np.multiply(exp_inf, beta2, exp_inf)
            norm = np.abs(g, norm)
            np.add(norm, eps, norm)
            np.maximum(exp_inf, norm, out=exp_inf)

            addcdiv_(p, exp_avg, exp_inf, -clr, tmp)
