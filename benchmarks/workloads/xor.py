"""XOR: 2-4-1, sigmoid hidden and output, MSE, SGD lr 1.0, full batch of the 4 truth-table rows.

Even smaller than the seed network: a step is almost nothing but framework overhead. The
implementations are the seed workload's, on other data and sizes.
"""

from __future__ import annotations

import numpy as np

from . import seed
from .base import Workload
from .common import linear_init

LR = 1.0
SIZES = [2, 4, 1]


def setup() -> seed.Problem:
    from retrograd import datasets

    X, y = datasets.logic_gate("xor")
    weights = linear_init(SIZES, np.random.default_rng(0))
    return seed.Problem(X=X, y=y, weights=weights, sizes=SIZES, lr=LR)


WORKLOAD = Workload(
    name="xor",
    description="2-4-1 sigmoid/sigmoid MLP, MSE, SGD lr 1.0, full batch of the 4 XOR rows",
    setup=setup,
    builders=dict(seed.WORKLOAD.builders),
)
