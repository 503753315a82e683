"""nn.Linear, Identity, Flatten and Unflatten against PyTorch; Linear's init and error messages."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import retrograd as rg
from retrograd import DTypeError, ShapeError, nn

from .torch_modules import assert_close, compare_modules, copy_to_torch

batch_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)


@settings(max_examples=30)
@given(
    batch=batch_shapes,
    n_in=st.integers(1, 5),
    n_out=st.integers(1, 5),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_matches_torch(
    batch: tuple[int, ...], n_in: int, n_out: int, bias: bool, seed: int
) -> None:
    ours = nn.Linear(n_in, n_out, bias=bias, dtype="float64", generator=np.random.default_rng(seed))
    theirs = torch.nn.Linear(n_in, n_out, bias=bias)
    copy_to_torch(ours, theirs)
    x = np.random.default_rng(seed + 1).standard_normal((*batch, n_in))
    compare_modules(ours, theirs, x, seed=seed)


def test_torch_weights_load_into_ours() -> None:
    theirs = torch.nn.Linear(3, 2).double()
    ours = nn.Linear(3, 2, dtype="float64")
    ours.load_state_dict(theirs.state_dict())
    compare_modules(ours, theirs, np.random.default_rng(0).standard_normal((4, 3)))


def test_shapes_and_dtype_of_parameters() -> None:
    layer = nn.Linear(3, 8)
    assert layer.weight.shape == (8, 3) and layer.bias.shape == (8,)
    assert layer.weight.dtype == np.float32 and layer.weight.requires_grad
    assert isinstance(layer.weight, nn.Parameter)
    assert nn.Linear(3, 8, dtype="float64").weight.dtype == np.float64
    no_bias = nn.Linear(3, 8, bias=False)
    assert no_bias.bias is None
    assert list(no_bias.state_dict()) == ["weight"]


def test_default_init_bounds_and_spread() -> None:
    layer = nn.Linear(400, 300, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(400)
    weight, bias = layer.weight.array, layer.bias.array
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    # uniform on [-b, b]: std b / sqrt(3), and the draws fill the interval
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert np.abs(weight).max() > 0.99 * bound
    assert abs(weight.mean()) < 0.01 * bound


def test_init_is_seeded() -> None:
    rg.manual_seed(3)
    first = nn.Linear(4, 2).weight.array.copy()
    rg.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 2).weight.array, first)
    a = nn.Linear(4, 2, generator=np.random.default_rng(7)).state_dict()
    b = nn.Linear(4, 2, generator=np.random.default_rng(7)).state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key].array, b[key].array)


def test_reset_parameters_draws_new_values_in_place() -> None:
    layer = nn.Linear(5, 5)
    weight = layer.weight
    before = weight.array.copy()
    layer.reset_parameters()
    assert layer.weight is weight and not np.array_equal(weight.array, before)


def test_wrong_input_width_names_layer_and_widths() -> None:
    layer = nn.Linear(3, 8)
    message = (
        "Linear(in_features=3, out_features=8, bias=True) expects input with 3 features "
        "(last dimension), got shape (4, 5)"
    )
    with pytest.raises(ShapeError) as error:
        layer(rg.zeros(4, 5))
    assert str(error.value) == message
    with pytest.raises(ShapeError, match=r"got shape \(\)"):
        layer(rg.tensor(1.0))


def test_float_dtype_mismatch_suggests_a_fix() -> None:
    with pytest.raises(
        DTypeError, match=r"float32 weights but got a float64 input.*model\.double\(\)"
    ):
        nn.Linear(3, 2)(rg.zeros(1, 3, dtype="float64"))
    with pytest.raises(DTypeError, match=r"float64 weights but got a float32 input.*x\.double\(\)"):
        nn.Linear(3, 2, dtype="float64")(rg.zeros(1, 3))


def test_integer_input_is_cast_to_layer_dtype() -> None:
    layer = nn.Linear(2, 1)
    out = layer(rg.tensor([[1, 0]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.array, layer.weight.array[:, :1].T + layer.bias.array, rtol=1e-6)


def test_worked_example() -> None:
    layer = nn.Linear(2, 1, dtype="float64")
    layer.load_state_dict({"weight": np.array([[2.0, -1.0]]), "bias": np.array([0.5])})
    x = rg.tensor([[1.0, 3.0]], dtype="float64", requires_grad=True)
    out = layer(x)
    out.backward(rg.tensor([[2.0]], dtype="float64"))
    np.testing.assert_allclose(out.array, [[2 - 3 + 0.5]])
    np.testing.assert_allclose(layer.weight.grad.array, [[2.0, 6.0]])
    np.testing.assert_allclose(layer.bias.grad.array, [2.0])
    np.testing.assert_allclose(x.grad.array, [[4.0, -2.0]])


def test_repr_matches_torch() -> None:
    assert repr(nn.Linear(3, 8)) == repr(torch.nn.Linear(3, 8))
    assert repr(nn.Linear(3, 8, bias=False)) == repr(torch.nn.Linear(3, 8, bias=False))


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda lib: lib.nn.Identity(5, unused=True), (2, 3)),
        (lambda lib: lib.nn.Flatten(), (2, 3, 4)),
        (lambda lib: lib.nn.Flatten(0, 1), (2, 3, 4)),
        (lambda lib: lib.nn.Flatten(-2), (2, 3, 4, 1)),
        (lambda lib: lib.nn.Unflatten(1, (3, 4)), (2, 12)),
        (lambda lib: lib.nn.Unflatten(-1, (2, -1)), (2, 5, 6)),
    ],
)
def test_shape_layers_match_torch(make, shape: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    ours, theirs = make(rg), make(torch)
    assert repr(ours) == repr(theirs)
    compare_modules(ours, theirs, np.random.default_rng(0).standard_normal(shape))


def test_identity_returns_the_same_object() -> None:
    x = rg.zeros(2)
    assert nn.Identity()(x) is x


def test_float32_forward_close_to_torch() -> None:
    ours = nn.Linear(4, 3)
    theirs = torch.nn.Linear(4, 3)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    assert_close(ours(rg.tensor(x)).array, theirs(torch.tensor(x)).detach().numpy())


def _layout(array: np.ndarray, how: str) -> np.ndarray:
    """`array`'s values as a C-contiguous, F-contiguous or strided (not contiguous) array."""
    if how == "F":
        return np.asfortranarray(array)
    if how == "strided":
        wide = np.zeros((array.shape[0], 2 * array.shape[1]), dtype=array.dtype)
        wide[:, ::2] = array
        return wide[:, ::2]
    return np.ascontiguousarray(array)


