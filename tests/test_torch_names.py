"""Small PyTorch behaviours scripts rely on: f-string formats of a loss, NumPy scalars keeping
their dtype, `inference_mode`, `Generator` objects, `flatten_parameters`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg


@pytest.mark.parametrize("value", [1.23456, -0.5, 3])
@pytest.mark.parametrize("spec", [".2f", ".4f", ">8", "e", ""])
def test_format_of_a_0d_tensor_matches_torch(value: float, spec: str) -> None:
    if spec == "":
        assert format(rg.tensor(value), spec) == str(rg.tensor(value))
        return
    assert format(rg.tensor(value), spec) == format(torch.tensor(value), spec)


def test_format_spec_on_a_vector_is_refused_like_torch() -> None:
    with pytest.raises(TypeError, match="unsupported format string"):
        format(rg.ones(2), ".2f")


@pytest.mark.parametrize("kind", [np.float64, np.float32, np.float16, np.int32, np.int64, np.bool_])
def test_a_numpy_scalar_keeps_its_dtype(kind: type) -> None:
    value = kind(1)
    assert str(rg.tensor(value).dtype) == str(torch.tensor(value).dtype).removeprefix("torch.")


def test_inference_mode_turns_recording_off_as_context_and_decorator() -> None:
    x = rg.ones(2, requires_grad=True)
    with rg.inference_mode():
        assert not (x * 2).requires_grad
    with rg.inference_mode(False):
        assert (x * 2).requires_grad

    @rg.inference_mode()
    def infer(t: rg.Tensor) -> rg.Tensor:
        return t * 2

    assert not infer(x).requires_grad
    assert rg.is_grad_enabled()


def test_generator_objects_seed_their_own_stream() -> None:
    g = rg.Generator().manual_seed(7)
    first = rg.rand(4, generator=g)
    assert g.initial_seed() == 7 and g.device == "cpu"
    g.manual_seed(7)
    np.testing.assert_array_equal(rg.rand(4, generator=g).data, first.data)
    state = g.get_state()
    a = rg.randn(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(rg.randn(3, generator=g).data, a.data)
    loader = rg.utils.data.DataLoader(
        rg.utils.data.TensorDataset(rg.arange(10)), batch_size=5, shuffle=True, generator=g
    )
    assert sorted(sum((b[0].tolist() for b in loader), [])) == list(range(10))
    with pytest.raises(rg.InvalidArgumentError, match="'cuda' is not available"):
        rg.Generator(device="cuda")


def test_flatten_parameters_is_accepted() -> None:
    for layer in (rg.nn.LSTM(2, 3), rg.nn.GRU(2, 3), rg.nn.RNN(2, 3)):
        layer.flatten_parameters()
