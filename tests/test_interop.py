"""Array interop: NumPy functions take Tensors (`__array__`), and DLPack shares memory both ways
with NumPy and PyTorch CPU tensors (`Tensor.__dlpack__`, `retrograd.from_dlpack`)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd.interop import from_dlpack


def test_numpy_functions_take_tensors() -> None:
    t = rg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert np.asarray(t) is t.array  # no copy
    assert np.asarray(t, dtype=np.float64).dtype == np.float64
    assert float(np.mean(t)) == pytest.approx(2.5)  # a 0-d Tensor: np.mean dispatches
    np.testing.assert_array_equal(np.concatenate([t, t]), np.concatenate([t.array, t.array]))
    np.testing.assert_array_equal(np.stack([t, t], axis=-1).shape, (2, 2, 2))
    np.testing.assert_allclose(np.linalg.norm(t, axis=1), [np.sqrt(5), 5.0])
    np.testing.assert_array_equal(np.where(np.asarray(t) > 2, t, 0), [[0, 0], [3, 4]])
    assert np.array(t, copy=True) is not t.array


def test_numpy_views_a_tensor_through_dlpack() -> None:
    t = rg.arange(6).reshape(2, 3).float()
    view = np.from_dlpack(t)
    assert view.shape == (2, 3) and view.dtype == np.float32
    view[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    assert t.__dlpack_device__() == (1, 0)


def test_from_dlpack_views_a_numpy_array() -> None:
    array = np.arange(4, dtype=np.float64)
    t = from_dlpack(array)
    assert isinstance(t, rg.Tensor) and t.dtype == np.float64 and not t.requires_grad
    array[1] = -1.0
    assert t[1].item() == -1.0
    t.array[2] = 7.0
    assert array[2] == 7.0


def test_torch_views_a_tensor_and_sees_its_writes() -> None:
    t = rg.tensor([[1.0, 2.0], [3.0, 4.0]])
    shared = torch.from_dlpack(t)
    assert shared.dtype == torch.float32 and tuple(shared.shape) == (2, 2)
    t.array[0, 1] = 20.0  # a write in retrograd ...
    assert shared[0, 1].item() == 20.0
    shared[1, 0] = 30.0  # ... and one in torch
    assert t[1, 0].item() == 30.0
    with rg.no_grad():
        t.mul_(2)  # an in-place op writes into the same buffer
    assert shared.tolist() == [[2.0, 40.0], [60.0, 8.0]]


def test_retrograd_views_a_torch_tensor_and_sees_its_writes() -> None:
    source = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = from_dlpack(source)
    assert t.shape == (2, 3) and t.dtype == np.float32
    source[1, 2] = 100.0
    assert t[1, 2].item() == 100.0
    t.array[0, 0] = -5.0
    assert source[0, 0].item() == -5.0
    # and the shared tensor computes like any other, with gradients
    w = rg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (t * w).sum().backward()
    np.testing.assert_allclose(w.grad.array, source.sum(dim=0).numpy())


def test_integer_and_strided_tensors_round_trip() -> None:
    ints = torch.arange(12, dtype=torch.int64).reshape(3, 4)[:, ::2]  # a strided view
    t = from_dlpack(ints)
    assert t.dtype == np.int64 and t.tolist() == ints.tolist()
    back = torch.from_dlpack(from_dlpack(np.arange(5, dtype=np.int32)))
    assert back.dtype == torch.int32 and back.tolist() == [0, 1, 2, 3, 4]


def test_a_tensor_that_requires_grad_is_not_exported() -> None:
    w = rg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(rg.GraphError, match=r"use tensor.detach\(\)"):
        torch.from_dlpack(w)
    shared = torch.from_dlpack(w.detach())  # detach shares the memory
    shared[0] = 9.0
    assert w[0].item() == 9.0


def test_from_dlpack_refuses_objects_without_dlpack() -> None:
    with pytest.raises(TypeError, match="__dlpack__"):
        from_dlpack([1.0, 2.0])
