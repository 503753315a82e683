"""The workload contract: a `Workload` builds one `Trainer` per implementation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

IMPLEMENTATIONS = ("retrograd", "retrograd-compiled", "numpy", "torch")
"""Implementation names, in the order each repeat runs them.

`retrograd` is eager mode; `retrograd-compiled` runs the same step through `retrograd.compile`.
"""

OPTIONAL = ("retrograd-compiled",)
"""Implementations whose failure drops their row (with a note) instead of stopping the run."""


@dataclass
class Trainer:
    """One implementation of a workload, ready to train.

    - `step`: one full training step (forward, loss, backward, optimizer update).
    - `parameters`: copies of the parameters as float arrays, in PyTorch state-dict order
      (`0.weight` `(out, in)`, `0.bias`, `2.weight`, ...), for the correctness check.
    """

    step: Callable[[], Any]
    parameters: Callable[[], list[np.ndarray]]
    note: str = ""  # shown beside the implementation in the table ("compile unavailable", ...)


@dataclass(frozen=True)
class Workload:
    """A training problem and one trainer builder per implementation.

    - `setup`: returns the shared problem (any object the builders understand); deterministic.
    - `builders`: implementation name -> `builder(problem) -> Trainer`. A workload may leave an
      implementation out (a matmul probe has no autograd, say).
    - `update_rtol`: how far (relative norm) one step's parameter change may differ between
      implementations; float32 rounding of small updates needs more room than the parameters do.
    - `samples_per_step`: the batch size, for a samples/s column; None where that means little.
    - `flops_per_step`: floating-point operations of one step (forward and backward products),
      to compare with the matmul peak; None where the products are not the point.
    """

    name: str
    description: str
    setup: Callable[[], Any]
    builders: dict[str, Callable[[Any], Trainer]]
    param_rtol: float = 1e-4
    param_atol: float = 1e-6
    update_rtol: float = 1e-2
    samples_per_step: int | None = None
    flops_per_step: float | None = None
