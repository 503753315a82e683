"""The network from the original question, written in plain NumPy with a hand-written backward
pass, and with the bug it had: the derivative of the loss has its sign flipped, so gradient
descent climbs the loss instead of descending it.

`retrograd.check_backprop` runs `forward` on retrograd Tensors (NumPy's functions dispatch to
retrograd ops), compares `backward`'s gradients with autograd's and with finite differences, and
names the fault.

Run: python examples/numpy_backprop.py
 or: retrograd check-backprop examples/numpy_backprop.py
"""

from __future__ import annotations

from typing import Any

import numpy as np

# the seed data: the target is the second input
X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 0, 0], [1, 1, 0]], dtype=np.float64)
y = np.array([[0], [1], [0], [1], [0], [1]], dtype=np.float64)


def setup(hidden: int = 4, seed: int = 0) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The parameters (input side first), the inputs and the targets."""
    rng = np.random.default_rng(seed)
    params = {
        "W1": rng.standard_normal((3, hidden)),
        "b1": np.zeros((1, hidden)),
        "W2": rng.standard_normal((hidden, 1)),
        "b2": np.zeros((1, 1)),
    }
    return params, X, y


def sigmoid(z: Any) -> Any:
    return 1 / (1 + np.exp(-z))


def forward(params: dict[str, Any], X: Any, y: Any) -> Any:
    """The mean squared error of `X -> sigmoid -> sigmoid`."""
    a1 = sigmoid(np.dot(X, params["W1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["W2"]) + params["b2"])
    return np.mean((a2 - y) ** 2)


def backward(params: dict[str, np.ndarray], X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """The gradient of `forward`'s loss, by hand, as in the question."""
    a1 = sigmoid(np.dot(X, params["W1"]) + params["b1"])
    a2 = sigmoid(np.dot(a1, params["W2"]) + params["b2"])
    d_loss = 2 * (y - a2) / y.size  # the bug: the right derivative is 2 * (a2 - y) / y.size
    delta2 = d_loss * a2 * (1 - a2)
    delta1 = np.dot(delta2, params["W2"].T) * a1 * (1 - a1)
    return {
        "W1": np.dot(X.T, delta1),
        "b1": np.sum(delta1, axis=0, keepdims=True),
        "W2": np.dot(a1.T, delta2),
        "b2": np.sum(delta2, axis=0, keepdims=True),
    }


def train(epochs: int = 200, lr: float = 2.0) -> list[float]:
    """Plain gradient descent with the hand-written gradients; returns the loss of each epoch."""
    params, inputs, targets = setup()
    losses = []
    for _ in range(epochs):
        losses.append(float(forward(params, inputs, targets)))
        grads = backward(params, inputs, targets)
        for name in params:
            params[name] -= lr * grads[name]
    return losses


def main(epochs: int = 200) -> Any:
    """Train with the buggy gradients, then check them; print both; return the report."""
    import retrograd as rg

    losses = train(epochs)
    print(f"hand-written gradient descent: loss {losses[0]:.4f} -> {losses[-1]:.4f}")
    report = rg.check_backprop(forward, backward, *setup())
    print(report)
    return report


if __name__ == "__main__":
    main()
