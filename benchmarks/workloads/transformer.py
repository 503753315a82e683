"""A small decoder-only transformer language model: token and position embeddings, two
pre-norm `TransformerEncoderLayer`s under a causal mask (d_model 64, 4 heads, feed-forward 256),
a final LayerNorm and a linear head; batch 32, context 32, next-token cross-entropy, SGD.

The model class is written once and built against `retrograd.nn` and `torch.nn` alike, as a
user would port it. Its cost is spread over many mid-sized ops (projections, per-head attention
products, softmax, layer norms), so it measures the attention path and the per-op overhead
together. There is no NumPy floor.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Trainer, Workload
from .common import retrograd_trainer, torch_parameters

VOCAB = 512
D_MODEL = 64
HEADS = 4
FEEDFORWARD = 256
LAYERS = 2
BATCH = 32
CONTEXT = 32
LR = 0.1
POOL = 4  # batches in the cycled pool


@dataclass
class Problem:
    batches: list[tuple[np.ndarray, np.ndarray]]  # tokens (BATCH, CONTEXT), next tokens, int64
    state: dict[str, np.ndarray]  # the model's state dict under PyTorch's key names


def shapes() -> dict[str, tuple[int, ...]]:
    """The model's parameters in state-dict order."""
    d, f = D_MODEL, FEEDFORWARD
    table: dict[str, tuple[int, ...]] = {
        "embed.weight": (VOCAB, d),
        "position.weight": (CONTEXT, d),
    }
    for k in range(LAYERS):
        layer = f"blocks.layers.{k}."
        table[layer + "self_attn.in_proj_weight"] = (3 * d, d)
        table[layer + "self_attn.in_proj_bias"] = (3 * d,)
        table[layer + "self_attn.out_proj.weight"] = (d, d)
        table[layer + "self_attn.out_proj.bias"] = (d,)
        table[layer + "linear1.weight"] = (f, d)
        table[layer + "linear1.bias"] = (f,)
        table[layer + "linear2.weight"] = (d, f)
        table[layer + "linear2.bias"] = (d,)
        for norm in ("norm1", "norm2"):
            table[layer + norm + ".weight"] = (d,)
            table[layer + norm + ".bias"] = (d,)
    table["norm.weight"] = (d,)
    table["norm.bias"] = (d,)
    table["head.weight"] = (VOCAB, d)
    table["head.bias"] = (VOCAB,)
    return table


def setup() -> Problem:
    rng = np.random.default_rng(2)
    batches = []
    for _ in range(POOL):
        tokens = rng.integers(0, VOCAB, (BATCH, CONTEXT + 1), dtype=np.int64)
        batches.append((tokens[:, :-1].copy(), tokens[:, 1:].copy()))
    state = {}
    for name, shape in shapes().items():
        if name.endswith("norm1.weight") or name.endswith("norm2.weight") or name == "norm.weight":
            value = np.ones(shape)
        elif len(shape) == 1:
            value = rng.uniform(-0.02, 0.02, shape)
        else:
            bound = np.sqrt(6.0 / sum(shape[:2]))  # xavier-uniform
            value = rng.uniform(-bound, bound, shape)
        state[name] = value.astype(np.float32)
    return Problem(batches=batches, state=state)


def transformer_lm(nn: Any) -> Any:
    """The model, written once against `nn` (retrograd.nn or torch.nn): the same code."""

    class TransformerLM(nn.Module):  # type: ignore[name-defined,misc]
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(VOCAB, D_MODEL)
            self.position = nn.Embedding(CONTEXT, D_MODEL)
            layer = nn.TransformerEncoderLayer(
                D_MODEL, HEADS, FEEDFORWARD, dropout=0.0, batch_first=True, norm_first=True
            )
            self.blocks = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(D_MODEL)
            self.head = nn.Linear(D_MODEL, VOCAB)
            self.causal = nn.Transformer.generate_square_subsequent_mask(CONTEXT)

        def forward(self, tokens: Any) -> Any:
            positions = self.position.weight[: tokens.shape[1]]
            x = self.embed(tokens) + positions
            x = self.blocks(x, mask=self.causal, is_causal=True)
            return self.head(self.norm(x))

    return TransformerLM()


def _build_retrograd(problem: Problem, compiled: bool) -> Trainer:
    import retrograd
    from retrograd import nn, optim
    from retrograd.nn import functional as F

    model = transformer_lm(nn)
    model.load_state_dict({k: retrograd.from_numpy(v.copy()) for k, v in problem.state.items()})
    optimizer = optim.SGD(model.parameters(), lr=LR)
    pool = [(retrograd.from_numpy(x), retrograd.from_numpy(y)) for x, y in problem.batches]

    def loss_fn(logits: Any, target: Any) -> Any:
        return F.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1))

    return retrograd_trainer(model, loss_fn, optimizer, itertools.cycle(pool), compiled)


def build_retrograd(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=False)


def build_retrograd_compiled(problem: Problem) -> Trainer:
    return _build_retrograd(problem, compiled=True)


def build_torch(problem: Problem) -> Trainer:
    import torch

    model = transformer_lm(torch.nn)
    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in problem.state.items()})
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    pool = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in problem.batches]
    batches = itertools.cycle(pool)

    def step() -> None:
        x, target = next(batches)
        optimizer.zero_grad()
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1))
        loss.backward()
        optimizer.step()

    return Trainer(step, lambda: torch_parameters(model))


# products per token and layer: q/k/v and output projections (4 d^2), the feed-forward (2 d f),
# scores and the weighted sum (2 * context * d); plus the head (d * vocab)
_PER_TOKEN = LAYERS * (4 * D_MODEL**2 + 2 * D_MODEL * FEEDFORWARD + 2 * CONTEXT * D_MODEL)

WORKLOAD = Workload(
    name="transformer",
    description=f"decoder-only transformer LM: vocabulary {VOCAB}, d_model {D_MODEL}, {HEADS} "
    f"heads, feed-forward {FEEDFORWARD}, {LAYERS} pre-norm layers, causal mask; batch {BATCH}, "
    f"context {CONTEXT}, next-token cross-entropy, SGD lr {LR}, float32",
    setup=setup,
    builders={
        "retrograd": build_retrograd,
        "retrograd-compiled": build_retrograd_compiled,
        "torch": build_torch,
    },
    samples_per_step=BATCH,
    flops_per_step=6.0 * BATCH * CONTEXT * (_PER_TOKEN + D_MODEL * VOCAB),
)
