"""Adagrad: per-coordinate steps divided by the root of the summed squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import Workspace, addcdiv_, addcmul, decayed_grad
from retrograd.optim.optimizer import Optimizer, ParamsT, increment_step
from retrograd.tensor import Tensor


class Adagrad(Optimizer):
    """Adagrad, as ``torch.optim.Adagrad``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate. Default: 0.01.
        lr_decay: the step size is ``lr / (1 + (step - 1) * lr_decay)``. Default: 0.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        initial_accumulator_value: starting value of the sum of squared gradients. Default: 0.
        eps: term added to the denominator for numerical stability. Default: 1e-10.
        maximize: maximize the objective instead of minimizing it. Default: False.
        foreach: PyTorch's kernel switches; accepted, no effect.
        fused: PyTorch's kernel switches; accepted, no effect.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter (created with the optimizer, as PyTorch does): ``step`` and ``sum``.
    A group's own ``initial_accumulator_value`` starts that group's sums (PyTorch uses the
    constructor's value for every group).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach: bool | None = None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            self._states(group, group["params"])

    checked = ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def _init_state(self, state: dict[str, Any], param: Tensor, group: dict[str, Any]) -> None:
        super()._init_state(state, param, group)
        state["sum"] = np.full_like(param.array, float(group["initial_accumulator_value"]))

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)  # (fills the state of a group added later)
        adagrad(
            [p.array for p in params],
            grads,
            [s["sum"] for s in states],
            [s["step"] for s in states],
            lr=group["lr"],
            lr_decay=group["lr_decay"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )


def adagrad(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    state_sums: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    lr_decay: float,
    weight_decay: float,
    eps: float,
    maximize: bool,
    workspace: Workspace | None = None,
) -> None:
    """One Adagrad step on NumPy arrays; params, sums and step counts change in place.

    `workspace` holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, lr_decay, weight_decay, eps = map(float, (lr, lr_decay, weight_decay, eps))
    if workspace is None:
        workspace = Workspace()
    for param, grad, state_sum, step_t in zip(params, grads, state_sums, steps):
        step = increment_step(step_t)
        clr = lr / (1 + (step - 1) * lr_decay)
        for p, g, total, std, tmp, work in workspace.pieces((param, grad, state_sum), 3):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp)
            addcmul(total, g, g, 1.0, total, tmp)
            std = np.sqrt(total, std)
            np.add(std, eps, std)
            addcdiv_(p, g, std, -clr, tmp)
