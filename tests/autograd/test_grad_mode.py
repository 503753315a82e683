"""no_grad / enable_grad / set_grad_enabled, detach and requires_grad propagation."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg


def test_no_grad_context():
    x = rg.ones(2, requires_grad=True)
    with rg.no_grad():
        y = x * 2
        assert not rg.is_grad_enabled()
    assert rg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None


def test_no_grad_decorator_and_nesting():
    x = rg.ones(2, requires_grad=True)

    @rg.no_grad()
    def frozen(t):
        with rg.enable_grad():
            inner = t * 2
        return t * 2, inner

    outer, inner = frozen(x)
    assert not outer.requires_grad and inner.requires_grad
    with rg.no_grad():
        with rg.no_grad():
            pass
        assert not rg.is_grad_enabled()
        with rg.enable_grad():
            assert rg.is_grad_enabled()
            assert (x * 2).requires_grad
        assert not rg.is_grad_enabled()
    assert rg.is_grad_enabled()


def test_enable_grad_decorator():
    @rg.enable_grad()
    def grows(t):
        return t * 2

    with rg.no_grad():
        assert grows(rg.ones(2, requires_grad=True)).requires_grad


def test_set_grad_enabled():
    with rg.set_grad_enabled(False):
        assert not rg.is_grad_enabled()
    assert rg.is_grad_enabled()


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ValueError), rg.no_grad():
        raise ValueError
    assert rg.is_grad_enabled()


def test_detach():
    x = rg.ones(2, requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None and d.is_leaf
    np.testing.assert_array_equal(d.array, [2.0, 2.0])
    y = (x * d).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.array, [2.0, 2.0])


def test_requires_grad_propagation():
    a = rg.ones(2, requires_grad=True)
    b = rg.ones(2)
    assert (a + b).requires_grad and (b + a).requires_grad
    assert not (b * 2).requires_grad
    assert (a * b).grad_fn is not None and (a * b).is_leaf is False
    assert a.is_leaf and b.is_leaf
    assert rg.where(rg.tensor([True, False]), b, a).requires_grad
    assert rg.cat([b, a]).requires_grad
    assert not (a > 0).requires_grad
    assert not a.argmax().requires_grad


def test_requires_grad_switch():
    b = rg.ones(2)
    assert b.requires_grad_() is b and b.requires_grad
    b.requires_grad_(False)
    assert not b.requires_grad


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_tensors_cannot_require_grad(dtype):
    with pytest.raises(rg.DTypeError):
        rg.zeros(2, dtype=dtype, requires_grad=True)
    with pytest.raises(rg.DTypeError):
        rg.tensor([1, 2], dtype=dtype).requires_grad_()
    with pytest.raises(rg.DTypeError):
        rg.tensor([1, 0], dtype=dtype, requires_grad=True)
