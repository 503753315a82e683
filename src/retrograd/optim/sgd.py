"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import add_scaled, add_scaled_
from retrograd.optim.optimizer import Optimizer, OptimizerError, ParamsT


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    **Arguments**
    - `params`: Tensors to optimize, or dicts defining parameter groups.
    - `lr`: learning rate.
    - `momentum`: momentum factor (0 turns momentum off).
    - `dampening`: dampening for momentum.
    - `weight_decay`: L2 penalty added to the gradient.
    - `nesterov`: use Nesterov momentum (needs momentum > 0 and zero dampening).
    - `maximize`: maximize the objective instead of minimizing it.

    State per parameter: ``momentum_buffer`` (when momentum is on).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _validate_options(self, options: dict[str, Any]) -> None:
        if options["lr"] < 0.0:
            raise OptimizerError(f"Invalid learning rate: {options['lr']}")
        if options["momentum"] < 0.0:
            raise OptimizerError(f"Invalid momentum value: {options['momentum']}")
        if options["weight_decay"] < 0.0:
            raise OptimizerError(f"Invalid weight_decay value: {options['weight_decay']}")
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise OptimizerError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict[str, Any]) -> None:
        params = [p for p in group["params"] if p.grad is not None]
        momentum_buffers: list[np.ndarray | None] = []
        if group["momentum"] != 0:
            momentum_buffers = [self.state[p].get("momentum_buffer") for p in params]
        sgd(
            [p.data for p in params],
            [p.grad.data for p in params],
            momentum_buffers,
            lr=group["lr"],
            momentum=group["momentum"],
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
        )
        if group["momentum"] != 0:
            for p, buffer in zip(params, momentum_buffers):
                self.state[p]["momentum_buffer"] = buffer


def sgd(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    momentum_buffers: list[np.ndarray | None],
    *,
    lr: float,
    momentum: float,
    dampening: float,
    weight_decay: float,
    nesterov: bool,
    maximize: bool,
) -> None:
    """One SGD step on NumPy arrays: `params` change in place; new buffers go into the list.

    `momentum_buffers` holds one entry per parameter when momentum is on (None before the first
    step, which starts the buffer at the gradient) and may be empty otherwise.
    """
    lr, momentum, dampening, weight_decay = map(float, (lr, momentum, dampening, weight_decay))
    for i, (param, grad) in enumerate(zip(params, grads)):
        if maximize:
            grad = np.negative(grad)
        if weight_decay != 0:
            grad = add_scaled(grad, param, weight_decay)

        if momentum != 0:
            buffer = momentum_buffers[i]
            if buffer is None:
                buffer = np.array(grad, copy=True)
                momentum_buffers[i] = buffer
            else:
                buffer *= momentum
                add_scaled_(buffer, grad, 1 - dampening)
            if nesterov:
                grad = add_scaled(grad, buffer, momentum)
            else:
                grad = buffer

        add_scaled_(param, grad, -lr)
