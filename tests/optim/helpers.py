"""Train the same small network with retrograd and with PyTorch, and compare the parameters.

The network is ``tanh(x @ w1 + b1) @ w2 + b2`` with a mean squared error, written with Tensor
operators in both libraries, in float64. An optimizer is named by its class name and keyword
arguments, which the two libraries share; `groups` turns the parameter list into param groups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import retrograd as rg
from retrograd import optim

GroupsFn = Callable[[list[Any]], Any]

# rtol 1e-8 leaves room for the last-bit differences of fused multiply-adds in PyTorch's kernels
# over 50 steps; a wrong update rule misses by many orders of magnitude more.
RTOL = 1e-8
ATOL = 1e-10
# From the same weights and gradients only the update arithmetic can differ.
SAME_INPUTS_RTOL = 1e-12
SAME_INPUTS_ATOL = 1e-14  # weights are of order 1
MODE_IDS = ["own-gradients", "same-inputs"]


def all_params(params: list[Any]) -> Any:
    """The whole parameter list as one group."""
    return params


def two_groups(params: list[Any]) -> Any:
    """First layer and second layer in separate groups, the second with its own lr."""
    return [{"params": params[:2]}, {"params": params[2:], "lr": 0.03}]


def initial_values(seed: int = 0) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Data ``x: (16, 3)``, targets ``y: (16, 2)`` and the weights ``[w1, b1, w2, b2]``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 3))
    y = rng.standard_normal((16, 2))
    weights = [
        rng.standard_normal((3, 5)) * 0.5,
        rng.standard_normal(5) * 0.1,
        rng.standard_normal((5, 2)) * 0.5,
        rng.standard_normal(2) * 0.1,
    ]
    return x, y, weights


def mlp_loss(x: Any, y: Any, params: list[Any]) -> Any:
    """The mean squared error of the network; the same code runs on both libraries."""
    w1, b1, w2, b2 = params
    return ((((x @ w1 + b1).tanh()) @ w2 + b2 - y) ** 2).mean()


def assert_same_trajectory(
    name: str,
    kwargs: dict[str, Any],
    steps: int = 50,
    groups: GroupsFn = all_params,
    seed: int = 0,
    same_inputs: bool = False,
) -> None:
    """Train with both libraries' optimizer `name`; fail at the first step where they part.

    Each library computes its own gradients, unless `same_inputs`, which hands PyTorch copies of
    retrograd's weights and gradients before every step: that tests the update rule alone, to a
    tighter tolerance, even where extreme hyperparameters (say beta2 = 0) magnify last-bit
    differences (between the two autograds, or fed back through the weights) without bound.
    """
    x_values, y_values, weights = initial_values(seed)
    x, y = rg.tensor(x_values), rg.tensor(y_values)
    ours = [rg.tensor(w.copy(), requires_grad=True) for w in weights]
    our_optimizer = getattr(optim, name)(groups(ours), **kwargs)
    torch_x, torch_y = torch.tensor(x_values), torch.tensor(y_values)
    theirs = [torch.tensor(w.copy(), requires_grad=True) for w in weights]
    # foreach=False: the single-tensor code path, the reference retrograd follows.
    their_optimizer = getattr(torch.optim, name)(groups(theirs), foreach=False, **kwargs)
    rtol, atol = (SAME_INPUTS_RTOL, SAME_INPUTS_ATOL) if same_inputs else (RTOL, ATOL)

    for step in range(1, steps + 1):
        our_optimizer.zero_grad()
        mlp_loss(x, y, ours).backward()
        their_optimizer.zero_grad()
        if same_inputs:
            for p, q in zip(ours, theirs):
                with torch.no_grad():
                    q.copy_(torch.from_numpy(p.array))
                q.grad = torch.tensor(p.grad.array.copy())
        else:
            mlp_loss(torch_x, torch_y, theirs).backward()
        our_optimizer.step()
        their_optimizer.step()
        for index, (p, q) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(
                p.array,
                q.detach().numpy(),
                rtol=rtol,
                atol=atol,
                err_msg=f"{name}({kwargs}): parameter {index} differs after step {step}",
            )
    moved = np.abs(ours[0].array - weights[0]).max()
    assert moved > 1e-4, f"{name}({kwargs}) barely moved the weights; the test would prove little"


def to_numpy(value: Any) -> Any:
    """A torch state dict with its tensors as NumPy arrays (nested lists and dicts too)."""
    if isinstance(value, torch.Tensor):
        return value.detach().numpy().copy()
    if isinstance(value, dict):
        return {key: to_numpy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy(item) for item in value)
    return value


def to_torch(value: Any) -> Any:
    """A retrograd state dict with its arrays as torch tensors (nested lists and dicts too)."""
    if isinstance(value, np.ndarray):
        return torch.tensor(value)
    if isinstance(value, dict):
        return {key: to_torch(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_torch(item) for item in value]
    return value
