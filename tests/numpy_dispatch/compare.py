"""One NumPy expression run three ways: on retrograd tensors through NumPy's dispatch, as the same
expression written with retrograd's own ops, and on PyTorch (plus finite differences)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import retrograd as rg
from helpers import check


def compare(
    np_fn: Callable[..., Any],
    rg_fn: Callable[..., Any],
    torch_fn: Callable[..., Any],
    *arrays: np.ndarray,
    grad: bool = True,
    seed: int = 0,
    device: bool = True,
) -> None:
    """`np_fn` on retrograd tensors against `torch_fn` on PyTorch (forward, backward with a random
    upstream gradient, finite differences) and against `rg_fn`, the retrograd-op spelling of the
    same expression (same values and gradients to the last bit). `device=False`: no rerun on the
    emulated GPU (for an expression that mixes in a host array on purpose)."""
    check(np_fn, *arrays, torch_fn=torch_fn, grad=grad, seed=seed, device=device)
    floats = [a.dtype.kind == "f" for a in arrays]
    dispatched = [rg.tensor(a, requires_grad=grad and f) for a, f in zip(arrays, floats)]
    own = [rg.tensor(a, requires_grad=grad and f) for a, f in zip(arrays, floats)]
    out, expected = np_fn(*dispatched), rg_fn(*own)
    assert isinstance(out, rg.Tensor), f"NumPy returned {type(out).__name__}, not a Tensor"
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out.array, expected.array)
    assert out.requires_grad == expected.requires_grad
    if not out.requires_grad:
        return
    upstream = np.random.default_rng(seed + 7).standard_normal(out.shape)
    out.backward(rg.tensor(upstream))
    expected.backward(rg.tensor(upstream))
    for i, (a, b) in enumerate(zip(dispatched, own)):
        if floats[i]:
            assert a.grad is not None, f"input {i} got no gradient through NumPy"
            np.testing.assert_array_equal(a.grad.array, b.grad.array, err_msg=f"input {i}")
