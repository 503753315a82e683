"""The rules around the dispatch: operators with an ndarray on the left, out= / where= / dtype=,
the error for NumPy functions without a gradient rule, PyTorch's rule for np.asarray and
numpy(), and a test that every dispatched name is covered by the op tests."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import retrograd as rg
from retrograd.tensor import numpy_protocol

HERE = Path(__file__).parent


def _leaf(values: list[float]) -> rg.Tensor:
    return rg.tensor(np.array(values), requires_grad=True)


@pytest.mark.parametrize(
    "op",
    [
        lambda a, t: a + t,
        lambda a, t: a - t,
        lambda a, t: a * t,
        lambda a, t: a / t,
        lambda a, t: a**t,
        lambda a, t: a @ t,
    ],
)
def test_ndarray_on_the_left_gives_the_reflected_operator(op: object) -> None:
    """`ndarray op t` now reaches `__array_ufunc__`; it must equal `t.__rop__(ndarray)`."""
    a = np.array([0.5, 1.5, 2.0])
    t, u = _leaf([1.0, 2.0, 3.0]), _leaf([1.0, 2.0, 3.0])
    out = op(a, t)  # type: ignore[operator]
    expected = op(rg.tensor(a), u)  # type: ignore[operator]
    assert isinstance(out, rg.Tensor) and out.requires_grad
    np.testing.assert_array_equal(out.array, expected.array)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(t.grad.array, u.grad.array)


def test_ndarray_comparisons_and_float32_promotion() -> None:
    a = np.array([1.0, 2.0, 3.0])
    t = rg.tensor([2.0, 2.0, 2.0])
    assert (a < t).tolist() == [True, False, False]
    assert (a >= t).tolist() == [False, True, True]
    assert (a == t).tolist() == [False, True, False]
    assert (np.float64(2.0) * t).dtype == np.float32  # a NumPy scalar acts as a Python scalar
    assert (a + t).dtype == np.float64  # a float64 array promotes, as a float64 tensor would


def test_in_place_ndarray_update_refuses_a_graph_but_takes_a_constant() -> None:
    a = np.zeros(3)
    with pytest.raises(rg.GraphError, match="np.add.*out=ndarray"):
        a += _leaf([1.0, 2.0, 3.0])
    a += rg.tensor([1.0, 2.0, 3.0], dtype=rg.float64)
    np.testing.assert_array_equal(a, [1.0, 2.0, 3.0])


def test_out_tensor_takes_over_the_graph() -> None:
    x = _leaf([1.0, -2.0])
    out = rg.zeros(2, dtype=rg.float64)
    result = np.multiply(x, 3.0, out=out)
    assert result is out and out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.array, [3.0, 3.0])
    total = rg.zeros((), dtype=rg.float64)
    np.sum(x, out=total)
    assert total.item() == -1.0


def test_where_keyword_keeps_the_old_values_of_out() -> None:
    x = _leaf([1.0, 2.0, 3.0])
    out = rg.tensor([9.0, 9.0, 9.0], dtype=rg.float64)
    np.exp(x, out=out, where=np.array([True, False, True]))
    np.testing.assert_allclose(out.array, [np.e, 9.0, np.e**3])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.array, [np.e, 0.0, np.e**3])


def test_dtype_keyword_casts_inside_the_graph() -> None:
    x = rg.tensor([1.0, 2.0], requires_grad=True)  # float32
    y = np.multiply(x, x, dtype=np.float64)
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.array, [2.0, 4.0])
    assert np.sum(x, dtype=np.float64).dtype == np.float64
    assert np.mean(rg.tensor([1, 2])).dtype == np.float64  # NumPy's mean of integers


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda t: np.sort(t), "np.sort"),
        (lambda t: np.cbrt(t), "np.cbrt"),
        (lambda t: np.median(t), "np.median"),
        (lambda t: np.cumprod(t), "np.cumprod"),
        (lambda t: np.multiply.outer(t, t), "np.multiply.outer"),
        (lambda t: np.linalg.norm(t.reshape(2, 2), ord=2), "np.linalg.norm"),
        (lambda t: np.max(t, initial=0.0), "np.max"),
    ],
)
def test_no_gradient_rule_is_an_error_naming_the_function(call: object, name: str) -> None:
    t = _leaf([3.0, 1.0, 2.0, 4.0])
    with pytest.raises(rg.GraphError) as error:
        call(t)  # type: ignore[operator]
    message = str(error.value)
    assert message.startswith(f"{name} has no gradient rule")
    assert ".detach()" in message


def test_without_a_gradient_undispatched_functions_compute_on_arrays() -> None:
    t = _leaf([3.0, 1.0, 2.0])
    np.testing.assert_array_equal(np.sort(t.detach()), [1.0, 2.0, 3.0])
    with rg.no_grad():
        assert isinstance(np.sort(t), np.ndarray)  # what NumPy returns for a function
        cbrt = np.cbrt(t)
    assert isinstance(cbrt, rg.Tensor) and not cbrt.requires_grad  # ufuncs come back wrapped
    assert np.median(rg.tensor([1.0, 5.0, 2.0])) == 2.0


def test_functions_whose_results_carry_no_gradient_take_graph_tensors() -> None:
    t = _leaf([3.0, 1.0, 2.0])
    assert np.argmax(t) == 0 and np.shape(t) == (3,) and np.ndim(t) == 1
    assert np.zeros_like(t).shape == (3,) and np.allclose(t, [3.0, 1.0, 2.0])
    assert np.argsort(t).tolist() == [1, 2, 0]


def test_asarray_and_numpy_follow_pytorch() -> None:
    t = _leaf([1.0, 2.0])
    for convert in (np.asarray, np.array, lambda x: x.numpy()):
        with pytest.raises(rg.GraphError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
            convert(t)
    assert t.detach().numpy() is t.array
    assert t.numpy(force=True) is t.array
    with rg.no_grad():
        assert np.asarray(t) is t.array and t.numpy() is t.array
    plain = rg.tensor([1.0, 2.0])
    assert np.asarray(plain) is plain.array


def test_other_array_libraries_are_left_to_decide() -> None:
    class Other:
        def __array_ufunc__(self, *args: object, **kwargs: object) -> str:
            return "other"

    assert np.add(rg.tensor([1.0]), Other()) == "other"


# ---------------------------------------------------------------------- coverage of the table
def test_every_dispatched_name_has_an_op_test() -> None:
    text = (HERE / "test_ufuncs.py").read_text() + (HERE / "test_functions.py").read_text()
    missing = []
    for name in numpy_protocol.dispatched_names():
        short = name.removeprefix("np.")
        spelled = re.search(rf"np\.{re.escape(short)}\b", text) or f'"{short}"' in text
        if not spelled:
            missing.append(name)
    assert not missing, f"dispatched but not tested: {missing}"


def test_the_guide_lists_exactly_the_dispatched_names() -> None:
    guide = (HERE.parents[1] / "docs" / "guides" / "numpy-backprop.md").read_text()
    block = guide.split("<!-- dispatch-table -->")[1]
    listed = re.findall(r"`(np\.[\w.]+)`", block)
    assert listed == numpy_protocol.dispatched_names()
