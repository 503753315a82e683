"""F.linear against torch.nn.functional.linear, and its argument checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
import retrograd.nn.functional as F
from helpers import check, seeds, shapes
from retrograd import DTypeError, ShapeError
from retrograd.tensor import pad


@settings(max_examples=30)
@given(
    batch=shapes(min_dims=0, max_dims=3, max_side=3),
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    bias=st.booleans(),
    seed=seeds,
)
def test_matches_torch(
    batch: tuple[int, ...], sizes: tuple[int, int], bias: bool, seed: int
) -> None:
    n_in, n_out = sizes
    inputs = [(*batch, n_in), (n_out, n_in)] + ([(n_out,)] if bias else [])
    check(F.linear, *inputs, torch_fn=TF.linear, seed=seed)


def test_wrong_width() -> None:
    with pytest.raises(
        ShapeError,
        match=r"linear expects input with 3 features \(last dimension\), got shape \(2, 4\)",
    ):
        F.linear(rg.zeros(2, 4), rg.zeros(5, 3))


def test_wrong_bias_and_weight_shapes() -> None:
    with pytest.raises(
        ShapeError, match=r"bias of shape \(4,\) does not fit weight of shape \(5, 3\)"
    ):
        F.linear(rg.zeros(2, 3), rg.zeros(5, 3), rg.zeros(4))
    with pytest.raises(ShapeError, match=r"2-d weight"):
        F.linear(rg.zeros(2, 3), rg.zeros(3))


def test_float_dtype_mismatch_names_both_dtypes() -> None:
    with pytest.raises(DTypeError, match="float32 weights but got a float64 input.*x.float()"):
        F.linear(rg.zeros(2, 3, dtype="float64"), rg.zeros(5, 3))


def test_integer_input_is_cast() -> None:
    out = F.linear(rg.tensor([[1, 2]]), rg.ones(1, 2, dtype="float64"))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.array, [[3.0]])


def test_rejects_non_tensor() -> None:
    with pytest.raises(TypeError, match="linear: input must be a retrograd Tensor, got ndarray"):
        F.linear(np.zeros((2, 3)), rg.zeros(5, 3))


def test_pad_is_reexported() -> None:
    assert F.pad is pad
    out = F.pad(rg.ones(2, 2), (1, 0))
    assert out.shape == (2, 3)
