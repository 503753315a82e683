"""The seed network written in plain NumPy (np.dot, np.maximum, 1 / (1 + np.exp(-z))) trains
through `.backward()` to the same parameters as the retrograd-op version, bit for bit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import retrograd as rg

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 0, 0], [1, 1, 0]], dtype=np.float64)
y = np.array([[0], [1], [0], [1], [0], [1]], dtype=np.float64)


def numpy_loss(p: dict[str, Any]) -> Any:
    """The forward pass as written for NumPy arrays."""
    hidden = np.maximum(np.dot(X, p["W1"]) + p["b1"], 0)
    out = 1 / (1 + np.exp(-(np.dot(hidden, p["W2"]) + p["b2"])))
    return np.mean((out - y) ** 2)


def retrograd_loss(p: dict[str, Any]) -> Any:
    """The same network with retrograd's own ops."""
    hidden = (rg.tensor(X) @ p["W1"] + p["b1"]).maximum(0)
    out = 1 / (1 + (-(hidden @ p["W2"] + p["b2"])).exp())
    return ((out - rg.tensor(y)) ** 2).mean()


def train(loss_fn: Callable[[dict[str, Any]], Any], epochs: int = 300) -> tuple[Any, list[float]]:
    rng = np.random.default_rng(0)
    p = {
        "W1": rg.tensor(rng.standard_normal((3, 5)), requires_grad=True),
        "b1": rg.tensor(np.full((1, 5), 0.1), requires_grad=True),
        "W2": rg.tensor(rng.standard_normal((5, 1)), requires_grad=True),
        "b2": rg.tensor(np.zeros((1, 1)), requires_grad=True),
    }
    losses = []
    for _ in range(epochs):
        loss = loss_fn(p)
        losses.append(loss.item())
        loss.backward()
        with rg.no_grad():
            for value in p.values():
                value.sub_(value.grad)
                value.grad = None
    return p, losses


def test_plain_numpy_forward_trains_bit_for_bit_like_retrograd_ops() -> None:
    numpy_params, numpy_losses = train(numpy_loss)
    op_params, op_losses = train(retrograd_loss)
    assert numpy_losses == op_losses
    for name in numpy_params:
        np.testing.assert_array_equal(numpy_params[name].array, op_params[name].array)
    assert numpy_losses[-1] < 0.02 < numpy_losses[0]  # and it learned the seed data


def test_one_step_by_hand() -> None:
    """One backward through the NumPy forward equals the textbook formulas."""
    p, _ = train(numpy_loss, epochs=0)
    loss = numpy_loss(p)
    loss.backward()
    with rg.no_grad():
        W1, b1, W2, b2 = (p[k].array for k in ("W1", "b1", "W2", "b2"))
    z1 = X @ W1 + b1
    h = np.maximum(z1, 0)
    out = 1 / (1 + np.exp(-(h @ W2 + b2)))
    delta2 = 2 * (out - y) / y.size * out * (1 - out)
    delta1 = delta2 @ W2.T * (z1 > 0)
    np.testing.assert_allclose(p["W2"].grad.array, h.T @ delta2, rtol=1e-12)
    np.testing.assert_allclose(p["W1"].grad.array, X.T @ delta1, rtol=1e-12)
    np.testing.assert_allclose(p["b1"].grad.array, delta1.sum(0, keepdims=True), rtol=1e-12)
