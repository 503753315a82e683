"""Digits CNN: conv 1->16 3x3 pad 1, ReLU, max-pool 2, conv 16->32 3x3 pad 1, ReLU, max-pool 2,
linear 128->10, cross-entropy, Adam lr 1e-3, batch 64, on scikit-learn's 8x8 digits.

Small images and few channels: each product is tiny, so this workload measures what a framework
spends around convolution (unfolding windows, pooling masks, reshapes) rather than BLAS speed.
The batches cycle through one shuffled pass over the data (pixels / 16, float32, the last partial
batch dropped), prepared as each library's tensors before timing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .base import Trainer, Workload
from .common import load_retrograd, load_torch, retrograd_trainer, torch_parameters

LR = 1e-3
BATCH = 64
CHANNELS = (1, 16, 32)
CLASSES = 10
SIDE = 8  # image height and width


@dataclass
class Problem:
    batches: list[tuple[np.ndarray, np.ndarray]]  # x: (BATCH, 1, 8, 8) float32, labels int64
    weights: list[np.ndarray]  # conv1 w, b, conv2 w, b, linear w, b, in PyTorch's layout


def conv_linear_init(rng: np.random.Generator) -> list[np.ndarray]:
    """float32 initial weights drawn like PyTorch's defaults: uniform in +-1/sqrt(fan_in)."""
    shapes = [
        ((CHANNELS[1], CHANNELS[0], 3, 3), CHANNELS[0] * 9),
        ((CHANNELS[2], CHANNELS[1], 3, 3), CHANNELS[1] * 9),
        ((CLASSES, CHANNELS[2] * 4), CHANNELS[2] * 4),
    ]
    weights = []
    for shape, fan_in in shapes:
        bound = 1.0 / np.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, shape).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, shape[0]).astype(np.float32))
    return weights


def setup() -> Problem:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        message = "the cnn workload needs scikit-learn (pip install scikit-learn)"
        raise ImportError(message) from error

    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    full = len(order) // BATCH
    batches = [
        (np.ascontiguousarray(X[rows]), y[rows]) for rows in np.split(order[: full * BATCH], full)
    ]
    return Problem(batches=batches, weights=conv_linear_init(rng))


def digits_cnn(nn: Any, max_pool: Any) -> Any:
    """The workload's network from either library's `nn` (and its `MaxPool2d`)."""
    return nn.Sequential(
        nn.Conv2d(CHANNELS[0], CHANNELS[1], 3, padding=1),
        nn.ReLU(),
        max_pool(2),
        nn.Conv2d(CHANNELS[1], CHANNELS[2], 3, padding=1),
        nn.ReLU(),
        max_pool(2),
        nn.Flatten(),
        nn.Linear(CHANNELS[2] * 4, CLASSES),
    )


def _build_retrograd(problem: Problem, compiled: bool) -> Trainer:
    import retrograd
    from retrograd import nn, optim

    model = digits_cnn(nn, nn.MaxPool2d)
    load_retrograd(model.parameters(), problem.weights)
    optimizer = optim.Adam(model.parameters(), lr=LR)
    pool = [(retrograd.from_numpy(x), retrograd.from_numpy(t)) for x, t in problem.batches]
    loss_fn = nn.CrossEntropyLoss()
    return retrograd_trainer(model, loss_fn, optimizer, itertools.cycle(pool), compiled)


def build_retrograd(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=False)


def build_retrograd_compiled(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=True)


def build_torch(problem: Problem) -> Trainer:
    import torch

    model = digits_cnn(torch.nn, torch.nn.MaxPool2d)
    load_torch(model.parameters(), problem.weights)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    pool = [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in problem.batches]
    batches = itertools.cycle(pool)

    def step() -> None:
        x, target = next(batches)
        optimizer.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        optimizer.step()

    return Trainer(step, lambda: torch_parameters(model))


class NumpyAdam:
    """Adam (PyTorch's defaults) on a list of arrays, updated in place with preallocated moments."""

    def __init__(self, params: list[np.ndarray], lr: float) -> None:
        self.params, self.lr = params, lr
        self.beta1, self.beta2, self.eps = 0.9, 0.999, 1e-8
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        step_size = self.lr / (1 - self.beta1**self.t)
        correction2_sqrt = (1 - self.beta2**self.t) ** 0.5
        for param, grad, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp):
            np.subtract(grad, m, out=tmp)  # m.lerp_(grad, 1 - beta1)
            tmp *= 1 - self.beta1
            m += tmp
            v *= self.beta2  # v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            np.multiply(grad, 1 - self.beta2, out=tmp)
            tmp *= grad
            v += tmp
            np.sqrt(v, out=tmp)  # param -= step_size * m / (sqrt(v) / sqrt(correction2) + eps)
            tmp /= correction2_sqrt
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            param -= tmp


