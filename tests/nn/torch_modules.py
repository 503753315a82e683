"""Compare a retrograd module with its PyTorch twin: copy weights through state dicts, then
check forward values, the input gradient and every parameter gradient for one random upstream
gradient (float64)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import retrograd as rg

RTOL = 1e-6
ATOL = 1e-9


def assert_close(actual: Any, expected: Any) -> None:
    if isinstance(actual, rg.Tensor):
        actual = actual.array
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL)


def copy_to_torch(our_module: Any, their_module: torch.nn.Module) -> None:
    """Give `their_module` (made float64) the values of `our_module`'s state dict."""
    state = {
        k: torch.tensor(np.asarray(v.array, dtype=np.float64))
        for k, v in our_module.state_dict().items()
    }
    their_module.double().load_state_dict(state)


def compare_modules(
    our_module: Any, their_module: torch.nn.Module, x: np.ndarray, seed: int = 0
) -> None:
    """Both modules (equal weights, float64) agree forward and backward on input `x`."""
    our_x = rg.tensor(x.astype(np.float64), requires_grad=True)
    their_x = torch.tensor(x.astype(np.float64), requires_grad=True)
    our_out, their_out = our_module(our_x), their_module(their_x)
    assert our_out.shape == tuple(their_out.shape)
    assert our_out.dtype == np.float64
    assert_close(our_out, their_out)
    upstream = np.random.default_rng(seed).standard_normal(our_out.shape)
    our_out.backward(upstream)
    their_out.backward(torch.from_numpy(upstream))
    assert_close(our_x.grad, their_x.grad)
    their_params = dict(their_module.named_parameters())
    assert [name for name, _ in our_module.named_parameters()] == list(their_params)
    for name, param in our_module.named_parameters():
        assert param.grad is not None, f"{name} got no gradient"
        assert_close(param.grad, their_params[name].grad)
