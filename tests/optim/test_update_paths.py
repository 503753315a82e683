"""Update paths the small-network trajectories do not reach, against torch.optim: parameters
larger than one scratch chunk (updated chunk by chunk), non-contiguous parameters, float32, and
Adam's packed small parameters when a gradient is missing, state is reloaded or copied, or a
parameter's array is replaced."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import optim
from retrograd.optim._inplace import CHUNK_BYTES

from .helpers import SAME_INPUTS_ATOL, SAME_INPUTS_RTOL

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "maximize": True}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.01, "betas": (0.6, 0.7)}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1, "maximize": True}),
]
IDS = [f"{name}{kwargs}" for name, kwargs in CASES]


def chunked_shape(dtype: Any) -> tuple[int, int]:
    """A shape of about 1.6 scratch chunks: one full chunk and a partial one."""
    elements = CHUNK_BYTES // np.dtype(dtype).itemsize * 8 // 5
    return (elements // 100, 100)


def train_side_by_side(
    name: str,
    kwargs: dict[str, Any],
    arrays: list[np.ndarray],
    steps: int = 6,
    seed: int = 0,
    missing: dict[int, int] | None = None,
    ours: list[rg.Tensor] | None = None,
    optimizer: Any = None,
) -> tuple[list[rg.Tensor], Any]:
    """Step retrograd's and torch's optimizer `name` with the same random gradients, handing
    torch our weights before each step; fail at the first step where they part.

    `missing` maps a step to a parameter that gets no gradient in it; `ours` and `optimizer`
    continue an earlier run.
    """
    rng = np.random.default_rng(seed)
    if ours is None:
        ours = [rg.tensor(a.copy(), requires_grad=True) for a in arrays]
    if optimizer is None:
        optimizer = getattr(optim, name)(ours, **kwargs)
    dtype = ours[0].array.dtype
    # float32: PyTorch fuses multiply-adds, so state carried over steps parts in the last bits
    rtol, atol = (SAME_INPUTS_RTOL, SAME_INPUTS_ATOL) if dtype == np.float64 else (1e-5, 1e-6)
    theirs = [torch.tensor(p.array.copy(), requires_grad=True) for p in ours]
    their_optimizer = getattr(torch.optim, name)(theirs, foreach=False, **kwargs)
    their_optimizer.load_state_dict(_torch_state(optimizer.state_dict()))
    for step in range(steps):
        optimizer.zero_grad()
        their_optimizer.zero_grad()
        for index, (p, q) in enumerate(zip(ours, theirs)):
            with torch.no_grad():
                q.copy_(torch.from_numpy(p.array.copy()))
            if (missing or {}).get(step) == index:
                continue
            grad = rng.standard_normal(p.shape).astype(dtype)
            p.grad = rg.tensor(grad)
            q.grad = torch.from_numpy(grad.copy())
        optimizer.step()
        their_optimizer.step()
        for index, (p, q) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(
                p.array,
                q.detach().numpy(),
                rtol=rtol,
                atol=atol,
                err_msg=f"{name}({kwargs}): parameter {index} differs after step {step}",
            )
    for index, (p, q) in enumerate(zip(ours, theirs)):
        for key, value in optimizer.state[p].items():
            np.testing.assert_allclose(
                value,
                their_optimizer.state[q][key].numpy(),
                rtol=rtol,
                atol=atol,
                err_msg=f"{name}({kwargs}): state {key!r} of parameter {index} differs",
            )
    return ours, optimizer


def _torch_state(state_dict: dict[str, Any]) -> dict[str, Any]:
    """Our state dict with tensors for torch (steps as float32 tensors, as torch keeps them)."""
    state = {
        index: {
            key: torch.tensor(np.asarray(value).copy(), dtype=torch.float32)
            if key == "step"
            else torch.from_numpy(np.asarray(value).copy())
            for key, value in entry.items()
        }
        for index, entry in state_dict["state"].items()
    }
    return {"state": state, "param_groups": copy.deepcopy(state_dict["param_groups"])}


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_parameters_larger_than_a_chunk_match_torch(name, kwargs, dtype):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(chunked_shape(dtype)).astype(dtype), rng.standard_normal(7)]
    arrays[1] = arrays[1].astype(dtype)
    ours, _ = train_side_by_side(name, kwargs, arrays)
    assert all(p.array.dtype == dtype for p in ours)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_non_contiguous_parameters_are_updated_in_place(name, kwargs):
    rng = np.random.default_rng(2)
    ours = [
        rg.tensor(rng.standard_normal((3, 4)), requires_grad=True),
        rg.tensor(rng.standard_normal((5,)), requires_grad=True),
    ]
    big = rng.standard_normal(chunked_shape(np.float64))
    ours[0].array = rng.standard_normal((3, 8))[:, ::2]  # every other column: strided
    ours.append(rg.tensor(np.zeros(1), requires_grad=True))
    ours[2].array = np.asfortranarray(big)
    arrays = [p.array for p in ours]
    ours, _ = train_side_by_side(name, kwargs, [], ours=ours)
    assert all(p.array is a for p, a in zip(ours, arrays))


@settings(max_examples=15, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 40), min_size=2, max_size=5),
    amsgrad=st.booleans(),
    weight_decay=st.sampled_from([0.0, 0.1]),
    decoupled=st.booleans(),
    maximize=st.booleans(),
    missing_step=st.integers(0, 5),
    seed=st.integers(0, 2**16),
)
def test_packed_adam_matches_torch(
    sizes, amsgrad, weight_decay, decoupled, maximize, missing_step, seed
):
    """Small parameters share packed moments; a parameter without a gradient in one step
    (torch skips it) puts its step count out of line and the group back on the per-parameter
    path, which must continue where the packed one left off."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((size, 2)) for size in sizes]
    kwargs = {
        "lr": 0.01,
        "amsgrad": amsgrad,
        "weight_decay": weight_decay,
        "maximize": maximize,
        "decoupled_weight_decay": decoupled,
    }
    missing = {missing_step: int(rng.integers(len(sizes)))}
    train_side_by_side("Adam", kwargs, arrays, steps=8, seed=seed, missing=missing)


