"""Scalar optimizer state (NAdam's ``mu_product``, ASGD's ``eta`` and ``mu``): 0-d arrays in the
dtype PyTorch keeps them in, and their place in state dicts.

`Optimizer.load_state_dict` checks that saved arrays have their parameter's shape, which a 0-d
entry does not; `load_with_scalar_state` takes those entries aside, checks them itself and puts
them back after the rest has loaded. They keep their saved dtype (PyTorch casts them to the
parameter's), so a resumed run continues exactly as the uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from retrograd.backend import default_float_dtype
from retrograd.optim.optimizer import Optimizer, OptimizerStateDictError


def scalar_state(value: float) -> np.ndarray:
    """A 0-d array holding `value` in the dtype PyTorch keeps scalar optimizer state in (float64
    when the default dtype is float64, else float32); its rounding is part of the update."""
    dtype = np.float64 if default_float_dtype() == np.float64 else np.float32
    return np.array(value, dtype=dtype)


def load_with_scalar_state(
    optimizer: Optimizer,
    state_dict: dict[str, Any],
    keys: tuple[str, ...],
    load: Callable[[dict[str, Any]], None],
) -> None:
    """Load `state_dict` into `optimizer` with `load` (`Optimizer.load_state_dict`), the scalar
    state entries named by `keys` aside: each must be a single float; it becomes a 0-d array."""
    saved_state = state_dict.get("state")
    if not isinstance(saved_state, dict):
        load(state_dict)  # which names what is wrong
        return
    kept: dict[Any, Any] = {}
    scalars: dict[Any, dict[str, np.ndarray]] = {}
    for index, entries in saved_state.items():
        if not isinstance(entries, dict):
            kept[index] = entries
            continue
        kept[index] = {key: value for key, value in entries.items() if key not in keys}
        scalars[index] = {}
        for key in keys:
            if key not in entries:
                continue
            array = np.array(np.asarray(entries[key]), copy=True)
            if array.size != 1 or array.dtype.kind != "f":
                raise OptimizerStateDictError(
                    f"state {key!r} of parameter {index!r} must be a single float, got an array "
                    f"of shape {array.shape} and dtype {array.dtype}"
                )
            scalars[index][key] = array.reshape(())
    load({**state_dict, "state": kept})
    params_by_index: dict[Any, Any] = {}
    for group, saved in zip(optimizer.param_groups, state_dict["param_groups"]):
        params_by_index.update(zip(saved["params"], group["params"]))
    for index, entries in scalars.items():
        optimizer.state[params_by_index[index]].update(entries)
