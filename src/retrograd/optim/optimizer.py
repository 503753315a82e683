"""`Optimizer`: parameter groups, per-parameter state and state dicts shared by every optimizer.

A subclass validates its hyperparameters in `_validate_options` and updates one parameter group
in `_update_group`, which gathers NumPy arrays and calls the optimizer's plain update function
with the optimizer's `Workspace` (scratch arrays reused from step to step).
"""

from __future__ import annotations

import copy
import math
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from retrograd.autograd import enable_grad
from retrograd.autograd.tracing import trace_state
from retrograd.backend.arrays import is_device_array, is_host, to_device, to_host
from retrograd.errors import RetrogradError, StateDictError
from retrograd.optim._inplace import Workspace
from retrograd.tensor import Tensor

_UNORDERED_MESSAGE = (
    "optimizer parameters need to be organized in ordered collections, but the ordering of "
    "tensors in sets will change between runs. Please use a list instead."
)

#: the options LR schedulers add to parameter groups (all numbers), which state dicts carry
_SCHEDULER_OPTIONS = {
    "initial_lr": 0.0,
    "max_lr": 0.0,
    "min_lr": 0.0,
    "base_momentum": 0.0,
    "max_momentum": 0.0,
}

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]


class OptimizerError(RetrogradError, ValueError):
    """Invalid optimizer arguments: a hyperparameter, a parameter list or a parameter group."""


class OptimizerTypeError(RetrogradError, TypeError):
    """Something other than Tensors (or dicts of them) given as parameters."""


class OptimizerStateDictError(StateDictError, ValueError):
    """An optimizer state dict that does not fit the optimizer's parameter groups."""


