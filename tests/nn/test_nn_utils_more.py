"""nn.utils.rnn.pad_sequence, parameters_to_vector and vector_to_parameters against torch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd.errors import ShapeError
from retrograd.nn.utils import parameters_to_vector, vector_to_parameters
from retrograd.nn.utils.rnn import pad_sequence


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch_forward_and_backward(batch_first, padding_side):
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=(n, 3)).astype(np.float32) for n in (4, 1, 3)]
    ours = [rg.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out = pad_sequence(ours, batch_first=batch_first, padding_value=-2.0, padding_side=padding_side)
    expected = torch.nn.utils.rnn.pad_sequence(
        theirs, batch_first=batch_first, padding_value=-2.0, padding_side=padding_side
    )
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy())
    upstream = rng.normal(size=expected.shape).astype(np.float32)
    (out * rg.tensor(upstream)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-6)


def test_pad_sequence_of_token_ids_keeps_the_integer_dtype():
    out = pad_sequence([rg.tensor([3, 4, 5]), rg.tensor([7])], batch_first=True)
    assert out.tolist() == [[3, 4, 5], [7, 0, 0]]
    assert out.dtype == rg.tensor([1]).dtype


def test_pad_sequence_names_the_mismatched_sequence():
    with pytest.raises(ShapeError, match="sequence 1"):
        pad_sequence([rg.zeros(2, 3), rg.zeros(2, 4)])


def test_parameters_round_trip_through_a_vector():
    model = rg.nn.Sequential(rg.nn.Linear(3, 4), rg.nn.Linear(4, 2))
    reference = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == tuple(torch.nn.utils.parameters_to_vector(reference.parameters()).shape)
    vector_to_parameters(vec * 0 + rg.arange(vec.shape[0]).float(), model.parameters())
    assert model[0].weight[0, 0].item() == 0.0
    assert model[1].bias[-1].item() == vec.shape[0] - 1
    with pytest.raises(ShapeError, match="26 elements"):
        vector_to_parameters(rg.zeros(3), model.parameters())
