"""Sparse COO tensors, stored dense: the same values and gradients as PyTorch's sparse ones."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import retrograd as rg
from retrograd.errors import ShapeError

INDICES = [[0, 1, 1, 0], [2, 0, 2, 2]]  # (0, 2) twice: summed, as coalesce does
VALUES = [3.0, 4.0, 5.0, 1.5]


def test_sparse_coo_tensor_sums_duplicates_like_torch() -> None:
    ours = rg.sparse_coo_tensor(rg.tensor(INDICES), rg.tensor(VALUES), (2, 3))
    theirs = torch.sparse_coo_tensor(torch.tensor(INDICES), torch.tensor(VALUES), (2, 3))
    np.testing.assert_array_equal(ours.to_dense().numpy(), theirs.to_dense().numpy())
    coalesced = theirs.coalesce()
    np.testing.assert_array_equal(ours.indices().numpy(), coalesced.indices().numpy())
    np.testing.assert_array_equal(ours.values().numpy(), coalesced.values().numpy())
    inferred = rg.sparse_coo_tensor(INDICES, VALUES)
    assert tuple(inferred.shape) == tuple(torch.sparse_coo_tensor(INDICES, VALUES).shape)


@pytest.mark.parametrize("product", ["spmm", "sparse.mm", "matmul"])
def test_sparse_dense_products_and_gradients_match_torch(product: str) -> None:
    rng = np.random.default_rng(0)
    adjacency = (rng.random((5, 5)) < 0.4) * rng.standard_normal((5, 5))
    features = rng.standard_normal((5, 3))
    results = []
    for lib in (rg, torch):
        dense = lib.tensor(features, requires_grad=True)
        sparse = lib.tensor(adjacency).to_sparse()
        if product == "spmm":
            out = lib.spmm(sparse, dense)
        elif product == "sparse.mm":
            out = lib.sparse.mm(sparse, dense)
        else:
            out = sparse @ dense
        out.pow(2).sum().backward()
        results.append((out.detach().numpy(), dense.grad.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_the_gcn_normalisation_runs_like_torch() -> None:
    edges = [[0, 1, 2, 3], [1, 2, 3, 0]]
    results = []
    for lib in (rg, torch):
        adj = lib.sparse_coo_tensor(lib.tensor(edges), lib.ones(4), (4, 4), dtype=lib.int64)
        adj = lib.eye(4) + adj
        degree = lib.diag(lib.pow(lib.sum(adj, dim=1), -0.5)).to_sparse()
        results.append((degree @ adj @ degree).to_dense().numpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-6)


def test_indices_that_do_not_fit_are_refused() -> None:
    with pytest.raises(ShapeError, match="do not fit the size"):
        rg.sparse_coo_tensor(INDICES, VALUES, (2, 2))
    with pytest.raises(ShapeError, match=r"\(ndim, nnz\)"):
        rg.sparse_coo_tensor([0, 1], VALUES, (2, 3))
