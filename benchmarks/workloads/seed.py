"""The seed network: 3-8-1, sigmoid hidden and output, MSE, SGD lr 0.5, full batch of 6 rows.

Tiny arrays, so a step costs what the framework spends around the arithmetic: this workload
measures per-op overhead (graph building, the backward walk, the optimizer loop).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .base import Trainer, Workload
from .common import (
    linear_init,
    load_retrograd,
    load_torch,
    retrograd_trainer,
    torch_parameters,
)

LR = 0.5
SIZES = [3, 8, 1]


@dataclass
class Problem:
    X: np.ndarray  # (rows, in) float32
    y: np.ndarray  # (rows, 1) float32
    weights: list[np.ndarray]
    sizes: list[int]  # [in, hidden, 1]
    lr: float


def setup() -> Problem:
    from retrograd import datasets

    X, y = datasets.seed()
    weights = linear_init(SIZES, np.random.default_rng(0))
    return Problem(X=X, y=y, weights=weights, sizes=SIZES, lr=LR)


def _build_retrograd(problem: Problem, compiled: bool) -> Trainer:
    import retrograd
    from retrograd import nn, optim

    n_in, hidden, n_out = problem.sizes
    model = nn.Sequential(
        nn.Linear(n_in, hidden), nn.Sigmoid(), nn.Linear(hidden, n_out), nn.Sigmoid()
    )
    load_retrograd(model.parameters(), problem.weights)
    optimizer = optim.SGD(model.parameters(), lr=problem.lr)
    batch = (retrograd.from_numpy(problem.X), retrograd.from_numpy(problem.y))
    return retrograd_trainer(model, nn.MSELoss(), optimizer, itertools.repeat(batch), compiled)


def build_retrograd(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=False)


def build_retrograd_compiled(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=True)


def build_torch(problem: Problem) -> Trainer:
    import torch

    n_in, hidden, n_out = problem.sizes
    model = torch.nn.Sequential(
        torch.nn.Linear(n_in, hidden),
        torch.nn.Sigmoid(),
        torch.nn.Linear(hidden, n_out),
        torch.nn.Sigmoid(),
    )
    load_torch(model.parameters(), problem.weights)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=problem.lr)
    x, y = torch.from_numpy(problem.X), torch.from_numpy(problem.y)

    def step() -> None:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

    return Trainer(step, lambda: torch_parameters(model))


class NumpySeed:
    """Hand-written forward, backward and update, with every intermediate preallocated.

    The learning rate is folded into the output error: backward is linear in it, so every
    gradient comes out already scaled by `lr` and the update is a plain subtraction.
    """

    def __init__(self, problem: Problem) -> None:
        self.X, self.y = problem.X, problem.y
        self.W1, self.b1, self.W2, self.b2 = (w.copy() for w in problem.weights)
        n, hidden = self.X.shape[0], self.W1.shape[0]
        self.scale = 2.0 * problem.lr / self.y.size  # d mean((p - y)^2) / dp = 2 (p - y) / n
        self.h = np.empty((n, hidden), np.float32)
        self.dh = np.empty((n, hidden), np.float32)
        self.th = np.empty((n, hidden), np.float32)
        self.p = np.empty((n, 1), np.float32)
        self.dp = np.empty((n, 1), np.float32)
        self.tp = np.empty((n, 1), np.float32)
        self.gW1 = np.empty_like(self.W1)
        self.gb1 = np.empty_like(self.b1)
        self.gW2 = np.empty_like(self.W2)
        self.gb2 = np.empty_like(self.b2)

    @staticmethod
    def _sigmoid_(z: np.ndarray) -> None:
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1.0
        np.reciprocal(z, out=z)

    def step(self) -> float:
        X, h, p, dp, dh = self.X, self.h, self.p, self.dp, self.dh
        np.matmul(X, self.W1.T, out=h)
        h += self.b1
        self._sigmoid_(h)
        np.matmul(h, self.W2.T, out=p)
        p += self.b2
        self._sigmoid_(p)
        np.subtract(p, self.y, out=dp)
        loss = float(np.vdot(dp, dp)) / dp.size
        # dp <- lr * dloss/dz2 = scale * (p - y) * p * (1 - p)
        np.subtract(1.0, p, out=self.tp)
        self.tp *= p
        dp *= self.tp
        dp *= self.scale
        np.matmul(dp.T, h, out=self.gW2)
        np.sum(dp, axis=0, out=self.gb2)
        np.matmul(dp, self.W2, out=dh)
        np.subtract(1.0, h, out=self.th)
        self.th *= h
        dh *= self.th
        np.matmul(dh.T, X, out=self.gW1)
        np.sum(dh, axis=0, out=self.gb1)
        self.W1 -= self.gW1
        self.b1 -= self.gb1
        self.W2 -= self.gW2
        self.b2 -= self.gb2
        return loss

    def parameters(self) -> list[np.ndarray]:
        return [w.copy() for w in (self.W1, self.b1, self.W2, self.b2)]


def build_numpy(problem: Problem) -> Trainer:
    trainer = NumpySeed(problem)
    return Trainer(trainer.step, trainer.parameters)


WORKLOAD = Workload(
    name="seed",
    description="3-8-1 sigmoid/sigmoid MLP, MSE, SGD lr 0.5, full batch of the 6 seed rows",
    setup=setup,
    builders={
        "retrograd": build_retrograd,
        "retrograd-compiled": build_retrograd_compiled,
        "numpy": build_numpy,
        "torch": build_torch,
    },
)
