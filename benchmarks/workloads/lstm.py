"""LSTM: one layer, input 32, hidden 128, batch 32, sequences of 50 steps (batch first), forward
and backward through the whole sequence; MSE of the outputs against a fixed target, SGD lr 0.1.

The time loop makes 50 small dependent products per pass, so this workload measures the cost of a
framework's per-step work (gate slicing, elementwise ops, graph bookkeeping) in a recurrence. The
loss and the SGD update are there to complete a training step (and give the one-step check a
parameter change); they cost little beside the recurrence. Inputs and targets cycle through a
small fixed pool, prepared as each library's tensors before timing.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Trainer, Workload
from .common import load_retrograd, load_torch, retrograd_trainer, torch_parameters

LR = 0.1
BATCH = 32
SEQ_LEN = 50
INPUT = 32
HIDDEN = 128
POOL = 4  # batches in the cycled pool


@dataclass
class Problem:
    batches: list[tuple[np.ndarray, np.ndarray]]  # x: (BATCH, SEQ_LEN, INPUT), target: (.., HIDDEN)
    weights: list[np.ndarray]  # weight_ih_l0 (4H, I), weight_hh_l0 (4H, H), bias_ih_l0, bias_hh_l0


def setup() -> Problem:
    rng = np.random.default_rng(0)
    batches = [
        (
            rng.standard_normal((BATCH, SEQ_LEN, INPUT), dtype=np.float32),
            rng.uniform(-0.5, 0.5, (BATCH, SEQ_LEN, HIDDEN)).astype(np.float32),
        )
        for _ in range(POOL)
    ]
    bound = 1.0 / np.sqrt(HIDDEN)  # PyTorch's default LSTM init: uniform in +-1/sqrt(hidden)
    shapes = [(4 * HIDDEN, INPUT), (4 * HIDDEN, HIDDEN), (4 * HIDDEN,), (4 * HIDDEN,)]
    weights = [rng.uniform(-bound, bound, shape).astype(np.float32) for shape in shapes]
    return Problem(batches=batches, weights=weights)


def _build_retrograd(problem: Problem, compiled: bool) -> Trainer:
    import retrograd
    from retrograd import nn, optim
    from retrograd.nn import functional as F

    model = nn.LSTM(INPUT, HIDDEN, batch_first=True)
    load_retrograd(model.parameters(), problem.weights)
    optimizer = optim.SGD(model.parameters(), lr=LR)
    pool = [(retrograd.from_numpy(x), retrograd.from_numpy(t)) for x, t in problem.batches]

    def loss_fn(result: Any, target: Any) -> Any:
        output, _ = result
        return F.mse_loss(output, target)

    return retrograd_trainer(model, loss_fn, optimizer, itertools.cycle(pool), compiled)


def build_retrograd(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=False)


def build_retrograd_compiled(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=True)


def build_torch(problem: Problem) -> Trainer:
    import torch

    model = torch.nn.LSTM(INPUT, HIDDEN, batch_first=True)
    load_torch(model.parameters(), problem.weights)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    pool = [(torch.from_numpy(x), torch.from_numpy(t)) for x, t in problem.batches]
    batches = itertools.cycle(pool)

    def step() -> None:
        x, target = next(batches)
        optimizer.zero_grad()
        output, _ = model(x)
        loss = torch.nn.functional.mse_loss(output, target)
        loss.backward()
        optimizer.step()

    return Trainer(step, lambda: torch_parameters(model))


def _sigmoid_(z: np.ndarray) -> None:
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)


class NumpyLSTM:
    """Hand-written LSTM forward, backward through time and SGD, with preallocated buffers.

    Time-major internally: the input projection of all steps is one product before the loop,
    and the weight gradients are one product each after it, over every step's gate errors at
    once. The learning rate is folded into the output error, as in the MLP floor, so the
    gradients come out scaled and the update is a subtraction. Gates are PyTorch's order
    (input, forget, cell, output), one slice of the 4H columns each.
    """

    def __init__(self, weights: list[np.ndarray], lr: float) -> None:
        self.w_ih, self.w_hh, self.b_ih, self.b_hh = (w.copy() for w in weights)
        self.lr = lr
        T, B, H, G = SEQ_LEN, BATCH, HIDDEN, 4 * HIDDEN
        self.x = np.empty((T, B, INPUT), np.float32)
        self.target = np.empty((T, B, H), np.float32)
        # activated gates, each step: sigmoid(i, f), tanh(g), sigmoid(o)
        self.gates = np.empty((T, B, G), np.float32)
        self.h = np.zeros((T + 1, B, H), np.float32)  # h[0] is the zero initial state
        self.c = np.zeros((T + 1, B, H), np.float32)
        self.tanh_c = np.empty((T, B, H), np.float32)
        self.dgates = np.empty((T, B, G), np.float32)
        self.dout = np.empty((T, B, H), np.float32)
        self.dh = np.empty((B, H), np.float32)
        self.dc = np.zeros((B, H), np.float32)
        self.tmp = np.empty((B, H), np.float32)
        self.bias = np.empty(G, np.float32)
        self.g_ih = np.empty_like(self.w_ih)
        self.g_hh = np.empty_like(self.w_hh)
        self.g_b = np.empty_like(self.b_ih)

    def step(self, x: np.ndarray, target: np.ndarray) -> float:
        T, B, H = SEQ_LEN, BATCH, HIDDEN
        i, f, g, o = slice(0, H), slice(H, 2 * H), slice(2 * H, 3 * H), slice(3 * H, 4 * H)
        i_f = slice(0, 2 * H)  # the input and forget gates, side by side
        gates, h, c, tanh_c = self.gates, self.h, self.c, self.tanh_c
        np.copyto(self.x, x.transpose(1, 0, 2))
        np.copyto(self.target, target.transpose(1, 0, 2))

        # forward
        np.add(self.b_ih, self.b_hh, out=self.bias)
        np.matmul(self.x.reshape(T * B, INPUT), self.w_ih.T, out=gates.reshape(T * B, 4 * H))
        gates += self.bias
        for t in range(T):
            z = gates[t]
            z += h[t] @ self.w_hh.T
            _sigmoid_(z[:, i_f])
            np.tanh(z[:, g], out=z[:, g])
            _sigmoid_(z[:, o])
            np.multiply(z[:, f], c[t], out=c[t + 1])
            np.multiply(z[:, i], z[:, g], out=self.tmp)
            c[t + 1] += self.tmp
            np.tanh(c[t + 1], out=tanh_c[t])
            np.multiply(z[:, o], tanh_c[t], out=h[t + 1])

        out, dout = h[1:], self.dout
        np.subtract(out, self.target, out=dout)
        loss = float(np.vdot(dout, dout)) / dout.size
        dout *= 2.0 * self.lr / dout.size  # lr * dloss / dh_t

        # backward through time
        dh, dc, tmp, dgates = self.dh, self.dc, self.tmp, self.dgates
        dh.fill(0.0)
        dc.fill(0.0)
        for t in range(T - 1, -1, -1):
            z, dz = gates[t], dgates[t]
            dh += dout[t]
            np.multiply(dh, tanh_c[t], out=dz[:, o])  # d o
            # dc += dh * o * (1 - tanh_c^2)
            np.multiply(tanh_c[t], tanh_c[t], out=tmp)
            np.subtract(1.0, tmp, out=tmp)
            tmp *= z[:, o]
            tmp *= dh
            dc += tmp
            np.multiply(dc, z[:, g], out=dz[:, i])  # d i
            np.multiply(dc, c[t], out=dz[:, f])  # d f
            np.multiply(dc, z[:, i], out=dz[:, g])  # d g
            dc *= z[:, f]  # carried to step t - 1
            # through the activations: sigma' = s (1 - s), tanh' = 1 - y^2
            sig = z[:, i_f]
            dsig = dz[:, i_f]
            dsig *= sig
            dsig *= 1.0 - sig
            dz[:, o] *= z[:, o]
            dz[:, o] *= 1.0 - z[:, o]
            dz[:, g] *= 1.0 - z[:, g] * z[:, g]
            np.matmul(dz, self.w_hh, out=dh)

        flat = dgates.reshape(T * B, 4 * H)
        np.matmul(flat.T, self.x.reshape(T * B, INPUT), out=self.g_ih)
        np.matmul(flat.T, h[:-1].reshape(T * B, H), out=self.g_hh)
        np.sum(flat, axis=0, out=self.g_b)
        self.w_ih -= self.g_ih
        self.w_hh -= self.g_hh
        self.b_ih -= self.g_b
        self.b_hh -= self.g_b
        return loss

    def parameters(self) -> list[np.ndarray]:
        return [w.copy() for w in (self.w_ih, self.w_hh, self.b_ih, self.b_hh)]


def build_numpy(problem: Problem) -> Trainer:
    net = NumpyLSTM(problem.weights, LR)
    batches = itertools.cycle(problem.batches)

    def step() -> float:
        x, target = next(batches)
        return net.step(x, target)

    return Trainer(step, net.parameters)


WORKLOAD = Workload(
    name="lstm",
    description="LSTM 32->128, batch 32, 50 steps, forward and backward through time; "
    "MSE to a fixed target, SGD lr 0.1, float32",
    setup=setup,
    builders={
        "retrograd": build_retrograd,
        "retrograd-compiled": build_retrograd_compiled,
        "numpy": build_numpy,
        "torch": build_torch,
    },
    samples_per_step=BATCH,
    # input and recurrent products, three each (forward, input gradient, weight gradient)
    flops_per_step=6.0 * BATCH * SEQ_LEN * 4 * HIDDEN * (INPUT + HIDDEN),
)
