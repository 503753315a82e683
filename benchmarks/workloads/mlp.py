"""784-512-512-10 ReLU MLP, cross-entropy, SGD lr 0.01, batch 128, synthetic float32 data.

Large enough that the matrix products dominate: this workload measures how close a framework
gets to the BLAS it runs on. The batches cycle through a small fixed pool, prepared as each
library's tensors before timing, so no data conversion is timed.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Trainer, Workload
from .common import (
    linear_init,
    load_retrograd,
    load_torch,
    mlp_flops,
    retrograd_trainer,
    torch_parameters,
)

LR = 0.01
SIZES = [784, 512, 512, 10]
BATCH = 128
POOL = 8  # batches in the cycled pool


@dataclass
class Problem:
    batches: list[tuple[np.ndarray, np.ndarray]]  # x: (batch, in) float32, labels: (batch,) int64
    weights: list[np.ndarray]
    sizes: list[int]
    lr: float
    optimizer: str = "sgd"  # or "adam" (default betas and eps)


def synthetic_problem(sizes: list[int], batch: int, pool: int, lr: float, seed: int) -> Problem:
    """Gaussian inputs and uniform labels in `pool` batches, and PyTorch-style initial weights."""
    rng = np.random.default_rng(seed)
    batches = [
        (
            rng.standard_normal((batch, sizes[0]), dtype=np.float32),
            rng.integers(0, sizes[-1], batch, dtype=np.int64),
        )
        for _ in range(pool)
    ]
    return Problem(batches=batches, weights=linear_init(sizes, rng), sizes=sizes, lr=lr)


def setup() -> Problem:
    return synthetic_problem(SIZES, BATCH, POOL, LR, seed=0)


def relu_stack(nn: Any, sizes: list[int]) -> Any:
    """`nn.Sequential(Linear, ReLU, ..., Linear)` from either library's `nn`."""
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def _build_retrograd(problem: Problem, compiled: bool) -> Trainer:
    import retrograd
    from retrograd import nn, optim

    model = relu_stack(nn, problem.sizes)
    load_retrograd(model.parameters(), problem.weights)
    optimizer_class = optim.Adam if problem.optimizer == "adam" else optim.SGD
    optimizer = optimizer_class(model.parameters(), lr=problem.lr)
    pool = [(retrograd.from_numpy(x), retrograd.from_numpy(t)) for x, t in problem.batches]
    loss_fn = nn.CrossEntropyLoss()
    return retrograd_trainer(model, loss_fn, optimizer, itertools.cycle(pool), compiled)


def build_retrograd(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=False)


def build_retrograd_compiled(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=True)


def build_torch(problem: Problem) -> Trainer:
    import torch

    model = relu_stack(torch.nn, problem.sizes)
    load_torch(model.parameters(), problem.weights)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer_class = torch.optim.Adam if problem.optimizer == "adam" else torch.optim.SGD
    optimizer = optimizer_class(model.parameters(), lr=problem.lr)
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

    A subclass with another optimizer overrides `update` (and sets `error_scale` to 1).
    """

    def __init__(self, weights: list[np.ndarray], batch: int, lr: float) -> None:
        self.W = [w.copy() for w in weights[0::2]]
        self.b = [w.copy() for w in weights[1::2]]
        self.lr = lr
        self.error_scale = lr  # the output error is multiplied by this (and divided by batch)
        widths = [W.shape[0] for W in self.W]
        # out[i]: layer i's output (after ReLU for hidden layers, logits for the last);
        # delta[i]: error_scale * dloss / d(layer i's pre-activation).
        self.out = [np.empty((batch, n), np.float32) for n in widths]
        self.delta = [np.empty((batch, n), np.float32) for n in widths]
        self.mask = [np.empty((batch, n), bool) for n in widths[:-1]]
        self.gW = [np.empty_like(W) for W in self.W]
        self.gb = [np.empty_like(b) for b in self.b]
        self.row_max = np.empty((batch, 1), np.float32)
        self.row_sum = np.empty((batch, 1), np.float32)
        self.rows = np.arange(batch)

    def update(self, i: int) -> None:
        """Apply layer `i`'s gradients (already scaled by `lr`): plain SGD."""
        self.W[i] -= self.gW[i]
        self.b[i] -= self.gb[i]

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
        probs *= self.error_scale / len(labels)

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
            self.update(i)
        return loss

    def parameters(self) -> list[np.ndarray]:
        return [p.copy() for pair in zip(self.W, self.b) for p in pair]


class NumpyAdamReluMLP(NumpyReluMLP):
    """The same network trained with Adam (betas 0.9, 0.999, eps 1e-8), as PyTorch computes it.

    Each layer's update still follows as soon as its gradients are known; the moments and a
    scratch buffer per parameter are allocated once.
    """

    beta1, beta2, eps = 0.9, 0.999, 1e-8

    def __init__(self, weights: list[np.ndarray], batch: int, lr: float) -> None:
        super().__init__(weights, batch, lr)
        self.error_scale = 1.0
        self.t = 0
        self.step_size = 0.0
        self.correction2_sqrt = 1.0
        params = self.W + self.b
        self.m = {id(p): np.zeros_like(p) for p in params}
        self.v = {id(p): np.zeros_like(p) for p in params}
        self.scratch = {id(p): np.empty_like(p) for p in params}

    def step(self, x: np.ndarray, labels: np.ndarray) -> float:
        self.t += 1
        self.step_size = self.lr / (1 - self.beta1**self.t)
        self.correction2_sqrt = (1 - self.beta2**self.t) ** 0.5
        return super().step(x, labels)

    def _adam(self, param: np.ndarray, grad: np.ndarray) -> None:
        m, v, tmp = self.m[id(param)], self.v[id(param)], self.scratch[id(param)]
        np.subtract(grad, m, out=tmp)  # m.lerp_(grad, 1 - beta1)
        tmp *= 1 - self.beta1
        m += tmp
        v *= self.beta2  # v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        np.multiply(grad, 1 - self.beta2, out=tmp)
        tmp *= grad
        v += tmp
        np.sqrt(v, out=tmp)  # param -= step_size * m / (sqrt(v) / sqrt(correction2) + eps)
        tmp /= self.correction2_sqrt
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.step_size
        param -= tmp

    def update(self, i: int) -> None:
        self._adam(self.W[i], self.gW[i])
        self._adam(self.b[i], self.gb[i])


def build_numpy(problem: Problem) -> Trainer:
    batch = len(problem.batches[0][1])
    net_class = NumpyAdamReluMLP if problem.optimizer == "adam" else NumpyReluMLP
    net = net_class(problem.weights, batch, problem.lr)
    batches = itertools.cycle(problem.batches)

    def step() -> float:
        x, labels = next(batches)
        return net.step(x, labels)

    return Trainer(step, net.parameters)


WORKLOAD = Workload(
    name="mlp",
    description="784-512-512-10 ReLU MLP, cross-entropy, SGD lr 0.01, batch 128, float32",
    setup=setup,
    builders={
        "retrograd": build_retrograd,
        "retrograd-compiled": build_retrograd_compiled,
        "numpy": build_numpy,
        "torch": build_torch,
    },
    samples_per_step=BATCH,
    flops_per_step=mlp_flops(SIZES, BATCH),
)
