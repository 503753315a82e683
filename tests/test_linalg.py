"""`retrograd.linalg` against `torch.linalg` (values and gradients) and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg

CASES = {
    "inv": (rg.linalg.inv, torch.linalg.inv, 1),
    "det": (rg.linalg.det, torch.linalg.det, 1),
    "solve": (rg.linalg.solve, torch.linalg.solve, 2),
    "norm": (rg.linalg.norm, torch.linalg.norm, 1),
    "matrix_norm": (rg.linalg.matrix_norm, torch.linalg.matrix_norm, 1),
}


def well_conditioned(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    n = shape[-1]
    return rng.normal(size=shape) + 2 * n * np.eye(n)


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(sorted(CASES)), st.integers(1, 4), st.integers(0, 2), st.integers(0, 9999))
def test_matches_torch_forward_and_backward(name: str, n: int, batch: int, seed: int) -> None:
    ours_fn, torch_fn, arity = CASES[name]
    rng = np.random.default_rng(seed)
    shape = (batch, n, n) if batch else (n, n)
    args = [well_conditioned(rng, shape)]
    if arity == 2:
        args.append(rng.normal(size=shape[:-1] + (3,)))
    ours = [rg.tensor(a, requires_grad=True) for a in args]
    theirs = [torch.tensor(a, requires_grad=True) for a in args]
    out, tout = ours_fn(*ours), torch_fn(*theirs)
    np.testing.assert_allclose(out.array, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = rng.normal(size=tout.shape)
    (out * rg.tensor(upstream)).sum().backward()
    (tout * torch.tensor(upstream)).sum().backward()
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("name", ["inv", "det", "solve"])
def test_finite_differences(name: str) -> None:
    rng = np.random.default_rng(3)
    a = rg.tensor(well_conditioned(rng, (3, 3)), requires_grad=True)
    if name == "solve":
        b = rg.tensor(rng.normal(size=(3,)), requires_grad=True)
        assert rg.gradcheck(rg.linalg.solve, (a, b))
    else:
        assert rg.gradcheck(getattr(rg.linalg, name), (a,))


def test_vector_norm_and_errors() -> None:
    x = rg.tensor([[3.0, -4.0], [1.0, 0.0]])
    np.testing.assert_allclose(rg.linalg.vector_norm(x, 1, dim=-1).array, [7.0, 1.0])
    with pytest.raises(rg.ShapeError, match="square"):
        rg.linalg.inv(rg.ones(2, 3))
    with pytest.raises(rg.InvalidArgumentError, match="fro"):
        rg.linalg.matrix_norm(rg.ones(2, 2), ord="nuc")
