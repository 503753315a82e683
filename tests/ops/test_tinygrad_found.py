"""Gaps that running tinygrad's op test suite against retrograd found (benchmarks/tinygrad_ops.py),
each compared with PyTorch forward and backward."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
import retrograd.nn.functional as F
from helpers import check
from retrograd.errors import InvalidArgumentError, ShapeError, UnsupportedError

INT_DTYPES = ["bool", "uint8", "int8", "int32", "int64"]


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "logcumsumexp"])
def test_cumulative_ops_take_axis(name: str) -> None:
    check(lambda a: getattr(a, name)(axis=1), (3, 4), torch_fn=lambda a: getattr(a, name)(1))


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_running_extremes_take_axis(name: str) -> None:
    check(
        lambda a: getattr(a, name)(axis=0).values,
        (4, 3),
        torch_fn=lambda a: getattr(a, name)(0).values,
    )


def test_std_mean_takes_axis_and_keepdims() -> None:
    check(
        lambda a: a.std_mean(axis=1, keepdims=True),
        (3, 5),
        torch_fn=lambda a: torch.std_mean(a, 1, keepdim=True),
    )


def test_axis_and_dim_together_is_refused() -> None:
    with pytest.raises(TypeError):
        rg.ones(2, 3).cumsum(1, axis=1)


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_sums_and_products_are_int64(dtype: str) -> None:
    arr = np.arange(6).reshape(2, 3) % 3 + 1
    ours = rg.tensor(arr).to(getattr(rg, dtype))
    theirs = torch.tensor(arr).to(getattr(torch, dtype))
    for fn in (
        lambda t: t.sum(),
        lambda t: t.prod(1),
        lambda t: t.cumsum(0),
        lambda t: t.cumprod(1),
    ):
        o, t = fn(ours), fn(theirs)
        assert str(o.dtype) == str(t.dtype).removeprefix("torch."), (dtype, o.dtype, t.dtype)
        np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_sum_prod_cumsum_keep_a_requested_dtype() -> None:
    a = rg.ones(2, 3, dtype=rg.int32)
    t = torch.ones(2, 3, dtype=torch.int32)
    assert a.sum(dtype=rg.int32).dtype == t.sum(dtype=torch.int32).numpy().dtype
    assert a.prod(1, dtype=rg.int32).dtype == np.int32
    assert a.cumsum(1, dtype=rg.int32).dtype == np.int32
    assert a.cumprod(1, dtype=rg.int32).dtype == np.int32


def test_prod_with_dtype_forward_and_backward() -> None:
    check(
        lambda a: a.prod(1, dtype=rg.float64),
        (3, 4),
        torch_fn=lambda a: a.prod(1, dtype=torch.float64),
    )


def test_cumsum_with_dtype_forward_and_backward() -> None:
    # float32 accumulation: finite differences in float64 cannot see it, PyTorch can
    check(
        lambda a: a.cumsum(0, dtype=rg.float32),
        (4, 3),
        torch_fn=lambda a: a.cumsum(0, dtype=torch.float32),
        fd=False,
        rtol=1e-5,
        atol=1e-5,
    )


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("dtype", ["bool", "int32", "uint8"])
def test_triangles_keep_integer_and_bool_dtypes(name: str, dtype: str) -> None:
    arr = np.arange(9).reshape(3, 3) % 2
    o = getattr(rg.tensor(arr).to(getattr(rg, dtype)), name)()
    t = getattr(torch.tensor(arr).to(getattr(torch, dtype)), name)()
    assert o.numpy().dtype == t.numpy().dtype
    np.testing.assert_array_equal(o.numpy(), t.numpy())


@pytest.mark.parametrize("name", ["tril", "triu"])
def test_triangles_forward_and_backward(name: str) -> None:
    check(lambda a: getattr(a, name)(1), (2, 3, 4))


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("float32", "int32"),
        ("float32", "float16"),
        ("float64", "int32"),
        ("bool", "uint8"),
        ("int32", "float32"),
    ],
)
def test_view_dtype_reinterprets_bytes(src: str, dst: str) -> None:
    arr = (
        np.random.default_rng(0).standard_normal((3, 4)) > 0
        if src == "bool"
        else np.random.default_rng(0).standard_normal((3, 4))
    )
    o = rg.tensor(arr).to(getattr(rg, src)).view(getattr(rg, dst))
    t = torch.tensor(arr).to(getattr(torch, src)).view(getattr(torch, dst))
    assert o.shape == tuple(t.shape)
    np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_view_dtype_keeps_zero_dim_and_refuses_a_misfit() -> None:
    assert rg.tensor(1.5).view(rg.int32).shape == ()
    with pytest.raises(ShapeError):
        rg.ones(3, dtype=rg.float32).view(rg.float64)


def test_movedim_forward_and_backward() -> None:
    check(lambda a: a.movedim(-1, 1), (2, 3, 4))
    check(lambda a: a.movedim((0, 1), (2, 0)), (2, 3, 4))
    check(lambda a: rg.movedim(a, 0, -1), (2, 3, 4), torch_fn=lambda a: torch.movedim(a, 0, -1))
    check(lambda a: a.moveaxis(2, 0), (2, 3, 4))


def test_einsum_of_a_scalar_backward() -> None:
    check(lambda a: rg.einsum("->", a), np.array(1.5), torch_fn=lambda a: torch.einsum("->", a))
    check(lambda a: rg.einsum("i->", a), (4,), torch_fn=lambda a: torch.einsum("i->", a))


def test_gqa_attention_forward_and_backward() -> None:
    check(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
        (2, 4, 3, 5),
        (2, 2, 3, 5),
        (2, 2, 3, 5),
        torch_fn=lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(
            q, k, v, enable_gqa=True
        ),
    )
    with pytest.raises(ShapeError):
        F.scaled_dot_product_attention(
            rg.ones(1, 3, 2, 4), rg.ones(1, 2, 2, 4), rg.ones(1, 2, 2, 4), enable_gqa=True
        )


def test_errors_are_retrograd_errors() -> None:
    with pytest.raises(InvalidArgumentError):
        rg.tensor([2, 3]) ** -1
    with pytest.raises(InvalidArgumentError):
        rg.tensor([2, 3]) ** rg.tensor([1, -1])
    with pytest.raises(InvalidArgumentError):
        rg.ones(3, 4).flip((0, 0))
    with pytest.raises(InvalidArgumentError):
        rg.einsum("...ik..., ...jk ->", rg.ones(2, 3, 4), rg.ones(2, 3, 4))
    with pytest.raises(UnsupportedError):
        rg.linspace(5, 10, 3, dtype=rg.bool)
    with pytest.raises(InvalidArgumentError):
        rg.linspace(1, 2, -1)


def test_int_pow_with_non_negative_exponents_still_works() -> None:
    np.testing.assert_array_equal(
        (rg.tensor([2, 3]) ** 2).numpy(), (torch.tensor([2, 3]) ** 2).numpy()
    )
    np.testing.assert_array_equal((rg.tensor([2, 3]) ** rg.tensor([0, 3])).numpy(), [1, 27])