class Optimizer:
    """Base class of optimizers: holds parameter groups and per-parameter state.

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts with a
            ``"params"`` entry and per-group options that override `defaults`.
        defaults: the options a group gets when it does not set them.
    """

    defaults: dict[str, Any]
    param_groups: list[dict[str, Any]]
    state: defaultdict[Tensor, dict[str, Any]]
    _workspace: Workspace

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self._validate_options(defaults)
        self.defaults = defaults
        self.state = defaultdict(dict)
        self._workspace = Workspace()
        self.param_groups = []
        if isinstance(params, Tensor):
            raise OptimizerTypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}; wrap a single Tensor in a list"
            )
        if isinstance(params, (set, frozenset)):
            raise OptimizerTypeError(_UNORDERED_MESSAGE)
        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise OptimizerError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    #: the options `_validate_options` checks with PyTorch's rules and messages, in order
    checked: tuple[str, ...] = ()

    def _validate_options(self, options: dict[str, Any]) -> None:
        """Raise OptimizerError for an invalid hyperparameter in `options` (a group or defaults):
        each of `checked` by `check_options`, and PyTorch's implementation switches; an
        optimizer with more rules adds them after."""
        check_options(options, self.checked)
        check_switches(options)

    def _update_group(
        self, group: dict[str, Any], params: list[Tensor], grads: list[np.ndarray]
    ) -> None:
        """Update `params`, the parameters of `group` that have a gradient (at least one), with
        `grads`, the arrays of their gradients."""
        raise NotImplementedError

    #: the state arrays `_init_state` starts as zeros like the parameter's array, after ``step``
    zeroed_state: tuple[str, ...] = ()

    def _init_state(self, state: dict[str, Any], param: Tensor, group: dict[str, Any]) -> None:
        """Fill `state`, the empty state of `param` (of `group`), before its first update: a
        ``step`` counter, then each of `zeroed_state`; an optimizer with other state adds or
        makes it here."""
        state["step"] = new_step_counter()
        for key in self.zeroed_state:
            state[key] = np.zeros_like(param.array)

    def _states(self, group: dict[str, Any], params: list[Tensor]) -> list[dict[str, Any]]:
        """The state of each of `params` (of `group`), filled by `_init_state` where empty."""
        states = []
        for param in params:
            state = self.state[param]
            if len(state) == 0:
                self._init_state(state, param, group)
            states.append(state)
        return states

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with options that override `defaults`, to optimize."""
        if not isinstance(param_group, dict):
            raise OptimizerTypeError(
                f"param_group must be a dict, but got {type(param_group).__name__}"
            )
        group = dict(param_group)
        group_index = len(self.param_groups)
        params = group.get("params")
        if params is None:
            raise OptimizerError(f"parameter group {group_index} has no 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise OptimizerTypeError(_UNORDERED_MESSAGE)
        params = list(params)

        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise OptimizerError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            params = [p[1] for p in params]
            group["param_names"] = names

        for index, param in enumerate(params):
            where = f"parameter {index} of parameter group {group_index}"
            if not isinstance(param, Tensor):
                raise OptimizerTypeError(
                    f"optimizer can only optimize Tensors, but {where} is {type(param).__name__}"
                )
            if not param.requires_grad:
                raise OptimizerError(
                    f"{where} (shape {tuple(param.shape)}) does not require grad, so the optimizer "
                    "could never update it; pass only trainable parameters, e.g. "
                    "[p for p in model.parameters() if p.requires_grad]"
                )
            if not param.is_leaf:
                raise OptimizerError(
                    f"can't optimize a non-leaf Tensor: {where} is the result of an operation; "
                    "optimize the leaf tensors it was computed from"
                )
        group["params"] = params

        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._validate_options(group)

        seen: dict[int, int] = {}
        for index, param in enumerate(params):
            if id(param) in seen:
                raise OptimizerError(
                    f"parameter group {group_index} contains the same parameter twice "
                    f"(positions {seen[id(param)]} and {index})"
                )
            seen[id(param)] = index
        for other_index, other in enumerate(self.param_groups):
            if any(id(p) in seen for p in other["params"]):
                raise OptimizerError(
                    "some parameters appear in more than one parameter group "
                    f"(groups {other_index} and {group_index})"
                )
            if ("param_names" in other) != ("param_names" in group):
                raise OptimizerError(
                    "all optimizer param groups should be with/without names; parameter group "
                    f"{group_index} is {'with' if 'param_names' in group else 'without'} names "
                    f"but group {other_index} is not"
                )
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: set them to None, or (``set_to_none=False``) zero them in place."""
        if trace_state.tracer is not None:  # a step being captured by retrograd.compile
            trace_state.tracer.record_call(self._zero_grad, (set_to_none,))
        self._zero_grad(set_to_none)

    def _zero_grad(self, set_to_none: bool) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad.array.fill(0)

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; return the closure's loss, if given.

        `closure` re-evaluates the model and returns the loss; it runs with gradients enabled.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if trace_state.tracer is not None:  # a step being captured by retrograd.compile
            if closure is not None:
                trace_state.tracer.record_escape("optimizer.step(closure)")
            trace_state.tracer.record_call(self._update_all, ())
        self._update_all()
        return loss

    def _update_all(self) -> None:
        for group in self.param_groups:
            self._update_params(group)

    def _update_params(self, group: dict[str, Any]) -> None:
        """Update the parameters of `group` that have a gradient."""
        params = [p for p in group["params"] if p.grad is not None]
        if params:
            self._update_group(group, params, [p.grad.array for p in params])
        for param in params:
            # The arrays changed in place; graphs that saved them must notice, as after
            # any in-place op (backward through them then raises).
            param._version += 1

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout, as deep copies.

        ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``, where
        parameters are numbered in group order, as PyTorch numbers them.
        """
        indices: dict[int, int] = {}
        param_groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for param in group["params"]:
                indices.setdefault(id(param), len(indices))
                packed["params"].append(indices[id(param)])
            param_groups.append(packed)
        state = {
            indices[id(param)]: copy.deepcopy(param_state)
            for param, param_state in self.state.items()
        }
        return {"state": state, "param_groups": param_groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by `state_dict` into an optimizer over parameters of the same shapes.

        Arrays are copied (cast to each parameter's dtype), so the saved dict stays untouched.
        """
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise OptimizerStateDictError(f"optimizer state dict has no {key!r} entry")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise OptimizerStateDictError(
                f"loaded state dict has {len(saved_groups)} parameter groups, but the optimizer "
                f"has {len(self.param_groups)}"
            )
        for index, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise OptimizerStateDictError(
                    f"parameter group {index} of the loaded state dict has "
                    f"{len(saved['params'])} parameters, but the optimizer's has "
                    f"{len(group['params'])}"
                )

        params_by_index: dict[Any, Tensor] = {}
        for group, saved in zip(self.param_groups, saved_groups):
            for param, saved_index in zip(group["params"], saved["params"]):
                params_by_index[saved_index] = param

        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for saved_index, saved_state in state_dict["state"].items():
            if saved_index not in params_by_index:
                raise OptimizerStateDictError(
                    f"loaded state dict has state for parameter {saved_index!r}, which no "
                    "parameter group lists"
                )
            param = params_by_index[saved_index]
            state[param] = {
                key: _copy_state_value(param, saved_index, key, value)
                for key, value in saved_state.items()
            }

        new_groups = []
        for index, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            new_group = {k: v for k, v in group.items() if k not in ("params", "param_names")}
            new_group.update(self._loaded_options(index, group, saved))
            if "param_names" in saved:
                new_group["param_names"] = copy.deepcopy(saved["param_names"])
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            new_groups.append(new_group)

        self.state = state
        self.param_groups = new_groups

    def _loaded_options(
        self, index: int, group: dict[str, Any], saved: dict[str, Any]
    ) -> dict[str, Any]:
        """The hyperparameters of saved group `index`, checked before any is used: each must
        be an option of this optimizer (a key of `defaults`, or one an LR scheduler adds) with a
        value of its default's type (a number for a number, a bool for a flag, a pair of
        numbers for `betas`) that passes the optimizer's own checks. Loading a flag that differs
        from the optimizer's (say `maximize`) warns, naming it: the loaded value is used, as in
        PyTorch.

        Raises:
            OptimizerStateDictError: naming the group and the option.
        """
        name = type(self).__name__
        where = f"parameter group {index} of the loaded state dict"
        options = {}
        for key, value in saved.items():
            if key in ("params", "param_names"):
                continue
            known = {**_SCHEDULER_OPTIONS, **group, **self.defaults}
            if key not in known:
                raise OptimizerStateDictError(
                    f"{where} has the option {key!r:.60}, which {name} does not have (its "
                    f"options: {', '.join(self.defaults)})"
                )
            options[key] = _checked_option(value, known[key], f"{where}: option {key!r}")
        candidate = {**group, **options}
        try:
            self._validate_options(candidate)
        except (OptimizerError, TypeError) as error:
            raise OptimizerStateDictError(f"{where}: {error}") from None
        for key, value in options.items():
            if isinstance(self.defaults.get(key), bool) and value != group.get(key):
                warnings.warn(
                    f"{name}.load_state_dict: {where} sets {key}={value!r}, but the optimizer "
                    f"was built with {key}={group.get(key)!r}; the loaded value is used",
                    UserWarning,
                    stacklevel=3,
                )
        return options

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for index, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {index}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _copy_state_value(param: Tensor, index: Any, key: str, value: Any) -> Any:
    """Deep-copy one saved state entry; arrays take the parameter's dtype and must fit its shape."""
    if key == "step":
        # `step` is a counter, kept in its own dtype like PyTorch's (never cast to the param's).
        return np.array(np.asarray(value), copy=True)
    if isinstance(value, np.ndarray) or is_device_array(value):
        if value.shape != tuple(param.shape):
            raise OptimizerStateDictError(
                f"state {key!r} of parameter {index!r} has shape {value.shape}, but the "
                f"parameter has shape {tuple(param.shape)}"
            )
        if not is_host(param.array):  # the state lives on its parameter's device
            return to_device(value, param.device).astype(param.array.dtype, copy=True)
        return np.array(to_host(value), dtype=param.array.dtype, copy=True)
    return copy.deepcopy(value)


