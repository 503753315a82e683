"""Loss argument checks that PyTorch makes: BCE targets outside [0, 1] are an error (a target
of 2 would give a negative loss), BCE-with-logits accepts them and gives PyTorch's value,
class indices out of range are an IndexError."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import retrograd as rg
from helpers import check
from retrograd import nn
from retrograd.nn import functional as F

BAD_TARGETS = [[2.0, 0.0], [-1.0, 0.0], [0.5, 1.5], [float("nan"), 0.0]]


@pytest.mark.parametrize("target", BAD_TARGETS, ids=repr)
def test_bce_refuses_targets_outside_0_1(target):
    probabilities = [0.3, 0.8]
    with pytest.raises(RuntimeError, match="target"):
        TF.binary_cross_entropy(torch.tensor(probabilities), torch.tensor(target))
    with pytest.raises(ValueError, match=r"expects targets in \[0, 1\]"):
        F.binary_cross_entropy(rg.tensor(probabilities), rg.tensor(target))
    with pytest.raises(ValueError, match=r"expects targets in \[0, 1\]"):
        nn.BCELoss()(rg.tensor(probabilities), rg.tensor(target))


def test_bce_accepts_soft_targets_in_0_1():
    check(
        lambda p, t: F.binary_cross_entropy(p, t),
        np.array([0.3, 0.8, 0.5]),
        np.array([0.1, 0.9, 0.25]),  # inside, so finite differences stay in [0, 1]
        torch_fn=lambda p, t: TF.binary_cross_entropy(p, t),
    )


@pytest.mark.parametrize("target", BAD_TARGETS[:3], ids=repr)
def test_bce_with_logits_takes_any_target_like_pytorch(target):
    check(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t),
        np.array([0.3, -1.2]),
        np.array(target),
        torch_fn=lambda x, t: TF.binary_cross_entropy_with_logits(x, t),
    )


@pytest.mark.parametrize("bad", [3, -1, 7])
@pytest.mark.parametrize("loss", ["nll_loss", "cross_entropy"])
def test_class_index_out_of_range_is_an_index_error(bad, loss):
    scores = np.zeros((2, 3), dtype=np.float32)
    with pytest.raises(IndexError):
        getattr(TF, loss)(torch.tensor(scores), torch.tensor([0, bad]))
    with pytest.raises(IndexError, match="out of range for 3 classes"):
        getattr(F, loss)(rg.tensor(scores), rg.tensor([0, bad]))
