"""Layers check their integer constructor arguments: a float size is a TypeError (PyTorch's),
never rounded down, and a negative or zero count is a ValueError naming the layer."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg

nn = rg.nn

FLOAT_SIZES = [
    ("Linear", lambda m: m.Linear(3.5, 2), "in_features"),
    ("Linear", lambda m: m.Linear(3, 2.0), "out_features"),
    ("Conv2d", lambda m: m.Conv2d(3.0, 2, 2), "in_channels"),
    ("Conv1d", lambda m: m.Conv1d(3, 2.0, 2), "out_channels"),
    ("Embedding", lambda m: m.Embedding(10.0, 2), "num_embeddings"),
    ("Embedding", lambda m: m.Embedding(10, 2.5), "embedding_dim"),
    ("BatchNorm1d", lambda m: m.BatchNorm1d(3.0), "num_features"),
    ("LayerNorm", lambda m: m.LayerNorm(3.0), "normalized_shape"),
    ("LayerNorm", lambda m: m.LayerNorm((2, 3.0)), "normalized_shape"),
    ("GroupNorm", lambda m: m.GroupNorm(2, 4.0), "num_channels"),
    ("MultiheadAttention", lambda m: m.MultiheadAttention(8.0, 2), "embed_dim"),
    ("TransformerEncoderLayer", lambda m: m.TransformerEncoderLayer(8, 2, 3.5), "dim_feedforward"),
    ("RNN", lambda m: m.RNN(3.0, 2), "input_size"),
]


@pytest.mark.parametrize(("layer", "make", "argument"), FLOAT_SIZES, ids=lambda v: str(v))
def test_a_float_size_is_a_type_error_naming_layer_and_argument(layer, make, argument):
    with pytest.raises(TypeError):
        make(torch.nn)
    with pytest.raises(TypeError, match=rf"^{layer}: {argument} should be of type int"):
        make(nn)


def test_linear_keeps_the_sizes_it_was_given():
    layer = nn.Linear(np.int64(3), 2)
    assert layer.weight.shape == (2, 3)
    assert type(layer.in_features) is int


NEGATIVE = [
    ("Linear", lambda m: m.Linear(-1, 2), "in_features"),
    ("Conv2d", lambda m: m.Conv2d(3, -2, 2), "out_channels"),
    ("Embedding", lambda m: m.Embedding(-1, 2), "num_embeddings"),
    ("BatchNorm2d", lambda m: m.BatchNorm2d(-1), "num_features"),
    ("GroupNorm", lambda m: m.GroupNorm(0, 4), "num_groups"),
    ("LSTM", lambda m: m.LSTM(3, 0), "hidden_size"),
]


@pytest.mark.parametrize(("layer", "make", "argument"), NEGATIVE, ids=lambda v: str(v))
def test_a_negative_or_zero_count_is_refused_like_pytorch(layer, make, argument):
    with pytest.raises((RuntimeError, ValueError, ZeroDivisionError)):
        make(torch.nn)
    with pytest.raises(ValueError, match=rf"^{layer}: {argument} must be"):
        make(nn)


@pytest.mark.parametrize(
    "make",
    [
        lambda m: m.Linear(0, 2),
        lambda m: m.Conv2d(0, 2, 2),
        lambda m: m.Embedding(0, 2),
        lambda m: m.BatchNorm1d(0),
    ],
)
@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors is a no-op")
def test_zero_sizes_are_accepted_like_pytorch(make):
    make(torch.nn)
    make(nn)
