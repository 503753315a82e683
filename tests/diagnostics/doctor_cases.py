"""Models and data shared by the doctor tests: the seed network and an MLP on digits."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

import retrograd as rg
from retrograd import datasets, nn, optim
from retrograd.cli.demo import build_network, train_network


def seed_case(activation: str = "sigmoid", output: str = "sigmoid", lr: float = 0.05) -> Any:
    """The untrained 3-8-1 seed network, MSELoss, the seed data and Adam."""
    X, y = datasets.load("seed")
    rg.manual_seed(0)
    model = build_network(3, 1, activation=activation, output=output)
    return model, nn.MSELoss(), X, y, optim.Adam(model.parameters(), lr=lr)


def trained_seed_case() -> Any:
    X, y = datasets.load("seed")
    result = train_network(X, y, activation="sigmoid")
    model = result.model
    return model, nn.MSELoss(), X, y, optim.Adam(model.parameters(), lr=0.05)


@lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return (data.data / 16.0).astype(np.float32), data.target.astype(np.int64)


def digits_case(train_steps: int = 0) -> Any:
    """An MLP 64-32-10 on scaled sklearn digits with CrossEntropyLoss and Adam(1e-3), trained
    for `train_steps` steps on batches of 64."""
    X, y = digits()
    rg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    for step in range(train_steps):
        batch = slice(64 * step % 1792, 64 * step % 1792 + 64)
        opt.zero_grad()
        loss_fn(model(rg.tensor(X[batch])), rg.tensor(y[batch])).backward()
        opt.step()
    return model, loss_fn, X, y, opt
