"""Adam: gradient steps scaled by running estimates of the gradient's first and second moments."""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim._inplace import CHUNK_BYTES, Workspace, addcdiv_, addcmul, decayed_grad, lerp_
from retrograd.optim.optimizer import (
    Optimizer,
    ParamsT,
    increment_step,
    new_step_counter,
)
from retrograd.tensor import Tensor


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``.

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate. Default: 0.001.
        betas: decay rates of the running averages of the gradient and of its square. Default: (0.9,
            0.999).
        eps: term added to the denominator for numerical stability. Default: 1e-08.
        weight_decay: L2 penalty added to the gradient (or, with `decoupled_weight_decay`,
            applied to the weights directly, as `AdamW` does). Default: 0.
        amsgrad: use the AMSGrad variant (normalize by the largest second moment seen so far).
            Default: False.
        maximize: maximize the objective instead of minimizing it. Default: False.
        decoupled_weight_decay: decay the weights directly instead of through the gradient. Default:
            False.
        foreach: None (the default) or True update the group's small parameters packed into
            flat arrays (3 NumPy calls a parameter instead of 13; the same values bit for bit);
            `foreach=False` updates each parameter with `adam`, the reference.
        fused: as `foreach`: None (the default) or True update the small parameters packed
            into flat arrays.
        capturable: accepted, no effect.
        differentiable: must be False (a step is not recorded by autograd).

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
        foreach: bool | None = None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused: bool | None = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "foreach": foreach,
            "maximize": maximize,
            "capturable": capturable,
            "differentiable": differentiable,
            "fused": fused,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        self._packed: dict[int, _Packed | None] = {}  # by id(group): its small parameters
        super().__init__(params, defaults)

    checked = ("lr", "eps", "betas", "weight_decay")
    zeroed_state = ("exp_avg", "exp_avg_sq")

    def _init_state(self, state: dict[str, Any], param: Tensor, group: dict[str, Any]) -> None:
        super()._init_state(state, param, group)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param.array)

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        amsgrad = group["amsgrad"]
        beta1, beta2 = group["betas"]
        options = {
            "lr": group["lr"],
            "beta1": beta1,
            "beta2": beta2,
            "eps": group["eps"],
            "weight_decay": group["weight_decay"],
            "amsgrad": amsgrad,
            "maximize": group["maximize"],
            "decoupled_weight_decay": group["decoupled_weight_decay"],
        }
        packed = None  # foreach=False: the reference, one `adam` call a parameter
        # (parameters on a GPU take the reference: the packed buffers are host memory)
        if (group.get("foreach") is not False or group.get("fused")) and (
            type(params[0].array) is np.ndarray
        ):
            if id(group) not in self._packed:  # the group's first packed step
                self._packed[id(group)] = self._pack_new_params(group, params, grads)
            packed = self._packed[id(group)]
        if packed is not None:
            taken = packed.take(group, params, grads, self.state)
            if taken is not None:
                params, grads, packed_grads = taken
                packed.update(packed_grads, self.state, self._workspace, options)
        if not params:
            return
        states = self._states(group, params)
        adam(
            [p.array for p in params],
            grads,
            [s["exp_avg"] for s in states],
            [s["exp_avg_sq"] for s in states],
            [s["max_exp_avg_sq"] for s in states] if amsgrad else [],
            [s["step"] for s in states],
            workspace=self._workspace,
            **options,
        )

    def _pack_new_params(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> _Packed | None:
        """Packed state for the group's small parameters that have no state yet, when there
        are at least two of them (of one float dtype, their gradients alike)."""
        chosen: list[Tensor] = []
        dtype, room = None, 0
        for p, grad in zip(params, grads):
            data = p.array
            if len(self.state[p]) or data.dtype.kind != "f" or grad.dtype != data.dtype:
                continue
            if dtype is None:
                dtype, room = data.dtype, CHUNK_BYTES // data.dtype.itemsize
            if data.dtype == dtype and grad.shape == data.shape and data.size <= room:
                chosen.append(p)
                room -= data.size
        if len(chosen) < 2:
            return None
        packed = _Packed(group, chosen, group["amsgrad"])
        for p, state in zip(chosen, packed.initial_states()):
            self.state[p].update(state)
        return packed

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore saved state (as `Optimizer.load_state_dict`); packed state is given up."""
        super().load_state_dict(state_dict)
        self._packed.clear()


class _Packed:
    """Small parameters of one group, updated as one: their moments live in flat arrays (their
    state entries are views of them), and a step gathers the parameters and gradients into
    flat arrays, runs `adam` once on those and writes the parameters back. On small arrays
    NumPy's cost per call, not the arithmetic, sets the time: this makes 3 calls a parameter
    instead of 13. Any change it cannot follow (a parameter without a gradient, replaced or
    deep-copied state, another shape or dtype) sends the step back to `adam` per parameter."""

    def __init__(self, group: dict[str, Any], params: list[Tensor], amsgrad: bool) -> None:
        self.group = group
        self.params = params
        self.ids = {id(p) for p in params}
        dtype = params[0].array.dtype
        shapes = [p.array.shape for p in params]
        stops = np.cumsum([p.array.size for p in params]).tolist()
        starts = [0, *stops[:-1]]

        def flat_and_views(fill: float | None) -> tuple[np.ndarray, list[np.ndarray]]:
            flat = np.empty(stops[-1], dtype) if fill is None else np.full(stops[-1], fill, dtype)
            views = [flat[a:b].reshape(shape) for a, b, shape in zip(starts, stops, shapes)]
            return flat, views

        self.param, self.param_views = flat_and_views(None)
        self.grad, self.grad_views = flat_and_views(None)
        self.exp_avg, self.exp_avg_views = flat_and_views(0.0)
        self.exp_avg_sq, self.exp_avg_sq_views = flat_and_views(0.0)
        self.max_exp_avg_sq: np.ndarray | None = None
        self.max_exp_avg_sq_views: list[np.ndarray] = []
        if amsgrad:
            self.max_exp_avg_sq, self.max_exp_avg_sq_views = flat_and_views(0.0)
        self.step = new_step_counter()
        # (state key, flat array, views) of each moment
        moments = [("exp_avg", self.exp_avg, self.exp_avg_views)]
        moments.append(("exp_avg_sq", self.exp_avg_sq, self.exp_avg_sq_views))
        if self.max_exp_avg_sq is not None:
            moments.append(("max_exp_avg_sq", self.max_exp_avg_sq, self.max_exp_avg_sq_views))
        self.state_views = [(key, views) for key, _, views in moments]
        self.flats = [(flat, views) for _, flat, views in moments]

    def initial_states(self) -> list[dict[str, Any]]:
        """Each parameter's state: its own step counter, views of the packed moments."""
        states = []
        for i in range(len(self.params)):
            state = {
                "step": new_step_counter(),
                "exp_avg": self.exp_avg_views[i],
                "exp_avg_sq": self.exp_avg_sq_views[i],
            }
            if self.max_exp_avg_sq is not None:
                state["max_exp_avg_sq"] = self.max_exp_avg_sq_views[i]
            states.append(state)
        return states

    def take(
        self,
        group: dict[str, Any],
        params: list[Tensor],
        grads: list[np.ndarray],
        state: dict[Tensor, dict[str, Any]],
    ) -> tuple[list[Tensor], list[np.ndarray], list[np.ndarray]] | None:
        """(the other parameters, their gradients, the packed parameters' gradients) when this
        step can update the packed parameters as one, else None."""
        if group is not self.group or group["amsgrad"] != (self.max_exp_avg_sq is not None):
            return None
        for flat, views in self.flats:
            if views[0].base is not flat:  # deep-copied: the views are arrays of their own
                return None
        packed_params = self.params
        packed_grads: list[np.ndarray] = []
        rest: list[Tensor] = []
        rest_grads: list[np.ndarray] = []
        for p, grad in zip(params, grads):
            if id(p) not in self.ids:
                rest.append(p)
                rest_grads.append(grad)
            elif len(packed_grads) < len(packed_params) and p is packed_params[len(packed_grads)]:
                packed_grads.append(grad)
            else:
                return None
        if len(packed_grads) != len(packed_params):  # some have no gradient
            return None
        step = None
        for i, (p, grad, view) in enumerate(zip(packed_params, packed_grads, self.param_views)):
            data, p_state = p.array, state.get(p)
            if p_state is None:
                return None
            for key, views in self.state_views:
                if p_state.get(key) is not views[i]:
                    return None
            shape, dtype = view.shape, view.dtype
            if data.shape != shape or grad.shape != shape:
                return None
            if data.dtype != dtype or grad.dtype != dtype:
                return None
            count = float(p_state["step"])
            if count != step and step is not None:
                return None
            step = count
        return rest, rest_grads, packed_grads

    def update(
        self,
        grads: list[np.ndarray],
        state: dict[Tensor, dict[str, Any]],
        workspace: Workspace,
        options: dict[str, Any],
    ) -> None:
        """One Adam step of every packed parameter (all have a gradient, `take` said so)."""
        for p, view in zip(self.params, self.param_views):
            view[...] = p.array  # `take` checked shapes and dtypes
        for grad, view in zip(grads, self.grad_views):
            view[...] = grad
        steps = [state[p]["step"] for p in self.params]
        self.step[()] = float(steps[0])
        adam(
            [self.param],
            [self.grad],
            [self.exp_avg],
            [self.exp_avg_sq],
            [] if self.max_exp_avg_sq is None else [self.max_exp_avg_sq],
            [self.step],
            workspace=workspace,
            **options,
        )
        for counter in steps:
            counter[()] = float(self.step)
        for p, view in zip(self.params, self.param_views):
            p.array[...] = view


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
    workspace: Workspace | None = None,
) -> None:
    """One Adam (or AdamW) step on NumPy arrays; params, moments and step counts change in place.

    `max_exp_avg_sqs` is used only with amsgrad (it may be empty otherwise). `workspace` holds
    the scratch arrays (the optimizer's own, reused from step to step).
    """
    lr, beta1, beta2, eps, weight_decay = map(float, (lr, beta1, beta2, eps, weight_decay))
    if workspace is None:
        workspace = Workspace()
    decoupled_lr = lr if decoupled_weight_decay else None
    for i, (param, grad) in enumerate(zip(params, grads)):
        step = increment_step(steps[i])
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5

        arrays = (param, grad, exp_avgs[i], exp_avg_sqs[i], max_exp_avg_sqs[i] if amsgrad else None)
        for p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, denom, tmp, work in workspace.pieces(
            arrays, 3
        ):
            g = decayed_grad(g, p, maximize, weight_decay, work, tmp, decoupled_lr)

            lerp_(exp_avg, g, 1 - beta1, tmp)
            np.multiply(exp_avg_sq, beta2, exp_avg_sq)
            addcmul(exp_avg_sq, g, g, 1 - beta2, exp_avg_sq, tmp)

            if amsgrad:
                np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                denom = np.sqrt(max_exp_avg_sq, denom)
            else:
                denom = np.sqrt(exp_avg_sq, denom)
            np.divide(denom, bias_correction2_sqrt, denom)
            np.add(denom, eps, denom)

            addcdiv_(p, exp_avg, denom, -step_size, tmp)
