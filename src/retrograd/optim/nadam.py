"""NAdam: Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import Workspace, addcdiv_, addcmul, decayed_grad, lerp_
from retrograd.optim._scalar_state import load_with_scalar_state, scalar_state
from retrograd.optim.optimizer import (
    Optimizer,
    ParamsT,
    increment_step,
    new_step_counter,
)
from retrograd.tensor import Tensor


class NAdam(Optimizer):
    """NAdam, as ``torch.optim.NAdam``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate. Default: 0.002.
        betas: decay rates of the running averages of the gradient and of its square. Default: (0.9,
            0.999).
        eps: term added to the denominator for numerical stability. Default: 1e-08.
        weight_decay: L2 penalty added to the gradient (or, with `decoupled_weight_decay`,
            applied to the weights directly). Default: 0.
        momentum_decay: how fast the momentum schedule ``mu_t`` approaches ``beta1``. Default:
            0.004.
        decoupled_weight_decay: decay the weights directly instead of through the gradient. Default:
            False.
        foreach: PyTorch's kernel switches; accepted, no effect.
        capturable: PyTorch's kernel switches; accepted, no effect.
        maximize: maximize the objective instead of minimizing it. Default: False.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter: ``step``, ``mu_product`` (the product of the ``mu_t`` so far, a 0-d
    array in PyTorch's scalar dtype), ``exp_avg`` and ``exp_avg_sq``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
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
            "momentum_decay": momentum_decay,
            "decoupled_weight_decay": decoupled_weight_decay,
            "maximize": maximize,
            "foreach": foreach,
            "capturable": capturable,
            "differentiable": differentiable,
        }
        super().__init__(params, defaults)

    checked = ("lr", "eps", "betas", "weight_decay", "momentum_decay")

    def _init_state(self, state: dict[str, Any], param: Tensor, group: dict[str, Any]) -> None:
        state["step"] = new_step_counter()
        state["mu_product"] = scalar_state(1.0)
        state["exp_avg"] = np.zeros_like(param.array)
        state["exp_avg_sq"] = np.zeros_like(param.array)

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)
        beta1, beta2 = group["betas"]
        nadam(
            [p.array for p in params],
            grads,
            [s["exp_avg"] for s in states],
            [s["exp_avg_sq"] for s in states],
            [s["mu_product"] for s in states],
            [s["step"] for s in states],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum_decay=group["momentum_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore saved state (as `Optimizer.load_state_dict`); ``mu_product`` keeps its dtype."""
        load_with_scalar_state(self, state_dict, ("mu_product",), super().load_state_dict)


def nadam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    mu_products: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    momentum_decay: float,
    decoupled_weight_decay: bool,
    maximize: bool,
    workspace: Workspace | None = None,
) -> None:
    """One NAdam step on NumPy arrays; params, moments, mu products and step counts change in
    place.

    With ``g`` the gradient (negated when maximizing; plus ``weight_decay * p``, or with
    decoupled weight decay ``p = p * (1 - lr * weight_decay)`` first) and ``t`` the step count::

        mu_t       = beta1 * (1 - 0.5 * 0.96**(t * momentum_decay))
        mu_product = mu_product * mu_t              (0-d array in PyTorch's scalar dtype)
        exp_avg    = beta1 * exp_avg + (1 - beta1) * g
        exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g**2
        denom      = sqrt(exp_avg_sq / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - mu_product) * g / denom
              - lr * mu_{t+1} / (1 - mu_product * mu_{t+1}) * exp_avg / denom

    `workspace` holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, beta1, beta2, eps = map(float, (lr, beta1, beta2, eps))
    weight_decay, momentum_decay = float(weight_decay), float(momentum_decay)
    if workspace is None:
        workspace = Workspace()
    decoupled_lr = lr if decoupled_weight_decay else None
    for i, (param, grad) in enumerate(zip(params, grads)):
        step = increment_step(steps[i])
        bias_correction2 = 1 - beta2**step
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        np.multiply(mu_products[i], mu, mu_products[i])  # rounded in the product's own dtype
        mu_product = float(mu_products[i])
        mu_product_next = mu_product * mu_next
        grad_scale = -lr * (1.0 - mu) / (1.0 - mu_product)
        avg_scale = (-lr * mu_next) / (1.0 - mu_product_next)

        arrays = (param, grad, exp_avgs[i], exp_avg_sqs[i])
        for p, g, exp_avg, exp_avg_sq, denom, tmp, work in workspace.pieces(arrays, 3):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp, decoupled_lr)

            lerp_(exp_avg, g, 1 - beta1, tmp)
            np.multiply(exp_avg_sq, beta2, exp_avg_sq)
            addcmul(exp_avg_sq, g, g, 1 - beta2, exp_avg_sq, tmp)
            denom = np.divide(exp_avg_sq, bias_correction2, denom)
            np.sqrt(denom, denom)
            np.add(denom, eps, denom)

            addcdiv_(p, g, denom, grad_scale, tmp)
            addcdiv_(p, exp_avg, denom, avg_scale, tmp)
