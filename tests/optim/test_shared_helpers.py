"""The pieces the optimizers share: `decayed_grad` (the gradient preamble of every update
function) and `Optimizer._states` (state started by `_init_state` on a parameter's first step)."""

from __future__ import annotations

import numpy as np
import pytest

import retrograd as rg
from retrograd import optim
from retrograd.optim._inplace import decayed_grad


@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
@pytest.mark.parametrize("decoupled", [False, True])
def test_decayed_grad_is_pytorchs_preamble(
    maximize: bool, weight_decay: float, decoupled: bool
) -> None:
    rng = np.random.default_rng(0)
    p = rng.standard_normal(7).astype(np.float32)
    g = rng.standard_normal(7).astype(np.float32)
    p0, g0 = p.copy(), g.copy()
    lr = 0.01
    work, tmp = np.empty_like(g), np.empty_like(g)

    out = decayed_grad(g, p, maximize, weight_decay, work, tmp, lr if decoupled else None)

    want_g, want_p = (-g0 if maximize else g0), p0
    if weight_decay != 0:
        if decoupled:
            want_p = p0 * np.float32(1 - lr * weight_decay)
        else:
            want_g = want_g + np.float32(weight_decay) * p0
    np.testing.assert_array_equal(g, g0)  # the gradient itself never changes
    np.testing.assert_array_equal(out, want_g)
    np.testing.assert_array_equal(p, want_p)
    assert out is g or out is work


def test_states_fill_empty_state_once_in_pytorchs_order() -> None:
    weight = rg.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    opt = optim.RMSprop([weight], momentum=0.9, centered=True)
    group = opt.param_groups[0]
    (state,) = opt._states(group, [weight])
    assert list(state) == ["step", "square_avg", "momentum_buffer", "grad_avg"]
    assert float(state["step"]) == 0.0 and state["step"].dtype == np.float32
    assert all(state[k].shape == (2, 3) and not state[k].any() for k in list(state)[1:])
    state["square_avg"][...] = 5.0
    (again,) = opt._states(group, [weight])
    assert again is state and again["square_avg"][0, 0] == 5.0
