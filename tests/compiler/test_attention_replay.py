"""Attention replays: the causal mask and the safe softmax are ops, so a transformer step is
recorded and replayed, and equals the eager step bit for bit, also when the masks (and so
the rows with nothing to attend to) change from call to call."""

from __future__ import annotations

import numpy as np
from tests.compiler.helpers import Program, check

import retrograd as rg
from retrograd import nn, optim
from retrograd.nn import functional as F


def _inputs(i: int) -> rg.Tensor:
    return rg.tensor(np.random.default_rng(i).standard_normal((3, 5, 8)).astype(np.float32))


def test_a_causal_transformer_layer_is_replayed() -> None:
    def make() -> Program:
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        opt = optim.SGD(layer.parameters(), lr=0.1)
        causal = nn.Transformer.generate_square_subsequent_mask(5)

        def step(x):
            opt.zero_grad()
            loss = layer(x, src_mask=causal, is_causal=True).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        return Program(step, lambda i: (_inputs(i),), [layer], [opt])

    check(make, "replay")


def test_masks_that_change_between_calls_are_replayed_exactly() -> None:
    def make() -> Program:
        proj = nn.Linear(8, 8)
        opt = optim.SGD(proj.parameters(), lr=0.1)

        def step(x, mask):
            opt.zero_grad()
            q = proj(x)
            out = F.scaled_dot_product_attention(q, q, q, attn_mask=mask)
            loss = out.pow(2).sum()
            loss.backward()
            opt.step()
            return out

        def args(i: int) -> tuple[rg.Tensor, rg.Tensor]:
            mask = np.random.default_rng(100 + i).random((5, 5)) < 0.4
            mask[i % 5] = False  # a row with nothing to attend to, a different one each call
            return _inputs(i), rg.tensor(mask)

        return Program(step, args, [proj], [opt])

    outcome = check(make, "replay")
    outputs = outcome.values[0]
    for i, output in enumerate(outputs):
        assert not np.isnan(output[2]).any()
        np.testing.assert_array_equal(output[2][:, i % 5], 0.0)  # the dead row gives zeros
