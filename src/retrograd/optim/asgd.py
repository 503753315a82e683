"""ASGD: stochastic gradient descent with a decaying step size and a running average of the
iterates."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import Workspace, add_scaled, decayed_grad
from retrograd.optim._scalar_state import load_with_scalar_state, scalar_state
from retrograd.optim.optimizer import (
    Optimizer,
    ParamsT,
    increment_step,
    new_step_counter,
)
from retrograd.tensor import Tensor


class ASGD(Optimizer):
    """Averaged SGD, as ``torch.optim.ASGD``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (the first step size ``eta``). Default: 0.01.
        lambd: decay term (shrinks the weights and the step size). Default: 0.0001.
        alpha: power of the step-size decay. Default: 0.75.
        t0: step at which averaging starts. Default: 1e6.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        foreach: PyTorch's kernel switches; accepted, no effect.
        capturable: PyTorch's kernel switches; accepted, no effect.
        maximize: maximize the objective instead of minimizing it. Default: False.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter: ``step``, ``eta`` (step size), ``mu`` (averaging weight), both 0-d
    arrays in PyTorch's scalar dtype, and ``ax`` (the averaged parameter).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    checked = ("lr", "weight_decay")

    def _init_state(self, state: dict[str, Any], param: Tensor, group: dict[str, Any]) -> None:
        state["step"] = new_step_counter()
        state["eta"] = scalar_state(float(group["lr"]))
        state["mu"] = scalar_state(1.0)
        state["ax"] = np.zeros_like(param.array)

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)
        asgd(
            [p.array for p in params],
            grads,
            [s["ax"] for s in states],
            [s["mu"] for s in states],
            [s["eta"] for s in states],
            [s["step"] for s in states],
            lr=group["lr"],
            lambd=group["lambd"],
            alpha=group["alpha"],
            t0=group["t0"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore saved state (as `Optimizer.load_state_dict`); ``eta`` and ``mu`` keep their
        dtype."""
        load_with_scalar_state(self, state_dict, ("eta", "mu"), super().load_state_dict)


def asgd(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    axs: list[np.ndarray],
    mus: list[np.ndarray],
    etas: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    lr: float,
    lambd: float,
    alpha: float,
    t0: float,
    weight_decay: float,
    maximize: bool,
    workspace: Workspace | None = None,
) -> None:
    """One ASGD step on NumPy arrays; params, averages, etas, mus and step counts change in place.

    With ``g`` the gradient (negated when maximizing, plus ``weight_decay * p``) and ``t`` the
    step count after this step::

        p   = p * (1 - lambd * eta) - eta * g
        ax  = ax + mu * (p - ax)                     (ax = p while mu is 1)
        eta = lr / (1 + lambd * lr * t)**alpha       (0-d, PyTorch's scalar dtype)
        mu  = 1 / max(1, t - t0)                     (0-d, PyTorch's scalar dtype)

    `workspace` holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, lambd, alpha, t0, weight_decay = map(float, (lr, lambd, alpha, t0, weight_decay))
    if workspace is None:
        workspace = Workspace()
    for i, (param, grad) in enumerate(zip(params, grads)):
        step = increment_step(steps[i])
        eta, mu = float(etas[i]), float(mus[i])
        for p, g, ax, tmp, work in workspace.pieces((param, grad, axs[i]), 2):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp)

            np.multiply(p, 1 - lambd * eta, p)
            add_scaled(p, g, -eta, p, tmp)

            if mu != 1:
                tmp = np.subtract(p, ax, tmp)
                np.multiply(tmp, mu, tmp)
                np.add(ax, tmp, ax)
            else:
                np.copyto(ax, p)

        etas[i][()] = lr / ((1 + lambd * lr * step) ** alpha)
        mus[i][()] = 1 / max(1, step - t0)
