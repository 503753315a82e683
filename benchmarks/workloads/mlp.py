"""784-512-512-10 ReLU MLP, cross-entropy, SGD lr 0.01, batch 128, synthetic float32 data.

Large enough that the matrix products dominate: this workload measures how close a framework
gets to the BLAS it runs on. The batches cycle through a small fixed pool, prepared as each
library's tensors before timing, so no data conversion is timed.
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
    retrograd_parameters,
    torch_parameters,
)

LR = 0.01
SIZES = [784, 512, 512, 10]
BATCH = 128
POOL = 8  # batches in the cycled pool


@dataclass
class Problem:
    batches: list[tuple[np.ndarray, np.ndarray]]  # x: (BATCH, 784) float32, labels: (BATCH,) int64
    weights: list[np.ndarray]


def setup() -> Problem:
    rng = np.random.default_rng(0)
    batches = [
        (
            rng.standard_normal((BATCH, SIZES[0]), dtype=np.float32),
            rng.integers(0, SIZES[-1], BATCH, dtype=np.int64),
        )
        for _ in range(POOL)
    ]
    return Problem(batches=batches, weights=linear_init(SIZES, rng))


def build_retrograd(problem: Problem) -> Trainer:
    import retrograd
    from retrograd import nn, optim

    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    load_retrograd(model.parameters(), problem.weights)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=LR)
    pool = [(retrograd.from_numpy(x), retrograd.from_numpy(t)) for x, t in problem.batches]
    batches = itertools.cycle(pool)

    def step() -> None:
        x, target = next(batches)
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()

    return Trainer(step, lambda: retrograd_parameters(model))


def build_torch(problem: Problem) -> Trainer:
    import torch

    layers: list[torch.nn.Module] = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    load_torch(model.parameters(), problem.weights)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    pool = [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in problem.batches]
    batches = itertools.cycle(pool)

    def step() -> None:
        x, target = next(batches)
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()

    return Trainer(step, lambda: torch_parameters(model))


class NumpyReluMLP:
    """Hand-written ReLU MLP with softmax cross-entropy: forward, backward, SGD, no autograd.

    Every activation, error and gradient lives in a buffer allocated once. Two tricks a careful
    hand-written loop would use: the learning rate is folded into the output error (backward is
    linear in it, so each gradient comes out scaled by `lr` and the update is a subtraction), and
    each layer's weights are updated as soon as the error has been sent through them.
    """

    def __init__(self, weights: list[np.ndarray], batch: int, lr: float) -> None:
        self.W = [w.copy() for w in weights[0::2]]
        self.b = [w.copy() for w in weights[1::2]]
        self.lr = lr
        widths = [W.shape[0] for W in self.W]
        # out[i]: layer i's output (after ReLU for hidden layers, logits for the last);
        # delta[i]: lr * dloss / d(layer i's pre-activation).
        self.out = [np.empty((batch, n), np.float32) for n in widths]
        self.delta = [np.empty((batch, n), np.float32) for n in widths]
        self.mask = [np.empty((batch, n), bool) for n in widths[:-1]]
        self.gW = [np.empty_like(W) for W in self.W]
        self.gb = [np.empty_like(b) for b in self.b]
        self.row_max = np.empty((batch, 1), np.float32)
        self.row_sum = np.empty((batch, 1), np.float32)
        self.rows = np.arange(batch)

    def step(self, x: np.ndarray, labels: np.ndarray) -> float:
        last = len(self.W) - 1
        h = x
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            out = self.out[i]
            np.matmul(h, W.T, out=out)
            out += b
            if i < last:
                np.maximum(out, 0.0, out=out)
            h = out

        # softmax cross-entropy, shifted by the row maximum for stability
        logits, probs = self.out[last], self.delta[last]
        np.max(logits, axis=1, keepdims=True, out=self.row_max)
        logits -= self.row_max
        np.exp(logits, out=probs)
        np.sum(probs, axis=1, keepdims=True, out=self.row_sum)
        loss = float(np.log(self.row_sum).mean() - logits[self.rows, labels].mean())
        probs /= self.row_sum
        probs[self.rows, labels] -= 1.0
        probs *= self.lr / len(labels)

        for i in range(last, -1, -1):
            delta = self.delta[i]
            h_in = x if i == 0 else self.out[i - 1]
            np.matmul(delta.T, h_in, out=self.gW[i])
            np.sum(delta, axis=0, out=self.gb[i])
            if i > 0:
                previous = self.delta[i - 1]
                np.matmul(delta, self.W[i], out=previous)
                np.greater(h_in, 0.0, out=self.mask[i - 1])
                np.multiply(previous, self.mask[i - 1], out=previous)
            self.W[i] -= self.gW[i]
            self.b[i] -= self.gb[i]
        return loss

    def parameters(self) -> list[np.ndarray]:
        return [p.copy() for pair in zip(self.W, self.b) for p in pair]


def build_numpy(problem: Problem) -> Trainer:
    net = NumpyReluMLP(problem.weights, BATCH, LR)
    batches = itertools.cycle(problem.batches)

    def step() -> float:
        x, labels = next(batches)
        return net.step(x, labels)

    return Trainer(step, net.parameters)


WORKLOAD = Workload(
    name="mlp",
    description="784-512-512-10 ReLU MLP, cross-entropy, SGD lr 0.01, batch 128, float32",
    setup=setup,
    builders={"retrograd": build_retrograd, "numpy": build_numpy, "torch": build_torch},
)