@settings(max_examples=60)
@given(
    sizes=st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
    dtype=st.sampled_from([np.float32, np.float64]),
    layouts=st.tuples(*[st.sampled_from(["C", "F", "strided"])] * 3),
    seed=st.integers(0, 2**16),
)
def test_linear_op_products_equal_matmul_bit_for_bit(
    sizes: tuple[int, int, int], dtype: type, layouts: tuple[str, str, str], seed: int
) -> None:
    # 2-D products take np.dot where it makes matmul's BLAS call: the results must not change
    from retrograd.ops.matmul import Linear as LinearOp

    batch, n_in, n_out = sizes
    rng = np.random.default_rng(seed)
    x, weight, grad = (
        _layout(rng.standard_normal(shape).astype(dtype), how)
        for shape, how in zip([(batch, n_in), (n_out, n_in), (batch, n_out)], layouts)
    )
    bias = rng.standard_normal(n_out).astype(dtype)
    op = LinearOp()
    op.needs_input_grad = (True, True, True)
    out = op.forward(x, weight, bias)
    expected = np.matmul(x, weight.T)
    np.add(expected, bias, expected)
    np.testing.assert_array_equal(out, expected)
    grad_x, grad_w, grad_b = op.backward(grad)
    np.testing.assert_array_equal(grad_x, np.matmul(grad, weight))
    np.testing.assert_array_equal(grad_w, np.matmul(grad.T, x))
    np.testing.assert_array_equal(grad_b, np.add.reduce(grad, 0))


@pytest.mark.parametrize("how", ["F", "strided"])
def test_transposed_and_strided_inputs_match_torch(how: str) -> None:
    ours = nn.Linear(3, 4, dtype="float64", generator=np.random.default_rng(0))
    theirs = torch.nn.Linear(3, 4, dtype=torch.float64)
    copy_to_torch(ours, theirs)
    values = np.random.default_rng(1).standard_normal((5, 3))
    x = rg.from_numpy(_layout(values, how))
    x.requires_grad_(True)
    assert x.array.flags.c_contiguous is False  # the layout reaches the op
    their_x = torch.tensor(values, requires_grad=True)
    out, their_out = ours(x), theirs(their_x)
    assert_close(out, their_out)
    upstream = np.random.default_rng(2).standard_normal((5, 4))
    out.backward(upstream)
    their_out.backward(torch.from_numpy(upstream))
    assert_close(x.grad, their_x.grad)
    assert_close(ours.weight.grad, theirs.weight.grad)
    assert_close(ours.bias.grad, theirs.bias.grad)
