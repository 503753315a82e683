"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign and shrink when
it flips; only the gradient's sign is used."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim.optimizer import Optimizer, OptimizerError, ParamsT, increment_step
from retrograd.tensor import Tensor


class Rprop(Optimizer):
    """Rprop, as ``torch.optim.Rprop``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: the first step size of every coordinate. Default: 0.01.
        etas: ``(etaminus, etaplus)``, the factors a step size is multiplied by when the gradient's
            sign flips and when it stays (``0 < etaminus < 1 < etaplus``). Default: (0.5, 1.2).
        step_sizes: ``(min, max)``, the bounds of a step size. Default: (1e-06, 50).
        capturable: PyTorch's kernel switches; accepted, no effect.
        foreach: PyTorch's kernel switches; accepted, no effect.
        maximize: maximize the objective instead of minimizing it. Default: False.
        differentiable: must be False (a step is not recorded by autograd).

    State per parameter: ``step``, ``prev`` (the last gradient used) and ``step_size``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach: bool | None = None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "etas": tuple(etas),
            "step_sizes": tuple(step_sizes),
            "foreach": foreach,
            "maximize": maximize,
            "differentiable": differentiable,
            "capturable": capturable,
        }
        super().__init__(params, defaults)

    checked = ("lr",)
    zeroed_state = ("prev",)

    def _validate_options(self, options: dict[str, Any]) -> None:
        super()._validate_options(options)
        etas = options["etas"]
        if len(etas) != 2 or len(options["step_sizes"]) != 2:
            raise OptimizerError(
                f"etas and step_sizes must be pairs of floats, got {etas!r} and "
                f"{options['step_sizes']!r}"
            )
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise OptimizerError(f"Invalid eta values: {etas[0]}, {etas[1]}")

    def _init_state(self, state: dict[str, Any], param: Tensor, group: dict[str, Any]) -> None:
        super()._init_state(state, param, group)
        state["step_size"] = np.full_like(param.array, float(group["lr"]))

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        states = self._states(group, params)
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        rprop(
            [p.array for p in params],
            grads,
            [s["prev"] for s in states],
            [s["step_size"] for s in states],
            [s["step"] for s in states],
            step_size_min=step_size_min,
            step_size_max=step_size_max,
            etaminus=etaminus,
            etaplus=etaplus,
            maximize=group["maximize"],
        )


def rprop(
    params: list[np.ndarray],
    grads: list[np.ndarray],
    prevs: list[np.ndarray],
    step_sizes: list[np.ndarray],
    steps: list[np.ndarray],
    *,
    step_size_min: float,
    step_size_max: float,
    etaminus: float,
    etaplus: float,
    maximize: bool,
) -> None:
    """One Rprop step on NumPy arrays; params, previous gradients, step sizes and step counts
    change in place.

    With ``g`` the gradient (negated when maximizing), coordinate by coordinate::

        factor    = etaplus if g * prev > 0, etaminus if g * prev < 0, else 1
        step_size = min(max(step_size * factor, step_size_min), step_size_max)
        g         = 0 where g * prev < 0          (no move right after a sign flip)
        p         = p - sign(g) * step_size
        prev      = g
    """
    step_size_min, step_size_max = float(step_size_min), float(step_size_max)
    etaminus, etaplus = float(etaminus), float(etaplus)
    for param, grad, prev, step_size, step in zip(params, grads, prevs, step_sizes, steps):
        increment_step(step)
        g = np.negative(grad) if maximize else grad
        sign = np.sign(np.multiply(g, prev))
        flipped = sign < 0
        factor = np.where(sign > 0, etaplus, np.where(flipped, etaminus, 1.0))
        factor = np.where(np.isnan(sign), np.nan, factor)  # PyTorch leaves a NaN sign as it is
        np.multiply(step_size, factor.astype(param.dtype, copy=False), out=step_size)
        np.maximum(step_size, step_size_min, out=step_size)
        np.minimum(step_size, step_size_max, out=step_size)

        g = np.where(flipped, 0.0, g).astype(param.dtype, copy=False)
        update = np.multiply(np.multiply(np.sign(g), -1.0), step_size)
        np.add(param, update, out=param)
        np.copyto(prev, g)
