"""Sweep: a width-width-10 ReLU MLP (cross-entropy, SGD lr 0.01) over batch sizes and widths.

Small batches and widths cost what the framework spends around the arithmetic; large ones cost
the matrix products. Timing every implementation over the grid shows where BLAS takes over and
retrograd's ratio to the NumPy floor and to PyTorch approaches one. The implementations are the
`mlp` workload's, on synthetic data.
"""

from __future__ import annotations

from . import mlp
from .base import Workload
from .common import mlp_flops

BATCHES = (1, 8, 64, 256, 1024)
WIDTHS = (16, 128, 512, 2048)
LR = 0.01
POOL = 2  # batches in the cycled pool (the widest inputs take 8 MiB each)


def sizes(width: int) -> list[int]:
    return [width, width, 10]


def workload(width: int, batch: int) -> Workload:
    """The sweep's point at `width` and `batch`, as a workload the harness can time."""

    def setup() -> mlp.Problem:
        return mlp.synthetic_problem(sizes(width), batch, POOL, LR, seed=0)

    return Workload(
        name=f"sweep w{width} b{batch}",
        description=f"{width}-{width}-10 ReLU MLP, cross-entropy, SGD lr {LR}, batch {batch}",
        setup=setup,
        builders=dict(mlp.WORKLOAD.builders),
        samples_per_step=batch,
        flops_per_step=mlp_flops(sizes(width), batch),
    )


def points() -> list[tuple[int, int]]:
    """(width, batch) pairs, width-major, in the order they run."""
    return [(width, batch) for width in WIDTHS for batch in BATCHES]
