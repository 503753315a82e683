"""state_dict / load_state_dict: PyTorch's keys, exchange with torch both ways, in-place copies,
and error messages that list every missing, unexpected and mis-shaped key."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd import StateDictError, nn

from .torch_modules import compare_modules


def make(lib: Any) -> Any:
    """A nested model with a bias-free layer, written once for both libraries."""
    return lib.nn.Sequential(
        lib.nn.Linear(3, 5),
        lib.nn.ReLU(),
        lib.nn.Sequential(lib.nn.Linear(5, 4, bias=False), lib.nn.Tanh()),
        lib.nn.Linear(4, 2),
    )


def test_keys_and_shapes_match_torch() -> None:
    ours = make(rg).state_dict()
    theirs = make(torch).state_dict()
    assert list(ours) == list(theirs) == ["0.weight", "0.bias", "2.0.weight", "3.weight", "3.bias"]
    assert [v.shape for v in ours.values()] == [tuple(v.shape) for v in theirs.values()]


def test_torch_to_ours_and_ours_to_torch() -> None:
    x = np.random.default_rng(0).standard_normal((6, 3))
    theirs = make(torch).double()
    ours = make(rg).double()
    result = ours.load_state_dict(theirs.state_dict())  # torch tensors, as they come
    assert result.missing_keys == [] and result.unexpected_keys == []
    compare_modules(ours, theirs, x)

    ours, theirs = make(rg).double(), make(torch).double()
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in ours.state_dict().items()})
    compare_modules(ours, theirs, x)


def test_values_are_detached_views() -> None:
    model = nn.Linear(2, 2)
    state = model.state_dict()
    assert not state["weight"].requires_grad and state["weight"].grad_fn is None
    assert type(state["weight"]) is rg.Tensor
    state["weight"].array[0, 0] = 42.0
    assert model.weight.array[0, 0] == 42.0
    assert model.state_dict(keep_vars=True)["weight"] is model.weight


def test_load_copies_in_place_and_casts() -> None:
    model = nn.Linear(2, 1)  # float32
    weight, array = model.weight, model.weight.array
    model.load_state_dict({"weight": np.array([[1.0, 2.0]]), "bias": rg.tensor([3.0])})
    assert model.weight is weight and model.weight.array is array
    assert model.weight.dtype == np.float32 and model.weight.requires_grad
    np.testing.assert_array_equal(model.weight.array, [[1.0, 2.0]])
    source = np.array([[5.0, 6.0]])
    model.load_state_dict({"weight": source, "bias": np.array([0.0])})
    source[0, 0] = -1  # the model holds a copy, not the caller's array
    assert model.weight.array[0, 0] == 5.0


def test_buffers_round_trip_and_non_persistent_are_skipped() -> None:
    class WithBuffers(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", rg.zeros(3))
            self.register_buffer("cache", rg.zeros(3), persistent=False)

    model = WithBuffers()
    assert list(model.state_dict()) == ["mean"]
    model.load_state_dict({"mean": np.array([1.0, 2.0, 3.0])})
    np.testing.assert_array_equal(model.mean.array, [1.0, 2.0, 3.0])


def test_strict_errors_list_every_problem() -> None:
    model = make(rg)
    state = dict(make(rg).state_dict())
    del state["0.bias"], state["3.weight"]
    state["extra.weight"] = np.zeros(2)
    state["2.0.weight"] = np.zeros((4, 6))
    before = model.state_dict()["0.weight"].array.copy()
    with pytest.raises(StateDictError) as error:
        model.load_state_dict(state)
    assert str(error.value) == (
        "Error(s) in loading state_dict for Sequential:\n"
        '\tMissing key(s) in state_dict: "0.bias", "3.weight".\n'
        '\tUnexpected key(s) in state_dict: "extra.weight".\n'
        "\tsize mismatch for 2.0.weight: copying a param with shape (4, 6) from checkpoint, "
        "the shape in current model is (4, 5)."
    )
    assert isinstance(error.value, KeyError)
    # nothing was copied, not even the keys that were fine
    np.testing.assert_array_equal(model.state_dict()["0.weight"].array, before)


def test_non_strict_reports_keys_but_still_refuses_wrong_shapes() -> None:
    model = nn.Linear(2, 2)
    result = model.load_state_dict({"weight": np.ones((2, 2)), "other": np.ones(1)}, strict=False)
    assert result == (["bias"], ["other"])
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    np.testing.assert_array_equal(model.weight.array, np.ones((2, 2)))
    with pytest.raises(StateDictError, match=r"size mismatch for weight: .*shape \(3, 2\)"):
        model.load_state_dict({"weight": np.ones((3, 2))}, strict=False)


def test_rejects_values_that_are_not_arrays() -> None:
    with pytest.raises(StateDictError, match='parameter named "weight".*received str'):
        nn.Linear(1, 1).load_state_dict({"weight": "oops", "bias": np.zeros(1)})
    with pytest.raises(TypeError, match="dict-like"):
        nn.Linear(1, 1).load_state_dict([("weight", np.zeros((1, 1)))])  # type: ignore[arg-type]


def test_torch_strict_errors_for_the_same_problem_name_the_same_keys() -> None:
    ours, theirs = make(rg), make(torch)
    state = {k: v for k, v in theirs.state_dict().items() if k != "0.bias"}
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0.bias"'):
        theirs.load_state_dict(state)
    with pytest.raises(StateDictError, match='Missing key\\(s\\) in state_dict: "0.bias"'):
        ours.load_state_dict(state)
