"""Adam: gradient steps scaled by running estimates of the gradient's first and second moments."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import add_scaled, addcdiv_, addcmul_, lerp_
from retrograd.optim.optimizer import Optimizer, OptimizerError, ParamsT, new_step_counter


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``.

    **Arguments**
    - `params`: Tensors to optimize, or dicts defining parameter groups.
    - `lr`: learning rate.
    - `betas`: decay rates of the running averages of the gradient and of its square.
    - `eps`: term added to the denominator for numerical stability.
    - `weight_decay`: L2 penalty added to the gradient (or, with `decoupled_weight_decay`,
      applied to the weights directly, as `AdamW` does).
    - `amsgrad`: use the AMSGrad variant (normalize by the largest second moment seen so far).
    - `maximize`: maximize the objective instead of minimizing it.
    - `decoupled_weight_decay`: decay the weights directly instead of through the gradient.

    State per parameter: ``step``, ``exp_avg``, ``exp_avg_sq`` and, with amsgrad,
    ``max_exp_avg_sq``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _validate_options(self, options: dict[str, Any]) -> None:
        betas = options["betas"]
        if not 0.0 <= options["lr"]:
            raise OptimizerError(f"Invalid learning rate: {options['lr']}")
        if not 0.0 <= options["eps"]:
            raise OptimizerError(f"Invalid epsilon value: {options['eps']}")
        if len(betas) != 2:
            raise OptimizerError(f"betas must be a pair of floats, got {betas!r}")
        if not 0.0 <= betas[0] < 1.0:
            raise OptimizerError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise OptimizerError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= options["weight_decay"]:
            raise OptimizerError(f"Invalid weight_decay value: {options['weight_decay']}")

    def _update_group(self, group: dict[str, Any]) -> None:
        params = [p for p in group["params"] if p.grad is not None]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step_counter()
                state["exp_avg"] = np.zeros_like(p.data)
                state["exp_avg_sq"] = np.zeros_like(p.data)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = np.zeros_like(p.data)
        states = [self.state[p] for p in params]
        beta1, beta2 = group["betas"]
        adam(
            [p.data for p in params],
            [p.grad.data for p in params],
            [s["exp_avg"] for s in states],
            [s["exp_avg_sq"] for s in states],
            [s["max_exp_avg_sq"] for s in states] if group["amsgrad"] else [],
            [s["step"] for s in states],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            amsgrad=group["amsgrad"],
            maximize=group["maximize"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
        )


def adam(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    exp_avgs: list[np.ndarray],
    exp_avg_sqs: list[np.ndarray],
    max_exp_avg_sqs: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
    weight_decay: float,
    amsgrad: bool,
    maximize: bool,
    decoupled_weight_decay: bool,
) -> None:
    """One Adam (or AdamW) step on NumPy arrays; params, moments and step counts change in place.

    `max_exp_avg_sqs` is used only with amsgrad (it may be empty otherwise).
    """
    lr, beta1, beta2, eps, weight_decay = map(float, (lr, beta1, beta2, eps, weight_decay))
    for i, (param, grad) in enumerate(zip(params, grads)):
        exp_avg = exp_avgs[i]
        exp_avg_sq = exp_avg_sqs[i]
        steps[i] += 1
        step = float(steps[i])

        if maximize:
            grad = np.negative(grad)
        if weight_decay != 0:
            if decoupled_weight_decay:
                param *= 1 - lr * weight_decay
            else:
                grad = add_scaled(grad, param, weight_decay)

        lerp_(exp_avg, grad, 1 - beta1)
        exp_avg_sq *= beta2
        addcmul_(exp_avg_sq, grad, grad, 1 - beta2)

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5

        if amsgrad:
            np.maximum(max_exp_avg_sqs[i], exp_avg_sq, out=max_exp_avg_sqs[i])
            denom = np.sqrt(max_exp_avg_sqs[i])
        else:
            denom = np.sqrt(exp_avg_sq)
        denom /= bias_correction2_sqrt
        denom += eps

        addcdiv_(param, exp_avg, denom, -step_size)
