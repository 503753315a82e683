"""Benchmark workloads: one module per workload, each exposing a `WORKLOAD`.

A workload builds, from one shared problem (data and initial weights as NumPy arrays), a `Trainer`
per implementation. Every trainer starts from the same weights, so the harness can check that one
step gives the same parameters everywhere before it times anything.

To add a workload: write a module with a `WORKLOAD = Workload(...)` and list it in `WORKLOADS`.
"""

from __future__ import annotations

from . import cnn, digits_mlp, lstm, mlp, seed, transformer, xor
from .base import IMPLEMENTATIONS, OPTIONAL, Trainer, Workload

__all__ = ["IMPLEMENTATIONS", "OPTIONAL", "WORKLOADS", "Trainer", "Workload"]

WORKLOADS: dict[str, Workload] = {
    w.name: w
    for w in (
        seed.WORKLOAD,
        xor.WORKLOAD,
        digits_mlp.WORKLOAD,
        mlp.WORKLOAD,
        cnn.WORKLOAD,
        lstm.WORKLOAD,
        lstm.LM_WORKLOAD,
        transformer.WORKLOAD,
    )
}
