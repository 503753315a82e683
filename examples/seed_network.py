"""The network from the original question: 3 inputs, a hidden layer, 1 output, trained on the
seed data (the target is the second input) and on the AND, OR and XOR gates.

Run: python examples/seed_network.py
"""

from __future__ import annotations

import numpy as np

import retrograd as rg
from retrograd import datasets, nn, optim


def train(X: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> np.ndarray:
    """Train `in-8-1` with sigmoid units and MSE (as in the question) by the PyTorch loop;
    return the predictions for `X`."""
    rg.manual_seed(seed)
    inputs, targets = rg.tensor(X), rg.tensor(y)
    model = nn.Sequential(nn.Linear(X.shape[1], 8), nn.Sigmoid(), nn.Linear(8, 1), nn.Sigmoid())
    loss_fn = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
    with rg.no_grad():
        return model(inputs).numpy()


def main(epochs: int = 300, seed: int = 0) -> dict[str, float]:
    """Train on the seed data and three gates; print each table; return the largest error of
    each data set's predictions."""
    worst = {}
    for name in ("seed", "and", "or", "xor"):
        X, y = datasets.load(name)
        predicted = train(X, y, epochs, seed)
        worst[name] = float(np.abs(predicted - y).max())
        print(f"{name}: input -> target, prediction")
        for row, target, value in zip(X, y[:, 0], predicted[:, 0]):
            print(f"  {row.astype(int).tolist()} -> {target:g}, {value:.3f}")
        print(f"  largest error {worst[name]:.3f}")
    return worst


if __name__ == "__main__":
    main()
