"""`torch.accelerator`: the CUDA GPU when CuPy sees one, else none (the CPU is not one)."""

from __future__ import annotations

from typing import Any

from retrograd import cuda


def is_available() -> bool:
    """Whether a CUDA GPU can hold tensors."""
    return cuda.is_available()


def device_count() -> int:
    """The number of CUDA GPUs (0 without one)."""
    return cuda.device_count()


def current_accelerator(check_available: bool = False) -> Any:
    """`device("cuda")` when a GPU can hold tensors, else None (as PyTorch without one)."""
    from retrograd.backend.device import device

    return device("cuda") if cuda.is_available() else None
