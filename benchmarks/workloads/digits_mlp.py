"""Digits: 64-128-10 ReLU MLP, cross-entropy, Adam lr 1e-3, batch 32, on scikit-learn's digits.

A small real data set (1797 8x8 images, standardized, float32): arrays big enough that the
arithmetic is no longer free, small enough that framework overhead and the optimizer's
elementwise updates still matter. One step is one batch; the batches cycle through one
shuffled pass over the data (the last, partial batch dropped), prepared before timing.
"""

from __future__ import annotations

import numpy as np

from . import mlp
from .base import Workload
from .common import linear_init, mlp_flops

LR = 1e-3
SIZES = [64, 128, 10]
BATCH = 32


def setup() -> mlp.Problem:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise ImportError(
            "the digits workload needs scikit-learn (pip install scikit-learn)"
        ) from error

    X, y = load_digits(return_X_y=True)
    std = X.std(axis=0)
    X = ((X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)).astype(np.float32)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(X))
    batches = [
        (np.ascontiguousarray(X[rows]), y[rows].astype(np.int64))
        for rows in np.split(order[: len(order) // BATCH * BATCH], len(order) // BATCH)
    ]
    weights = linear_init(SIZES, rng)
    return mlp.Problem(batches=batches, weights=weights, sizes=SIZES, lr=LR, optimizer="adam")


WORKLOAD = Workload(
    name="digits",
    description="64-128-10 ReLU MLP on scikit-learn's digits (standardized), cross-entropy, "
    "Adam lr 1e-3, batch 32, float32",
    setup=setup,
    builders=dict(mlp.WORKLOAD.builders),
    samples_per_step=BATCH,
    flops_per_step=mlp_flops(SIZES, BATCH),
)
