"""LSTM: one layer, input 32, hidden 128, batch 32, sequences of 50 steps (batch first), forward
and backward through the whole sequence; MSE of the outputs against a fixed target, SGD lr 0.1.

The time loop makes 50 small dependent products per pass, so this workload measures the cost of a
framework's per-step work (gate slicing, elementwise ops, graph bookkeeping) in a recurrence. The
loss and the SGD update are there to complete a training step (and give the one-step check a
parameter change); they cost little beside the recurrence. Inputs and targets cycle through a
small fixed pool, prepared as each library's tensors before timing.

`lstm-lm` (`LM_WORKLOAD`) is a word-level language model as people write it: token embedding,
a two-layer LSTM and a linear head over the vocabulary, trained on next-token cross-entropy. The
model class is written once and built against `retrograd.nn` and `torch.nn` alike. It has no
NumPy floor.
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


# ---------------------------------------------------------------------- language model
LM_VOCAB = 512
LM_EMBED = 64
LM_HIDDEN = 128
LM_LAYERS = 2
LM_BATCH = 32
LM_CONTEXT = 32
LM_LR = 0.5


@dataclass
class LanguageProblem:
    batches: list[tuple[np.ndarray, np.ndarray]]  # tokens (BATCH, CONTEXT), next tokens, int64
    state: dict[str, np.ndarray]  # the model's state dict under PyTorch's key names


def lm_shapes() -> dict[str, tuple[int, ...]]:
    """The language model's parameters in state-dict order."""
    shapes: dict[str, tuple[int, ...]] = {"embed.weight": (LM_VOCAB, LM_EMBED)}
    for layer in range(LM_LAYERS):
        inputs = LM_EMBED if layer == 0 else LM_HIDDEN
        shapes[f"lstm.weight_ih_l{layer}"] = (4 * LM_HIDDEN, inputs)
        shapes[f"lstm.weight_hh_l{layer}"] = (4 * LM_HIDDEN, LM_HIDDEN)
        shapes[f"lstm.bias_ih_l{layer}"] = (4 * LM_HIDDEN,)
        shapes[f"lstm.bias_hh_l{layer}"] = (4 * LM_HIDDEN,)
    shapes["head.weight"] = (LM_VOCAB, LM_HIDDEN)
    shapes["head.bias"] = (LM_VOCAB,)
    return shapes


def lm_setup() -> LanguageProblem:
    rng = np.random.default_rng(1)
    batches = []
    for _ in range(POOL):
        tokens = rng.integers(0, LM_VOCAB, (LM_BATCH, LM_CONTEXT + 1), dtype=np.int64)
        batches.append((tokens[:, :-1].copy(), tokens[:, 1:].copy()))
    bound = 1.0 / np.sqrt(LM_HIDDEN)
    state = {
        name: (
            rng.standard_normal(shape)
            if name == "embed.weight"
            else rng.uniform(-bound, bound, shape)
        ).astype(np.float32)
        for name, shape in lm_shapes().items()
    }
    return LanguageProblem(batches=batches, state=state)


def language_model(nn: Any) -> Any:
    """The model class, written once against `nn` (retrograd.nn or torch.nn): the same code."""

    class LanguageModel(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(LM_VOCAB, LM_EMBED)
            self.lstm = nn.LSTM(LM_EMBED, LM_HIDDEN, num_layers=LM_LAYERS, batch_first=True)
            self.head = nn.Linear(LM_HIDDEN, LM_VOCAB)

        def forward(self, tokens: Any) -> Any:
            out, _ = self.lstm(self.embed(tokens))
            return self.head(out)

    return LanguageModel()


def _build_lm_retrograd(problem: LanguageProblem, compiled: bool) -> Trainer:
    import retrograd
    from retrograd import nn, optim
    from retrograd.nn import functional as F

    model = language_model(nn)
    model.load_state_dict({k: retrograd.from_numpy(v.copy()) for k, v in problem.state.items()})
    optimizer = optim.SGD(model.parameters(), lr=LM_LR)
    pool = [(retrograd.from_numpy(x), retrograd.from_numpy(y)) for x, y in problem.batches]

    def loss_fn(logits: Any, target: Any) -> Any:
        return F.cross_entropy(logits.reshape(-1, LM_VOCAB), target.reshape(-1))

    return retrograd_trainer(model, loss_fn, optimizer, itertools.cycle(pool), compiled)


def build_lm_retrograd(problem: LanguageProblem) -> Trainer:
    return _build_lm_retrograd(problem, compiled=False)


def build_lm_retrograd_compiled(problem: LanguageProblem) -> Trainer:
    return _build_lm_retrograd(problem, compiled=True)


def build_lm_torch(problem: LanguageProblem) -> Trainer:
    import torch

    model = language_model(torch.nn)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in problem.state.items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=LM_LR)
    pool = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in problem.batches]
    batches = itertools.cycle(pool)

    def step() -> None:
        x, target = next(batches)
        optimizer.zero_grad()
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, LM_VOCAB), target.reshape(-1))
        loss.backward()
        optimizer.step()

    return Trainer(step, lambda: torch_parameters(model))


LM_WORKLOAD = Workload(
    name="lstm-lm",
    description=f"LSTM language model: vocabulary {LM_VOCAB}, embedding {LM_EMBED}, "
    f"{LM_LAYERS} LSTM layers of {LM_HIDDEN}, linear head; batch {LM_BATCH}, context "
    f"{LM_CONTEXT}, next-token cross-entropy, SGD lr {LM_LR}, float32",
    setup=lm_setup,
    builders={
        "retrograd": build_lm_retrograd,
        "retrograd-compiled": build_lm_retrograd_compiled,
        "torch": build_lm_torch,
    },
    samples_per_step=LM_BATCH,
    flops_per_step=6.0
    * LM_BATCH
    * LM_CONTEXT
    * (
        4 * LM_HIDDEN * (LM_EMBED + LM_HIDDEN)
        + (LM_LAYERS - 1) * 4 * LM_HIDDEN * 2 * LM_HIDDEN
        + LM_HIDDEN * LM_VOCAB
    ),
)
