"""RMSprop: gradient steps divided by a running root mean square of the gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import add_scaled, add_scaled_, addcdiv_, addcmul_, lerp_
from retrograd.optim.optimizer import Optimizer, OptimizerError, ParamsT, new_step_counter


class RMSprop(Optimizer):
    """RMSprop, as ``torch.optim.RMSprop``.

    **Arguments**
    - `params`: Tensors to optimize, or dicts defining parameter groups.
    - `lr`: learning rate.
    - `alpha`: smoothing constant of the running average of the squared gradient.
    - `eps`: term added to the denominator for numerical stability.
    - `weight_decay`: L2 penalty added to the gradient.
    - `momentum`: momentum factor (0 turns momentum off).
    - `centered`: normalize by an estimate of the gradient's variance instead of its second moment.
    - `maximize`: maximize the objective instead of minimizing it.

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
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_options(self, options: dict[str, Any]) -> None:
        if not 0.0 <= options["lr"]:
            raise OptimizerError(f"Invalid learning rate: {options['lr']}")
        if not 0.0 <= options["eps"]:
            raise OptimizerError(f"Invalid epsilon value: {options['eps']}")
        if not 0.0 <= options["momentum"]:
            raise OptimizerError(f"Invalid momentum value: {options['momentum']}")
        if not 0.0 <= options["weight_decay"]:
            raise OptimizerError(f"Invalid weight_decay value: {options['weight_decay']}")
        if not 0.0 <= options["alpha"]:
            raise OptimizerError(f"Invalid alpha value: {options['alpha']}")

    def _update_group(self, group: dict[str, Any]) -> None:
        params = [p for p in group["params"] if p.grad is not None]
        for p in params:
            state = self.state[p]
            if len(state) == 0:
                state["step"] = new_step_counter()
                state["square_avg"] = np.zeros_like(p.data)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = np.zeros_like(p.data)
                if group["centered"]:
                    state["grad_avg"] = np.zeros_like(p.data)
        states = [self.state[p] for p in params]
        rmsprop(
            [p.data for p in params],
            [p.grad.data for p in params],
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
) -> None:
    """One RMSprop step on NumPy arrays; params, averages, buffers and step counts change in place.

    `grad_avgs` is used only when centered and `momentum_buffers` only with momentum.
    """
    lr, alpha, eps, weight_decay, momentum = map(float, (lr, alpha, eps, weight_decay, momentum))
    for i, (param, grad) in enumerate(zip(params, grads)):
        square_avg = square_avgs[i]
        steps[i] += 1

        if maximize:
            grad = np.negative(grad)
        if weight_decay != 0:
            grad = add_scaled(grad, param, weight_decay)

        square_avg *= alpha
        addcmul_(square_avg, grad, grad, 1 - alpha)

        if centered:
            grad_avg = grad_avgs[i]
            lerp_(grad_avg, grad, 1 - alpha)
            avg = np.array(square_avg, copy=True)
            addcmul_(avg, grad_avg, grad_avg, -1.0)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg)
        avg += eps

        if momentum > 0:
            buffer = momentum_buffers[i]
            buffer *= momentum
            addcdiv_(buffer, grad, avg, 1.0)
            add_scaled_(param, buffer, -lr)
        else:
            addcdiv_(param, grad, avg, -lr)
