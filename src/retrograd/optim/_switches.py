"""PyTorch's implementation switches: `foreach`, `capturable` and `differentiable`.

They choose among PyTorch kernels that compute the same update; retrograd has one NumPy
implementation, so `foreach` and `capturable` are accepted, kept in the parameter groups (state
dicts then carry them both ways) and change nothing. `differentiable=True` asks for a step that
autograd records, which retrograd's in-place array updates cannot give, so it is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from retrograd.optim.optimizer import OptimizerError


def check_switches(options: dict[str, Any]) -> None:
    """Raise OptimizerError for a switch value PyTorch refuses or retrograd cannot honour."""
    foreach = options.get("foreach")
    if foreach is not None and not isinstance(foreach, (bool, np.bool_)):
        raise OptimizerError(f"foreach must be None, True or False, got {foreach!r}")
    for key in ("capturable", "differentiable"):
        if not isinstance(options.get(key, False), (bool, np.bool_)):
            raise OptimizerError(f"{key} must be True or False, got {options[key]!r}")
    if options.get("differentiable", False):
        raise OptimizerError(
            "differentiable=True is not supported: retrograd updates the parameters' arrays in "
            "place, outside autograd, so no gradient can flow through an optimizer step"
        )
