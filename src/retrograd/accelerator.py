"""`torch.accelerator`: retrograd computes on the CPU, which is not an accelerator."""

from __future__ import annotations

from typing import Any


def is_available() -> bool:
    return False


def device_count() -> int:
    return 0


def current_accelerator(check_available: bool = False) -> Any:
    """None: there is no accelerator (PyTorch returns None too when it has none)."""
    return None