def new_step_counter() -> np.ndarray:
    """A fresh step count: a 0-d float32 array updated in place, like PyTorch's `step` tensor."""
    return np.zeros((), dtype=np.float32)


def increment_step(counter: np.ndarray) -> float:
    """Add one to a step counter in place, in its own dtype (PyTorch's ``step_t += 1``), and
    return the new count. Python arithmetic: a NumPy ufunc on a 0-d array costs microseconds."""
    counter[()] = float(counter) + 1.0
    return float(counter)


def _is_number(value: Any) -> bool:
    """A finite int or float (not a bool: True is no learning rate)."""
    return (
        isinstance(value, (int, float, np.integer, np.floating))
        and not isinstance(value, (bool, np.bool_))
        and math.isfinite(value)
    )


def _checked_option(value: Any, default: Any, where: str) -> Any:
    """`value`, a hyperparameter loaded from a state dict, if it has the type of `default`."""
    if isinstance(default, bool):
        if not isinstance(value, (bool, np.bool_)):
            raise OptimizerStateDictError(f"{where} must be True or False, got {value!r:.60}")
        return bool(value)
    if isinstance(default, (int, float)):
        if not _is_number(value):
            raise OptimizerStateDictError(f"{where} must be a finite number, got {value!r:.60}")
        return value.item() if isinstance(value, np.generic) else value
    if isinstance(default, (tuple, list)):
        if not (
            isinstance(value, (tuple, list))
            and len(value) == len(default)
            and all(_is_number(item) for item in value)
        ):
            raise OptimizerStateDictError(
                f"{where} must be {len(default)} finite numbers, got {value!r:.60}"
            )
        return type(default)(float(item) for item in value)
    if default is None or isinstance(default, str):
        if value is not None and not isinstance(value, (str, bool, int, float)):
            raise OptimizerStateDictError(f"{where} has a value of type {type(value).__name__}")
        return value
    return copy.deepcopy(value)


