"""Stochastic gradient descent, with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import SMALL_BYTES, Workspace, add_scaled, decayed_grad
from retrograd.optim.optimizer import Optimizer, OptimizerError, ParamsT
from retrograd.tensor import Tensor


class SGD(Optimizer):
    """Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate. Default: 0.001.
        momentum: momentum factor (0 turns momentum off). Default: 0.
        dampening: dampening for momentum. Default: 0.
        weight_decay: L2 penalty added to the gradient. Default: 0.
        nesterov: use Nesterov momentum (needs momentum > 0 and zero dampening). Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.
        foreach: PyTorch's kernel switches; accepted, no effect.
        fused: PyTorch's kernel switches; accepted, no effect.
        differentiable: must be False (a step is not recorded by autograd).

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
        foreach: bool | None = None,
        differentiable: bool = False,
        fused: bool | None = None,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
            "foreach": foreach,
            "differentiable": differentiable,
            "fused": fused,
        }
        super().__init__(params, defaults)
        self._scalars: dict[np.dtype, tuple[float, np.ndarray]] = {}

    checked = ("lr", "momentum", "weight_decay")

    def _validate_options(self, options: dict[str, Any]) -> None:
        super()._validate_options(options)
        if options["nesterov"] and (options["momentum"] <= 0 or options["dampening"] != 0):
            raise OptimizerError("Nesterov momentum requires a momentum and zero dampening")

    def _update_all(self) -> None:
        # Plain SGD (no momentum, weight decay or maximize) is done here without gathering lists
        # and calling `sgd`: on tiny models that bookkeeping costs more than the arithmetic.
        # Each parameter gets what `sgd` gives it (`add_scaled`, the same two ufunc calls).
        for group in self.param_groups:
            if group["momentum"] != 0 or group["weight_decay"] != 0 or group["maximize"]:
                self._update_params(group)
                continue
            alpha = -float(group["lr"])
            for param in group["params"]:
                grad = param.grad
                if grad is None:
                    continue
                g = grad.array
                scale = self._scalar(alpha, g.dtype) if type(g) is np.ndarray else alpha
                _add_scaled_(param.array, g, scale, self._workspace)
                # in place, as any in-place op: graphs that saved the array must notice
                param._version += 1

    def _scalar(self, value: float, dtype: np.dtype) -> Any:
        """`value` as a read-only 0-d array of `dtype` (a float dtype), kept while it is asked
        for: a ufunc takes it for less than half of what converting the Python float costs, and
        computes the same, as NumPy casts a Python float to the array's dtype."""
        cached = self._scalars.get(dtype)
        if cached is None or cached[0] != value:
            array = np.array(value, dtype=dtype)
            array.flags.writeable = False
            cached = self._scalars[dtype] = (value, array)
        return cached[1]

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        momentum = group["momentum"]
        buffers: list[np.ndarray | None] = []
        if momentum != 0:
            buffers = [self.state[p].get("momentum_buffer") for p in params]
        sgd(
            [p.array for p in params],
            grads,
            buffers,
            lr=group["lr"],
            momentum=momentum,
            dampening=group["dampening"],
            weight_decay=group["weight_decay"],
            nesterov=group["nesterov"],
            maximize=group["maximize"],
            workspace=self._workspace,
        )
        if momentum != 0:
            for p, buffer in zip(params, buffers):
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
    workspace: Workspace | None = None,
) -> None:
    """One SGD step on NumPy arrays: `params` change in place; new buffers go into the list.

    `momentum_buffers` holds one entry per parameter when momentum is on (None before the first
    step, which starts the buffer at the gradient) and may be empty otherwise. `workspace`
    holds the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, momentum, dampening, weight_decay = map(float, (lr, momentum, dampening, weight_decay))
    if workspace is None:
        workspace = Workspace()
    if momentum == 0 and weight_decay == 0 and not maximize:  # plain SGD, the common case
        for param, grad in zip(params, grads):
            _add_scaled_(param, grad, -lr, workspace)
        return
    for i, (param, grad) in enumerate(zip(params, grads)):
        buffer = None
        started = False  # a buffer starts at the gradient as it is
        if momentum != 0:
            buffer = momentum_buffers[i]
            if buffer is None:
                buffer = momentum_buffers[i] = np.empty_like(param)
                started = True
        for p, g, buf, tmp, work in workspace.pieces((param, grad, buffer), 2):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp)
            if buf is not None:
                if started:
                    np.copyto(buf, g)
                else:
                    np.multiply(buf, momentum, buf)
                    add_scaled(buf, g, 1 - dampening, buf, tmp)
                g = add_scaled(g, buf, momentum, work, tmp) if nesterov else buf
            add_scaled(p, g, -lr, p, tmp)


def _add_scaled_(param: np.ndarray, grad: np.ndarray, alpha: Any, workspace: Workspace) -> None:
    """``param += alpha * grad`` in place (``param.add_(grad, alpha=alpha)``), the whole update
    of plain SGD; `alpha` a Python float or a 0-d array of the parameter's dtype."""
    if param.nbytes <= SMALL_BYTES and param.ndim:  # as `pieces` would: no scratch
        add_scaled(param, grad, alpha, param, None)
        return
    for p, g, tmp in workspace.pieces((param, grad), 1):
        add_scaled(p, g, alpha, p, tmp)