def _adam_run(steps: int = 3) -> tuple[list[rg.Tensor], optim.Adam]:
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(shape) for shape in [(4, 3), (4,), (2, 4), (2,)]]
    ours, optimizer = train_side_by_side("Adam", {"lr": 0.01, "amsgrad": True}, arrays, steps=steps)
    bases = {id(optimizer.state[p][key].base) for p in ours for key in ("exp_avg", "exp_avg_sq")}
    assert len(bases) == 2, "the four small parameters should share packed moments"
    return ours, optimizer


def test_packed_adam_state_is_torchs_and_state_dicts_are_copies():
    ours, optimizer = _adam_run()
    saved = optimizer.state_dict()
    for entry in saved["state"].values():
        for value in entry.values():
            np.asarray(value)[...] = 1e6  # changes the copy, not the optimizer
    for p in ours:
        assert float(optimizer.state[p]["step"]) == 3.0
        assert np.abs(optimizer.state[p]["exp_avg"]).max() < 1e3
    train_side_by_side("Adam", {"lr": 0.01, "amsgrad": True}, [], ours=ours, optimizer=optimizer)


def test_packed_adam_continues_after_load_state_dict():
    ours, optimizer = _adam_run()
    fresh = optim.Adam(ours, lr=0.01, amsgrad=True)
    fresh.load_state_dict(optimizer.state_dict())
    train_side_by_side("Adam", {"lr": 0.01, "amsgrad": True}, [], ours=ours, optimizer=fresh)


def test_packed_adam_deep_copy_is_independent():
    ours, optimizer = _adam_run()
    before = [p.array.copy() for p in ours]
    duplicate = copy.deepcopy(optimizer)
    copies = duplicate.param_groups[0]["params"]
    train_side_by_side("Adam", {"lr": 0.01, "amsgrad": True}, [], ours=copies, optimizer=duplicate)
    for p, old in zip(ours, before):
        np.testing.assert_array_equal(p.array, old)
    train_side_by_side("Adam", {"lr": 0.01, "amsgrad": True}, [], ours=ours, optimizer=optimizer)


def test_packed_adam_follows_replaced_parameter_arrays():
    ours, optimizer = _adam_run()
    ours[0].array = ours[0].array + 1.0  # as load_state_dict on a module may do
    ours[3].array = np.zeros(3)  # another shape: the per-parameter path reports it
    with pytest.raises(ValueError):
        train_side_by_side(
            "Adam", {"lr": 0.01, "amsgrad": True}, [], ours=ours, optimizer=optimizer
        )
    ours[3].array = np.zeros(2)
    train_side_by_side("Adam", {"lr": 0.01, "amsgrad": True}, [], ours=ours, optimizer=optimizer)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_zero_dim_tiny_and_small_parameters_match_torch(name, kwargs):
    """A 0-d parameter, a tiny one (fresh temporaries) and a small one (scratch views)."""
    rng = np.random.default_rng(4)
    arrays = [
        np.asarray(rng.standard_normal()),
        rng.standard_normal(3),
        rng.standard_normal((40, 40)),
    ]
    train_side_by_side(name, kwargs, arrays)
