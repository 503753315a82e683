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
    np.testing.assert_array_equal(rg.rand(4, generator=g).array, first.array)
    state = g.get_state()
    a = rg.randn(3, generator=g)
    g.set_state(state)
    np.testing.assert_array_equal(rg.randn(3, generator=g).array, a.array)
    loader = rg.utils.data.DataLoader(
        rg.utils.data.TensorDataset(rg.arange(10)), batch_size=5, shuffle=True, generator=g
    )
    assert sorted(sum((b[0].tolist() for b in loader), [])) == list(range(10))
    with pytest.raises(rg.InvalidArgumentError, match="'cuda' is not available"):
        rg.Generator(device="cuda")


def test_flatten_parameters_is_accepted() -> None:
    for layer in (rg.nn.LSTM(2, 3), rg.nn.GRU(2, 3), rg.nn.RNN(2, 3)):
        layer.flatten_parameters()


IN_PLACE = [
    "abs_",
    "neg_",
    "sqrt_",
    "exp_",
    "log_",
    "sigmoid_",
    "tanh_",
    "relu_",
    "floor_",
    "ceil_",
    "sign_",
    "square_",
    "reciprocal_",
]


@pytest.mark.parametrize("name", IN_PLACE)
def test_in_place_elementwise_methods_match_torch(name: str) -> None:
    values = np.array([0.25, 1.5, 3.0, 0.75])
    ours, theirs = rg.tensor(values), torch.tensor(values)
    assert getattr(ours, name)() is ours
    getattr(theirs, name)()
    np.testing.assert_allclose(ours.array, theirs.numpy(), rtol=1e-12)


def test_in_place_methods_in_the_graph_give_torchs_gradient() -> None:
    values = np.array([0.25, 1.5, 3.0])
    x, tx = rg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    h, th = x * 2, tx * 2
    h.abs_().pow_(2).addcmul_(x, x, value=0.5)
    th.abs_().pow_(2).addcmul_(tx, tx, value=0.5)
    h.sum().backward()
    th.sum().backward()
    np.testing.assert_allclose(h.array, th.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.array, tx.grad.numpy(), rtol=1e-12)


def test_addmm_matches_torch_forward_and_backward() -> None:
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    ours = [rg.tensor(v, requires_grad=True) for v in (a, b, c)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (a, b, c)]
    ours[2].addmm(ours[0], ours[1], beta=0.5, alpha=2.0).sum().backward()
    theirs[2].addmm(theirs[0], theirs[1], beta=0.5, alpha=2.0).sum().backward()
    for o, t in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(o.grad.array, t.grad.numpy(), rtol=1e-12)


def test_random_fills_and_draws() -> None:
    g = rg.Generator().manual_seed(1)
    coins = rg.zeros(1000).bernoulli_(0.3, generator=g)
    assert set(np.unique(coins.array)) <= {0.0, 1.0} and 0.2 < coins.array.mean() < 0.4
    ints = rg.zeros(500, dtype=rg.int64).random_(3, 7, generator=g)
    assert ints.array.min() >= 3 and ints.array.max() <= 6
    assert (rg.zeros(100).exponential_(generator=g).array > 0).all()
    draws = rg.bernoulli(rg.full((200,), 0.5), generator=g)
    assert set(np.unique(draws.array)) <= {0.0, 1.0}
    assert rg.normal(rg.zeros(3), rg.ones(3), generator=g).shape == (3,)
    assert rg.normal(2.0, 0.5, (4, 2), generator=g).shape == (4, 2)


def test_top_level_spellings() -> None:
    assert rg.is_tensor(rg.ones(1)) and not rg.is_tensor(np.ones(1))
    assert rg.LongTensor([1, 2]).dtype == "int64"
    assert rg.FloatTensor(2, 3).shape == (2, 3) and rg.FloatTensor(2, 3).dtype == "float32"
    assert rg.Size([2, 3]) == (2, 3) and rg.Size([2, 3]).numel() == 6
    assert rg.tensor([1, 2], dtype=rg.uint8).dtype == "uint8"
    assert rg.empty_like(rg.ones(2, 3)).shape == (2, 3)
    assert rg.numel(rg.ones(2, 3)) == 6 and rg.is_floating_point(rg.ones(1))
    rg.manual_seed(11)
    assert rg.initial_seed() == 11
    assert rg.seed() == rg.initial_seed()
    rg.use_deterministic_algorithms(True)
    assert rg.are_deterministic_algorithms_enabled()
    rg.use_deterministic_algorithms(False)
    t = rg.ones(2)
    assert t.is_contiguous() and t.ndimension() == 1 and t.element_size() == 4
    assert rg.nn.Linear(2, 2).type(rg.float64).weight.dtype == "float64"


def test_a_0d_result_of_arithmetic_can_be_changed_in_place() -> None:
    t = rg.tensor([1.0, 2.0])
    total = t[0] + 1
    total += 2
    assert total.item() == 4.0
    total.clamp_(0, 1)
    assert total.item() == 1.0