#: option -> (its largest valid value, or None; the words of PyTorch's message)
_LIMITS: dict[str, tuple[float | None, str]] = {
    "lr": (None, "learning rate"),
    "eps": (None, "epsilon value"),
    "weight_decay": (None, "weight_decay value"),
    "momentum": (None, "momentum value"),
    "alpha": (None, "alpha value"),
    "rho": (1.0, "rho value"),
    "lr_decay": (None, "lr_decay value"),
    "initial_accumulator_value": (None, "initial_accumulator_value value"),
    "momentum_decay": (None, "momentum_decay value"),
}


def check_options(options: dict[str, Any], names: tuple[str, ...]) -> None:
    """PyTorch's checks of common hyperparameters: each of `names` at least 0 (`rho` at most
    1), `betas` a pair in [0, 1). NaN fails every check."""
    for name in names:
        value = options[name]
        if name == "betas":
            if len(value) != 2:
                raise OptimizerError(f"betas must be a pair of floats, got {value!r}")
            for index, beta in enumerate(value):
                if not 0.0 <= beta < 1.0:
                    raise OptimizerError(f"Invalid beta parameter at index {index}: {beta}")
            continue
        upper, words = _LIMITS[name]
        if not (0.0 <= value and (upper is None or value <= upper)):
            raise OptimizerError(f"Invalid {words}: {value}")


def check_switches(options: dict[str, Any]) -> None:
    """PyTorch's implementation switches `foreach`, `fused`, `capturable`, `differentiable`.

    They choose among kernels that compute the same update. retrograd keeps them in the
    parameter groups (state dicts carry them both ways); `foreach`/`fused` select a packed
    variant where an optimizer has one (Adam, AdamW) and change nothing elsewhere.
    `differentiable=True` asks for a step autograd records, which in-place array updates cannot
    give, so it is refused.
    """
    for key in ("foreach", "fused"):
        value = options.get(key)
        if value is not None and not isinstance(value, (bool, np.bool_)):
            raise OptimizerError(f"{key} must be None, True or False, got {value!r}")
    for key in ("capturable", "differentiable"):
        if not isinstance(options.get(key, False), (bool, np.bool_)):
            raise OptimizerError(f"{key} must be True or False, got {options[key]!r}")
    if options.get("fused") and options.get("foreach"):
        raise OptimizerError("`fused` and `foreach` cannot be `True` together.")
    if options.get("differentiable", False):
        raise OptimizerError(
            "differentiable=True is not supported: retrograd updates the parameters' arrays in "
            "place, outside autograd, so no gradient can flow through an optimizer step"
        )
