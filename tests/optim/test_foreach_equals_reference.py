"""`foreach`/`fused` select a packed update; it must equal the per-parameter reference
(`foreach=False`) bit for bit, whatever the program does between steps.

Hypothesis writes the programs: parameters of mixed shapes and dtypes, some without a gradient
on some steps, options changed between steps, a parameter's values replaced through `.data`,
and a state-dict round trip mid-way. Every optimizer of `retrograd.optim` takes the switches;
those without a packed variant must give the same values whatever they are set to.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retrograd as rg
from retrograd import optim
from retrograd.optim.optimizer import OptimizerError

SHAPES = st.lists(
    st.sampled_from([(), (1,), (3,), (2, 3), (4, 1), (5, 2), (300,)]), min_size=1, max_size=6
)
ACTIONS = st.lists(
    st.sampled_from(["step", "step", "step", "drop_grad", "lr", "replace", "reload"]),
    min_size=1,
    max_size=12,
)


def _run(
    make: Any,
    switches: dict[str, Any],
    shapes: list[tuple[int, ...]],
    dtypes: list[Any],
    actions: list[str],
    seed: int,
) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    params = [
        rg.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
        for shape, dtype in zip(shapes, dtypes)
    ]
    opt = make(params, **switches)
    for action in actions:
        for p in params:
            p.grad = rg.tensor(rng.standard_normal(p.shape).astype(p.dtype))
        if action == "drop_grad":
            params[int(rng.integers(len(params)))].grad = None
        elif action == "lr":
            opt.param_groups[0]["lr"] *= 0.5
        elif action == "replace":
            p = params[int(rng.integers(len(params)))]
            p.data = rg.tensor(rng.standard_normal(p.shape).astype(p.dtype))
        elif action == "reload":
            state = opt.state_dict()
            opt = make(params, **switches)
            opt.load_state_dict(state)
        opt.step()
    return [p.array.copy() for p in params]


ADAM_OPTIONS = st.fixed_dictionaries(
    {
        "amsgrad": st.booleans(),
        "weight_decay": st.sampled_from([0.0, 0.01]),
        "maximize": st.booleans(),
    }
)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@settings(max_examples=40, deadline=None)
@given(
    shapes=SHAPES,
    dtype=st.sampled_from([np.float32, np.float64, "mixed"]),
    actions=ACTIONS,
    options=ADAM_OPTIONS,
    seed=st.integers(0, 2**16),
    switch=st.sampled_from([{}, {"foreach": True}, {"fused": True}]),
)
def test_packed_adam_equals_the_reference_bit_for_bit(
    name: str, shapes: Any, dtype: Any, actions: Any, options: Any, seed: int, switch: Any
) -> None:
    dtypes = [
        (np.float32 if i % 2 else np.float64) if dtype == "mixed" else dtype
        for i in range(len(shapes))
    ]
    cls = getattr(optim, name)

    def make(params: Any, **switches: Any) -> Any:
        return cls(params, lr=0.01, **options, **switches)

    fast = _run(make, switch, shapes, dtypes, actions, seed)
    reference = _run(make, {"foreach": False}, shapes, dtypes, actions, seed)
    for a, b in zip(fast, reference):
        np.testing.assert_array_equal(a, b)


def test_the_packed_path_is_taken_by_default_and_not_with_foreach_false() -> None:
    params = [rg.zeros(3, requires_grad=True) for _ in range(4)]
    for p in params:
        p.grad = rg.ones(3)
    packed = optim.Adam(params)
    packed.step()
    assert any(v is not None for v in packed._packed.values())
    reference = optim.Adam(params, foreach=False)
    reference.step()
    assert not reference._packed


OTHERS = [
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("Adagrad", {"lr": 0.1}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5}),
    ("Adadelta", {}),
    ("Adamax", {}),
    ("NAdam", {}),
    ("RAdam", {}),
    ("ASGD", {}),
    ("Rprop", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), OTHERS)
def test_every_optimizer_takes_pytorchs_switches_and_gives_the_same_values(
    name: str, kwargs: dict[str, Any]
) -> None:
    cls = getattr(optim, name)
    results = []
    for foreach in (None, True, False):

        def make(params: Any, **switches: Any) -> Any:
            return cls(params, **kwargs, **switches)

        results.append(
            _run(make, {"foreach": foreach}, [(3,), (2, 2)], [np.float64] * 2, ["step"] * 3, 0)
        )
    for other in results[1:]:
        for a, b in zip(results[0], other):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad"])
def test_fused_and_foreach_together_are_refused_like_pytorch(name: str) -> None:
    with pytest.raises(OptimizerError, match="`fused` and `foreach` cannot be `True` together"):
        getattr(optim, name)([rg.zeros(2, requires_grad=True)], foreach=True, fused=True)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop"])
def test_switch_values_are_checked(name: str) -> None:
    params = [rg.zeros(2, requires_grad=True)]
    with pytest.raises(OptimizerError, match="foreach must be None, True or False"):
        getattr(optim, name)(params, foreach="yes")
    with pytest.raises(OptimizerError, match="differentiable=True is not supported"):
        getattr(optim, name)(params, differentiable=True)