class MaxPool2x2:
    """2x2 max-pool of ReLU'd NHWC activations with a first-maximum mask for backward.

    The mask routes each gradient to the first maximum of its window in row-major order, as
    PyTorch does: a digit's blank border gives whole windows of equal values, where routing to
    every tie would multiply the gradient.
    """

    def __init__(self, batch: int, side: int, channels: int) -> None:
        half = side // 2
        self.out = np.empty((batch, half, half, channels), np.float32)
        self.mask = np.empty((batch, half, 2, half, 2, channels), bool)
        self.hit = np.empty((batch, half, half, channels), bool)
        self.taken = np.empty((batch, half, half, channels), bool)

    def forward(self, z: np.ndarray) -> np.ndarray:
        """`z: (B, H, W, C)` pre-activations -> relu(max-pool(z)) `(B, H/2, W/2, C)`."""
        b, h, w, c = z.shape
        windows = z.reshape(b, h // 2, 2, w // 2, 2, c)
        np.max(windows, axis=(2, 4), out=self.out)
        self.taken.fill(False)
        for i, j in ((0, 0), (0, 1), (1, 0), (1, 1)):
            np.equal(windows[:, :, i, :, j, :], self.out, out=self.hit)
            self.hit &= ~self.taken
            self.taken |= self.hit
            self.mask[:, :, i, :, j, :] = self.hit
        np.maximum(self.out, 0.0, out=self.out)  # relu commutes with max
        self.mask &= (self.out > 0.0)[:, :, None, :, None, :]
        return self.out

    def backward(self, grad: np.ndarray, dz: np.ndarray) -> None:
        """Write the gradient for `z` into `dz: (B, H, W, C)` from `grad: (B, H/2, W/2, C)`."""
        b, h, w, c = dz.shape
        np.multiply(
            self.mask, grad[:, :, None, :, None, :], out=dz.reshape(b, h // 2, 2, w // 2, 2, c)
        )


class NumpyDigitsCNN:
    """Hand-written forward, backward and Adam for the workload's CNN: im2col convolutions.

    Activations stay channels-last (NHWC), so each convolution is one matrix product of the
    unfolded windows `(B*H*W, 3*3*C_in)` with the kernel `(C_out, 3*3*C_in)`, and its output
    needs no transpose. The kernels and the linear layer are kept in that channels-last order
    and converted to PyTorch's layout only when `parameters` is asked for.
    """

    def __init__(self, weights: list[np.ndarray], batch: int, lr: float) -> None:
        c0, c1, c2 = CHANNELS
        w1, b1, w2, b2, w3, b3 = (w.copy() for w in weights)
        # (out, in, kh, kw) -> (out, kh, kw, in); linear columns (c, h, w) -> (h, w, c)
        self.w1 = np.ascontiguousarray(w1.transpose(0, 2, 3, 1).reshape(c1, 9 * c0))
        self.w2 = np.ascontiguousarray(w2.transpose(0, 2, 3, 1).reshape(c2, 9 * c1))
        self.w3 = np.ascontiguousarray(w3.reshape(CLASSES, c2, 2, 2).transpose(0, 2, 3, 1))
        self.w3 = self.w3.reshape(CLASSES, 4 * c2)
        self.b1, self.b2, self.b3 = b1, b2, b3
        params = [self.w1, self.b1, self.w2, self.b2, self.w3, self.b3]
        self.grads = [np.empty_like(p) for p in params]
        self.adam = NumpyAdam(params, lr)

        s, h = SIDE, SIDE // 2
        self.padded1 = np.zeros((batch, s + 2, s + 2, c0), np.float32)
        self.cols1 = np.empty((batch, s, s, 3, 3, c0), np.float32)
        self.z1 = np.empty((batch * s * s, c1), np.float32)
        self.pool1 = MaxPool2x2(batch, s, c1)
        self.padded2 = np.zeros((batch, h + 2, h + 2, c1), np.float32)
        self.cols2 = np.empty((batch, h, h, 3, 3, c1), np.float32)
        self.z2 = np.empty((batch * h * h, c2), np.float32)
        self.pool2 = MaxPool2x2(batch, h, c2)
        self.logits = np.empty((batch, CLASSES), np.float32)
        self.row_max = np.empty((batch, 1), np.float32)
        self.row_sum = np.empty((batch, 1), np.float32)
        self.dz2 = np.empty_like(self.z2)
        self.dcols2 = np.empty((batch * h * h, 9 * c1), np.float32)
        self.dpadded2 = np.empty_like(self.padded2)
        self.dz1 = np.empty_like(self.z1)
        self.rows = np.arange(batch)

    @staticmethod
    def unfold(padded: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Copy every 3x3 window of `padded: (B, H+2, W+2, C)` into `cols: (B, H, W, 3, 3, C)`;
        return it as `(B*H*W, 9*C)`."""
        windows = sliding_window_view(padded, (3, 3), axis=(1, 2))  # (B, H, W, C, 3, 3)
        np.copyto(cols, windows.transpose(0, 1, 2, 4, 5, 3))
        return cols.reshape(-1, cols.shape[3] * cols.shape[4] * cols.shape[5])

    def step(self, x: np.ndarray, labels: np.ndarray) -> float:
        batch, s, h = len(labels), SIDE, SIDE // 2
        c1, c2 = CHANNELS[1], CHANNELS[2]
        g1w, g1b, g2w, g2b, g3w, g3b = self.grads

        # forward
        self.padded1[:, 1:-1, 1:-1, 0] = x[:, 0]
        cols1 = self.unfold(self.padded1, self.cols1)
        np.matmul(cols1, self.w1.T, out=self.z1)
        self.z1 += self.b1
        p1 = self.pool1.forward(self.z1.reshape(batch, s, s, c1))
        self.padded2[:, 1:-1, 1:-1, :] = p1
        cols2 = self.unfold(self.padded2, self.cols2)
        np.matmul(cols2, self.w2.T, out=self.z2)
        self.z2 += self.b2
        flat = self.pool2.forward(self.z2.reshape(batch, h, h, c2)).reshape(batch, -1)
        logits = self.logits
        np.matmul(flat, self.w3.T, out=logits)
        logits += self.b3

        # softmax cross-entropy, shifted by the row maximum for stability
        np.max(logits, axis=1, keepdims=True, out=self.row_max)
        logits -= self.row_max
        loss_shift = logits[self.rows, labels].mean()
        np.exp(logits, out=logits)
        np.sum(logits, axis=1, keepdims=True, out=self.row_sum)
        loss = float(np.log(self.row_sum).mean() - loss_shift)
        logits /= self.row_sum
        logits[self.rows, labels] -= 1.0
        logits /= batch
        dlogits = logits

        # backward
        np.matmul(dlogits.T, flat, out=g3w)
        np.sum(dlogits, axis=0, out=g3b)
        dflat = dlogits @ self.w3
        self.pool2.backward(dflat.reshape(batch, 2, 2, c2), self.dz2.reshape(batch, h, h, c2))
        np.matmul(self.dz2.T, cols2, out=g2w)
        np.sum(self.dz2, axis=0, out=g2b)
        np.matmul(self.dz2, self.w2, out=self.dcols2)
        # fold: add each window's gradient back onto the padded input it came from
        dcols = self.dcols2.reshape(batch, h, h, 3, 3, c1)
        self.dpadded2.fill(0.0)
        for i in range(3):
            for j in range(3):
                self.dpadded2[:, i : i + h, j : j + h, :] += dcols[:, :, :, i, j, :]
        dp1 = self.dpadded2[:, 1:-1, 1:-1, :]
        self.pool1.backward(dp1, self.dz1.reshape(batch, s, s, c1))
        np.matmul(self.dz1.T, cols1, out=g1w)
        np.sum(self.dz1, axis=0, out=g1b)

        self.adam.step(self.grads)
        return loss

    def parameters(self) -> list[np.ndarray]:
        c0, c1, c2 = CHANNELS
        return [
            self.w1.reshape(c1, 3, 3, c0).transpose(0, 3, 1, 2).copy(),
            self.b1.copy(),
            self.w2.reshape(c2, 3, 3, c1).transpose(0, 3, 1, 2).copy(),
            self.b2.copy(),
            self.w3.reshape(CLASSES, 2, 2, c2).transpose(0, 3, 1, 2).reshape(CLASSES, -1).copy(),
            self.b3.copy(),
        ]


def build_numpy(problem: Problem) -> Trainer:
    net = NumpyDigitsCNN(problem.weights, BATCH, LR)
    batches = itertools.cycle(problem.batches)

    def step() -> float:
        x, labels = next(batches)
        return net.step(x, labels)

    return Trainer(step, net.parameters)


def cnn_flops(batch: int) -> float:
    """Multiply-adds of the convolutions and the linear layer, forward and backward (three
    products each, the first layer's input gradient counted as usual), at 2 flops each."""
    c0, c1, c2 = CHANNELS
    conv1 = SIDE * SIDE * c1 * 9 * c0
    conv2 = (SIDE // 2) ** 2 * c2 * 9 * c1
    linear = 4 * c2 * CLASSES
    return 6.0 * batch * (conv1 + conv2 + linear)


WORKLOAD = Workload(
    name="cnn",
    description="digits CNN: conv 1->16, ReLU, max-pool 2, conv 16->32, ReLU, max-pool 2, "
    "linear 128->10; cross-entropy, Adam lr 1e-3, batch 64, float32",
    setup=setup,
    builders={
        "retrograd": build_retrograd,
        "retrograd-compiled": build_retrograd_compiled,
        "numpy": build_numpy,
        "torch": build_torch,
    },
    samples_per_step=BATCH,
    flops_per_step=cnn_flops(BATCH),
)
